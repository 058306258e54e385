import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { proxyUrlFor } from '../integrations/registry.js';
import type { GlobalOptions } from './context.js';

/**
 * `metaclaw hook AGENT`: the command Claude Code's and Codex's SessionStart / SessionEnd hooks run
 * (wired by `metaclaw integrate`). It reads the hook's JSON on stdin and tells the proxy:
 * SessionStart → `POST /v1/admin/sessions/<session_id>/start {client}`, SessionEnd →
 * `POST /v1/admin/sessions/<session_id>/end`. It must never get in the agent's way: it prints
 * nothing on stdout (a SessionStart hook's stdout becomes model context), gives up after
 * HOOK_TIMEOUT_MS, reports problems on stderr only, and always exits 0.
 */

export const HOOK_TIMEOUT_MS = 2000;
const MAX_INPUT_BYTES = 1024 * 1024;

export interface HookInput {
  hook_event_name?: unknown;
  session_id?: unknown;
}

export type HookAction = { kind: 'start' | 'end'; sessionId: string } | { kind: 'ignore'; why: string };

/** What a hook event asks of the proxy. */
export function hookAction(input: HookInput): HookAction {
  const event = input.hook_event_name;
  const id = typeof input.session_id === 'string' ? input.session_id.trim() : '';
  if (event !== 'SessionStart' && event !== 'SessionEnd')
    return { kind: 'ignore', why: `event ${String(event)} is not SessionStart or SessionEnd` };
  if (!id || id.length > 256) return { kind: 'ignore', why: 'no session_id in the hook input' };
  return { kind: event === 'SessionStart' ? 'start' : 'end', sessionId: id };
}

/** Tell the proxy; returns a problem to report, or null. */
export async function sendHook(
  config: Config,
  agent: string,
  input: HookInput,
  doFetch: typeof fetch = fetch,
  timeoutMs = HOOK_TIMEOUT_MS,
): Promise<string | null> {
  const action = hookAction(input);
  if (action.kind === 'ignore') return null;
  const base = proxyUrlFor(config);
  const url = `${base}/v1/admin/sessions/${encodeURIComponent(action.sessionId)}/${action.kind}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.proxy.api_key) headers.authorization = `Bearer ${config.proxy.api_key}`;
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers,
      body: action.kind === 'start' ? JSON.stringify({ client: agent }) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    // 404 on end: the session never reached the proxy (e.g. the agent quit before its first call).
    if (res.ok || (action.kind === 'end' && res.status === 404)) return null;
    return `the MetaClaw proxy answered HTTP ${res.status} to ${action.kind} session ${action.sessionId}`;
  } catch (err) {
    return `cannot reach the MetaClaw proxy at ${base}: ${(err as Error).message}`;
  }
}

async function readStdin(timeoutMs: number): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.stdin.removeAllListeners();
      process.stdin.pause();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_INPUT_BYTES) chunks.push(c);
    });
    process.stdin.on('end', done);
    process.stdin.on('error', done);
  });
}

export function registerHook(program: Command): void {
  program
    .command('hook <agent>')
    .description(
      'for agent hooks (SessionStart/SessionEnd JSON on stdin): tell the proxy a session started or ended; never fails',
    )
    .action(async (agent: string, _opts: unknown, cmd: Command) => {
      const say = (m: string) => process.stderr.write(`metaclaw hook: ${m}\n`);
      try {
        const raw = await readStdin(HOOK_TIMEOUT_MS);
        let input: HookInput;
        try {
          input = JSON.parse(raw) as HookInput;
        } catch {
          say('the hook input on stdin is not JSON');
          return;
        }
        const { config } = loadConfig({ configFile: (cmd.optsWithGlobals() as GlobalOptions).config });
        const problem = await sendHook(config, agent, input ?? {});
        if (problem) say(problem);
      } catch (err) {
        say((err as Error).message);
      } finally {
        process.exitCode = 0;
      }
    });
}
