import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { SseEvent } from './types.js';

/**
 * Incremental SSE decoder: feed raw text as it arrives (chunk boundaries anywhere, LF / CR / CRLF),
 * get back the events completed so far. Comments and `retry:` lines are dropped; `id` is not kept
 * because neither LLM protocol uses it.
 */
export class SseDecoder {
  private readonly parser: EventSourceParser;
  private pending: SseEvent[] = [];

  constructor() {
    this.parser = createParser({
      onEvent: (msg) => {
        this.pending.push(
          msg.event === undefined ? { data: msg.data } : { event: msg.event, data: msg.data },
        );
      },
    });
  }

  push(text: string): SseEvent[] {
    this.parser.feed(text);
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /**
   * End of input: a final event that lacked its blank-line terminator is still delivered, since some
   * upstreams close the connection right after the last `data:` line.
   */
  flush(): SseEvent[] {
    // Two line ends complete a dangling line and then dispatch it; on a clean ending they are a no-op.
    this.parser.feed('\n\n');
    this.parser.reset();
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** Serialize one event; multi-line data becomes several `data:` lines so the receiver rejoins it with \n. */
export function formatSse(ev: SseEvent): string {
  const head = ev.event === undefined ? '' : `event: ${ev.event}\n`;
  const lines = ev.data.split(/\r\n|\r|\n/);
  return head + lines.map((l) => `data: ${l}\n`).join('') + '\n';
}
