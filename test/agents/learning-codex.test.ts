import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentDriver, learnFromCorrection, PROXY_KEY, type Rig, startRig } from './learning-support.js';
import { type AgentRun, agents, metaclawOk, runAgent } from './support.js';

/*
 * Codex learns from a correction (see learning-support.ts for the story and the shared assertions):
 * the real Codex CLI, wired by `metaclaw integrate codex` (model provider and SessionStart / SessionEnd
 * hooks), talks to a real `metaclaw start` service in front of the fake LLM. Session 1 is
 * `codex exec <question>` then `codex exec resume <thread_id> <correction>` (0.169's syntax; `--last`
 * would pick the same thread); session 2 is a fresh `codex exec`.
 *
 * How session 1 ends: Codex has no end signal MetaClaw gets here — `codex exec` skips hooks nobody has
 * trusted yet (trust is given interactively), and `notify` marks the end of a task, not of a session —
 * so the session ends by MetaClaw's idle timeout, set short here as a user's config could.
 *
 * Two upstream modes: `native` passes /v1/responses through to a Responses upstream; `translate`
 * serves it from a Chat Completions upstream (Ollama, vLLM, OpenRouter …), replay included.
 */

const IDLE_S = 5;
const MODEL = 'gpt-5.5';
const rigs: Rig[] = [];

afterAll(async () => {
  for (const r of rigs) await r.close();
});

function codexDriver(rig: Rig, key: string, threads: string[]): AgentDriver {
  const work = path.join(rig.home, 'project');
  fs.mkdirSync(work, { recursive: true });
  const env = {
    PATH: process.env.PATH,
    HOME: rig.home,
    METACLAW_API_KEY: key,
    HTTP_PROXY: rig.tap.url,
    HTTPS_PROXY: rig.tap.url,
    ALL_PROXY: rig.tap.url,
    http_proxy: rig.tap.url,
    https_proxy: rig.tap.url,
  };
  // Documented config keys: no update check, no analytics, no feedback uploads.
  const config = [
    '-c',
    'check_for_update_on_startup=false',
    '-c',
    'analytics.enabled=false',
    '-c',
    'feedback.enabled=false',
  ];
  const codex = async (args: string[]): Promise<AgentRun> => {
    const r = await runAgent(agents().codex, args, { cwd: work, timeoutMs: 60_000, env });
    const thread = /"thread_id"\s*:\s*"([^"]+)"/.exec(r.stdout)?.[1];
    if (thread && !threads.includes(thread)) threads.push(thread);
    return r;
  };
  return {
    protocol: 'openai-responses',
    conversationKey: 'input',
    llmCall: 'POST /v1/responses',
    newSession: (message) => codex(['exec', '--skip-git-repo-check', '--json', ...config, message]),
    continueSession: (message) =>
      codex([
        'exec',
        'resume',
        '--skip-git-repo-check',
        '--json',
        ...config,
        threads.at(-1) ?? '--last',
        message,
      ]),
    answerOf(r) {
      // --json: JSON lines; the agent's message items.
      const texts: string[] = [];
      for (const line of r.stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const ev = JSON.parse(line) as { type?: string; item?: { type?: string; text?: string } };
        if (ev.type === 'item.completed' && ev.item?.type === 'agent_message') texts.push(ev.item.text ?? '');
      }
      return texts.join('\n');
    },
    // Codex's update, plugin and ChatGPT hosts: refused by the tap, never reached.
    refusedOk: (r) => /^CONNECT (github\.com|api\.github\.com|chatgpt\.com):443$/.test(r),
  };
}

describe('Codex learns from a correction through MetaClaw', () => {
  for (const mode of ['native', 'translate'] as const) {
    it(`${mode}: a °F answer corrected by the user becomes a skill that the next session gets by retrieval`, async () => {
      const started = Date.now();
      const rig = await startRig({
        prefix: `metaclaw-learn-codex-${mode}-`,
        upstream: 'openai',
        idleTimeoutS: IDLE_S,
        settings: [['upstream.responses_api', mode]],
      });
      rigs.push(rig);
      const wired = await metaclawOk(rig.home, ['integrate', 'codex', '--model', MODEL]);
      const key = /export METACLAW_API_KEY=(\S+)/.exec(wired)?.[1];
      expect(key).toBe(PROXY_KEY);
      const toml = fs.readFileSync(path.join(rig.home, '.codex', 'config.toml'), 'utf8');
      expect(toml).toContain(`base_url = "${rig.proxyUrl}/v1"`);
      expect(toml).toContain('[[hooks.SessionEnd]]');

      const threads: string[] = [];
      const result = await learnFromCorrection(rig, codexDriver(rig, key!, threads));
      // Codex's thread ids are MetaClaw's session ids (its session_id header); untrusted hooks never ran.
      expect(result.sessionIds).toEqual(threads);
      expect(result.endReason).toBe('idle');
      if (mode === 'translate')
        expect(rig.fake.requests.filter((r) => r.path === '/v1/responses')).toEqual([]);
      console.log(
        `[learning-codex ${mode}] runs ${Object.values(result.runs)
          .map((r) => `${r.ms} ms`)
          .join(
            ', ',
          )}; session 1 ended (${result.endReason}) ${result.endAfterMs} ms after the correction; ` +
          `applied ${result.evolveMs} ms later; test ${Date.now() - started} ms`,
      );
    }, 120_000);
  }
});
