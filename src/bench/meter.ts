import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Usage {
  input: number;
  output: number;
  calls: number;
}

/** Input/output tokens named in one JSON value (OpenAI chat/responses or Anthropic shapes). */
function usageOf(v: unknown, acc: { input: number; output: number }): void {
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  const u = o.usage as Record<string, unknown> | undefined;
  if (u && typeof u === 'object') {
    const n = (k: string) => (typeof u[k] === 'number' ? (u[k] as number) : 0);
    acc.input += n('prompt_tokens') + n('input_tokens');
    acc.output += n('completion_tokens') + n('output_tokens');
  }
  // Anthropic streams put the input count inside message_start's message; Responses in response.
  for (const k of ['message', 'response']) if (o[k] && typeof o[k] === 'object') usageOf(o[k], acc);
}

/**
 * Tokens of a response body, plain JSON or a server-sent event stream. Stream usage figures are
 * running totals (Anthropic's message_delta repeats the output count so far), so the largest wins.
 */
export function bodyUsage(text: string): { input: number; output: number } {
  const parse = (s: string) => {
    const acc = { input: 0, output: 0 };
    try {
      usageOf(JSON.parse(s), acc);
    } catch {}
    return acc;
  };
  if (text.trimStart().startsWith('{')) return parse(text);
  const total = { input: 0, output: 0 };
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const u = parse(line.slice(5).trim());
    total.input = Math.max(total.input, u.input);
    total.output = Math.max(total.output, u.output);
  }
  return total;
}

const CAPTURE_LIMIT = 8 * 1024 * 1024;

/**
 * A loopback relay in front of one upstream that counts the tokens of every answer passing
 * through. A learning condition's MetaClaw talks to the upstream through it, so the run can tell
 * MetaClaw's own (learning) tokens from the agent's: upstream total minus what the agent was told.
 */
export class UsageMeter {
  readonly usage: Usage = { input: 0, output: 0, calls: 0 };
  private server: http.Server | null = null;
  private readonly target: URL;

  constructor(targetBase: string) {
    this.target = new URL(targetBase);
  }

  /** Starts the relay; returns the base URL to use instead of the target's. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.relay(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.target.pathname.replace(/\/+$/, '')}`;
  }

  private async relay(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
    let up: Response;
    try {
      up = await fetch(new URL(req.url ?? '/', this.target.origin), {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      });
    } catch (err) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `bench meter: upstream unreachable: ${(err as Error).message}` },
        }),
      );
      return;
    }
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(up.status, out);
    const seen: Buffer[] = [];
    let size = 0;
    if (up.body) {
      for await (const c of up.body as unknown as AsyncIterable<Uint8Array>) {
        const b = Buffer.from(c);
        if (size < CAPTURE_LIMIT) seen.push(b);
        size += b.length;
        res.write(b);
      }
    }
    res.end();
    if (up.ok && req.method === 'POST') {
      const u = bodyUsage(Buffer.concat(seen).toString('utf8'));
      this.usage.input += u.input;
      this.usage.output += u.output;
      this.usage.calls++;
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
