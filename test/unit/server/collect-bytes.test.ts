import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectBytes } from '../../../src/server/http-util.js';

describe('collectBytes', () => {
  it('collects every chunk until the end', async () => {
    const { bytes, over } = await collectBytes(Readable.from([Buffer.from('ab'), Buffer.from('cd'), 'é']));
    expect(over).toBe(false);
    expect(bytes.toString('utf8')).toBe('abcdé');
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
