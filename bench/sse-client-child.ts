// The dashboard for bench/proxy-dashboard.ts, in its own process as a browser tab would be: one
// stream on /v1/admin/events that parses every event. Prints `SSE_READY` once the stream is open;
// on each stdin line prints `SSE_COUNT <turn events> <resyncs>`; exits when stdin closes.
//
//   node --import tsx bench/sse-client-child.ts --url http://127.0.0.1:PORT --key KEY [--discard]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { url: { type: 'string' }, key: { type: 'string' }, discard: { type: 'boolean', default: false } },
});
// --discard: count frames without parsing them (tells the client's CPU apart from the service's).
const ctrl = new AbortController();
const res = await fetch(`${values.url}/v1/admin/events?key=${encodeURIComponent(values.key ?? '')}`, {
  signal: ctrl.signal,
});
if (res.status !== 200) {
  console.error(`events: HTTP ${res.status}`);
  process.exit(1);
}
const counts = { turn: 0, resync: 0 };
process.stdout.write('SSE_READY\n');
process.stdin.on('data', () => process.stdout.write(`SSE_COUNT ${counts.turn} ${counts.resync}\n`));
process.stdin.on('end', () => {
  ctrl.abort();
  process.exit(0);
});

const decoder = new TextDecoder();
let buf = '';
try {
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    // One split per chunk: a batch holds many events, and re-slicing the rest after each would
    // make this client, not the service, the cost being measured.
    const blocks = (buf + decoder.decode(chunk, { stream: true })).split('\n\n');
    buf = blocks.pop() ?? '';
    for (const block of blocks) {
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name === 'turn' || name === 'resync') {
        if (!values.discard) JSON.parse(data ?? 'null'); // as the UI does
        counts[name]++;
      }
    }
  }
} catch {
  // aborted on exit
}
