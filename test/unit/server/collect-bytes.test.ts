import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectBytes } from '../../../src/server/http-util.js';

describe('collectBytes', () => {
  it('collects every chunk until the end', async () => {
    // Buffers, plain Uint8Arrays (an object-mode stream made from a policy's answer) and strings.
    const parts = [Buffer.from('ab'), new TextEncoder().encode('cd'), 'é'];
    const { bytes, over } = await collectBytes(Readable.from(parts));
    expect(over).toBe(false);
    expect(bytes.toString('utf8')).toBe('abcdé');
    const single = await collectBytes(Readable.from([new TextEncoder().encode('{"ok":1}')]));
    expect(single.bytes.toString('utf8')).toBe('{"ok":1}');
  });

  it('stops at the limit and says so, keeping what fit', async () => {
    const s = new PassThrough();
    const result = collectBytes(s, 5);
    s.write('abc');
    s.write('defgh');
    const { bytes, over } = await result;
    expect(over).toBe(true);
    expect(bytes.toString()).toBe('abc');
    s.destroy();
  });

  it('rejects a stream that fails or closes before its end', async () => {
    const failing = new PassThrough();
    const a = collectBytes(failing);
    failing.write('partial');
    failing.destroy(new Error('connection reset'));
    await expect(a).rejects.toThrow('connection reset');

    const cut = new PassThrough();
    const b = collectBytes(cut);
    cut.write('partial');
    cut.destroy();
    await expect(b).rejects.toThrow('closed before its end');
  });
});
