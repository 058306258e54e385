// The fake LLM upstream for bench/proxy.ts, in its own process so it does not share an event loop
// with the load generator. Prints `FAKE_UPSTREAM_URL <url>` on stdout when listening; exits when its
// stdin closes (the parent went away) or on SIGTERM/SIGINT.
//
//   node --import tsx bench/fake-upstream-child.ts --reply-chars 128 --chunk-size 8 --chunk-delay-ms 1
import { parseArgs } from 'node:util';
import { startFakeLlm } from '../test/fixtures/fake-llm/index.js';

const { values } = parseArgs({
  options: {
    'reply-chars': { type: 'string', default: '128' },
    'chunk-size': { type: 'string', default: '8' },
    'chunk-delay-ms': { type: 'string', default: '1' },
  },
});

const replyChars = Number(values['reply-chars']);
const chunkSize = Number(values['chunk-size']);
const chunkDelayMs = Number(values['chunk-delay-ms']);

const sentence = 'The proxy relays each chunk as it arrives and records the turn. ';
const text = sentence.repeat(Math.ceil(replyChars / sentence.length)).slice(0, replyChars);
const usage = { input: 512, output: Math.ceil(replyChars / 4) };

const fake = await startFakeLlm({
  recordRequests: false,
  // Same answer every time; only streams are paced (a non-stream body is written at once anyway).
  responder: (req) =>
    req.body.stream === true ? { text, usage, chunkSize, chunkDelayMs } : { text, usage, chunkSize },
});

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  void fake.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();

process.stdout.write(`FAKE_UPSTREAM_URL ${fake.url}\n`);
