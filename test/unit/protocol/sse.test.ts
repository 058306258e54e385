import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSse, SseDecoder } from '../../../src/protocol/sse.js';
import type { SseEvent } from '../../../src/protocol/types.js';

describe('SseDecoder', () => {
  it('returns complete events only, holding partial ones until they finish', () => {
    const d = new SseDecoder();
    expect(d.push('event: message_start\ndata: {"a"')).toEqual([]);
    expect(d.push(':1}\n')).toEqual([]);
    expect(d.push('\nevent: ping\ndata: {}\n\ndata: x')).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { event: 'ping', data: '{}' },
    ]);
    expect(d.push('\n\n')).toEqual([{ data: 'x' }]);
  });

  it('handles CRLF and CR line endings, comments and multi-line data', () => {
    const d = new SseDecoder();
    const text = ': keep-alive\r\n\r\ndata: line1\r\ndata: line2\r\n\r\nevent: e\rdata: y\r\r';
    // A trailing CR may be the first half of CRLF, so the last event completes with the next byte.
    expect(d.push(text)).toEqual([{ data: 'line1\nline2' }]);
    expect(d.push('data: z\n\n')).toEqual([{ event: 'e', data: 'y' }, { data: 'z' }]);
  });

  it('leaves out the event name when the stream has none (OpenAI style)', () => {
    const d = new SseDecoder();
    const [ev] = d.push('data: [DONE]\n\n');
    expect(ev).toEqual({ data: '[DONE]' });
    expect(ev && 'event' in ev).toBe(false);
  });

  it('flush delivers a final event that lacked its blank line', () => {
    const d = new SseDecoder();
    expect(d.push('data: {"last":true}\n')).toEqual([]);
    expect(d.flush()).toEqual([{ data: '{"last":true}' }]);
    expect(d.push('data: partial')).toEqual([]);
    expect(d.flush()).toEqual([{ data: 'partial' }]);
    expect(d.push('data: ok\n\n')).toEqual([{ data: 'ok' }]);
    expect(d.flush()).toEqual([]);
  });

  it('decodes the same events wherever the text is split', () => {
    const events: SseEvent[] = [
      { event: 'message_start', data: '{"type":"message_start"}' },
      { data: 'a\nb' },
      { event: 'x', data: '' },
      { data: '{"emoji":"\u{1F600}"}' },
    ];
    const text = events.map(formatSse).join('');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const d = new SseDecoder();
        const got: SseEvent[] = [];
        let prev = 0;
        for (const p of [...points, text.length]) {
          got.push(...d.push(text.slice(prev, p)));
          prev = p;
        }
        expect(got).toEqual(events);
      }),
    );
  });
});

describe('formatSse', () => {
  it('writes event and data lines followed by a blank line', () => {
    expect(formatSse({ event: 'ping', data: '{"type":"ping"}' })).toBe(
      'event: ping\ndata: {"type":"ping"}\n\n',
    );
    expect(formatSse({ data: '[DONE]' })).toBe('data: [DONE]\n\n');
  });

  it('splits multi-line data into several data lines', () => {
    expect(formatSse({ data: 'a\nb\r\nc' })).toBe('data: a\ndata: b\ndata: c\n\n');
    expect(formatSse({ data: '' })).toBe('data: \n\n');
  });
});
