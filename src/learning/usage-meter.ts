import type { TokenUsage } from '../store/learning-usage.js';
import { usageOf } from '../store/learning-usage.js';
import type { ServingBackend, UpstreamResponse } from '../upstream/types.js';

/**
 * The serving backend as learning uses it (verification replays): same calls, but the tokens of
 * every answered non-streamed call are reported, so replays show in the dashboard's learning cost
 * rather than as serving traffic. The body is passed through untouched while it is read.
 */
export function meteredBackend(
  backend: ServingBackend,
  onUsage: (model: string, usage: TokenUsage) => void,
): ServingBackend {
  return {
    protocol: backend.protocol,
    name: backend.name,
    model: backend.model,
    servesResponses: backend.servesResponses,
    listModels: backend.listModels?.bind(backend),
    close: () => backend.close(),
    async send(call) {
      const res = await backend.send(call);
      if (call.stream || res.status !== 200) return res;
      const model = String(call.body.model ?? backend.model ?? '');
      return { ...res, body: tee(res, (text) => report(text, model, onUsage)) };
    },
  };
}

function report(text: string, model: string, onUsage: (model: string, usage: TokenUsage) => void): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return; // the caller reports the unreadable body; nothing to count
  }
  const m = (json as { model?: unknown }).model;
  onUsage(typeof m === 'string' && m ? m : model, usageOf(json) ?? { input: 0, output: 0 });
}

async function* tee(res: UpstreamResponse, done: (text: string) => void): AsyncIterable<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of res.body) {
    chunks.push(Buffer.from(c));
    yield c;
  }
  done(Buffer.concat(chunks).toString('utf8'));
}
