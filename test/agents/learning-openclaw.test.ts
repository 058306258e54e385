import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentDriver, learnFromCorrection, PROXY_KEY, type Rig, startRig } from './learning-support.js';
import { answerOf, OPENCLAW_MODEL, type OpenClawApi } from './scenario.js';
import { agents, BIN, runAgent } from './support.js';

/*
 * OpenClaw learns from a correction (see learning-support.ts for the story and the shared
 * assertions): the real OpenClaw CLI (run with the cached Node 24), wired by
 * `metaclaw integrate openclaw --plugin` (the `metaclaw` provider, and the MetaClaw plugin installed
 * by `openclaw plugins install`, as integrate does when `openclaw` is on PATH), talks to a real
 * `metaclaw start` service in front of the fake LLM. Session 1 is two `openclaw agent --local
 * --session-id S1 -m …` runs (the question, then the correction); session 2 is one run with a new
 * session id. The plugin tags every call with X-Session-Id (OpenClaw's session id) and X-Turn-Type.
 *
 * When learning starts: `openclaw agent --local` gives MetaClaw no end of session — the plugin ends
 * sessions on /new, /reset and OpenClaw's session_end, none of which a one-shot `agent --local` run
 * fires (agent_end, the end of one task, deliberately ends nothing; `-m /new` is sent to the model as
 * text) — and each run spends 20–60 s starting up before its model call, so an idle timeout shorter
 * than the user's pause between the two messages would end the session before the correction. So
 * these tests run with `evolution.min_failures: 1`, a setting a user may choose: the failed turn is
 * judged as soon as the correction arrives (its next state), and that failure starts the evolution.
 * Session 1 stays open (it would end by the idle timeout, 10 min here).
 *
 * OpenClaw's memory plugin is off (`plugins.slots.memory: "none"`): it is not what is tested, it costs
 * seconds per run, and session 2 must not learn about Celsius from OpenClaw's own memory (the shared
 * assertions check that the agent's own request carries no rule).
 */

const run = promisify(execFile);
const SESSIONS = ['5d0c7a52-3f1e-4b8a-9c64-2e7f1a9b3d10', '9b1f0e8c-6a2d-4c3e-8f57-1d4a7c2e9b60'];
const rigs: Rig[] = [];

afterAll(async () => {
  for (const r of rigs) await r.close();
});

const MODES: {
  api: OpenClawApi;
  upstream: 'anthropic' | 'openai';
  path: string;
  protocol: 'anthropic-messages' | 'openai-chat';
}[] = [
  { api: 'anthropic-messages', upstream: 'anthropic', path: '/v1/messages', protocol: 'anthropic-messages' },
  { api: 'openai-completions', upstream: 'openai', path: '/v1/chat/completions', protocol: 'openai-chat' },
];

describe('OpenClaw learns from a correction through MetaClaw', () => {
  for (const mode of MODES) {
    it(`${mode.api}: a °F answer corrected by the user becomes a skill that the next session gets by retrieval`, async () => {
      const started = Date.now();
      const rig = await startRig({
        prefix: `metaclaw-learn-openclaw-${mode.upstream}-`,
        upstream: mode.upstream,
        idleTimeoutS: 600,
        settings: [['evolution.min_failures', 1]],
      });
      rigs.push(rig);
      const set = agents();
      // `openclaw` on PATH, as a user has it: integrate --plugin then installs the plugin itself.
      const bin = path.join(rig.home, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'openclaw'), `#!/bin/sh\nexec "${set.node}" "${set.openclaw}" "$@"\n`, {
        mode: 0o755,
      });
      const env = {
        PATH: `${bin}${path.delimiter}${path.dirname(set.node)}${path.delimiter}${process.env.PATH ?? ''}`,
        HOME: rig.home,
        OPENCLAW_NO_AUTO_UPDATE: '1',
        // Everything OpenClaw sends goes through the tap, which only lets the proxy through.
        HTTP_PROXY: rig.tap.url,
        HTTPS_PROXY: rig.tap.url,
        ALL_PROXY: rig.tap.url,
        http_proxy: rig.tap.url,
        https_proxy: rig.tap.url,
      };
      const model = OPENCLAW_MODEL[mode.api];
      const wired = await run(
        process.execPath,
        [
          BIN,
          'integrate',
          'openclaw',
          '--plugin',
          '--openclaw-api',
          mode.api,
          '--model',
          model,
          '--no-restart',
        ],
        { env: { ...env, METACLAW_HOME: path.join(rig.home, '.metaclaw') }, timeout: 100_000 },
      );
      const file = path.join(rig.home, '.openclaw', 'openclaw.json');
      const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(cfg.models.providers.metaclaw, wired.stdout + wired.stderr).toMatchObject({
        apiKey: PROXY_KEY,
        api: mode.api,
      });
      expect(cfg.plugins.entries.metaclaw.enabled, wired.stdout + wired.stderr).toBe(true);
      expect(fs.existsSync(path.join(rig.home, '.openclaw', 'extensions', 'metaclaw'))).toBe(true);
      // Offline and lean: no update check, no model catalog refresh, no memory plugin.
      cfg.update = { ...cfg.update, checkOnStart: false };
      cfg.models = { ...cfg.models, catalogRefresh: { enabled: false } };
      cfg.plugins = { ...cfg.plugins, slots: { ...cfg.plugins.slots, memory: 'none' } };
      fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
      const setupMs = Date.now() - started;
      const workspace = path.join(rig.home, '.openclaw', 'workspace');
      fs.mkdirSync(workspace, { recursive: true });

      const used: string[] = [];
      const openclaw = (message: string) =>
        runAgent(
          set.node,
          [set.openclaw, 'agent', '--local', '--session-id', used.at(-1)!, '-m', message, '--json'],
          { cwd: workspace, timeoutMs: 150_000, env },
        );
      const driver: AgentDriver = {
        protocol: mode.protocol,
        conversationKey: 'messages',
        llmCall: `POST ${mode.path}`,
        newSession(message) {
          used.push(SESSIONS[used.length]!);
          return openclaw(message);
        },
        continueSession: openclaw,
        answerOf: (r) => answerOf('openclaw', r),
        trigger: 'min-failures',
      };
      const result = await learnFromCorrection(rig, driver);
      // The plugin's X-Session-Id: OpenClaw's session ids are MetaClaw's, every call a main turn.
      expect(result.sessionIds).toEqual(SESSIONS);
      for (const q of rig.tap.requests) {
        expect(q.headers['x-session-id']).toBe(
          q.body.includes('weather in Oslo') ? SESSIONS[1] : SESSIONS[0],
        );
        expect(q.headers['x-turn-type']).toBe('main');
      }
      console.log(
        `[learning-openclaw ${mode.api}] runs ${Object.values(result.runs)
          .map((r) => `${r.ms} ms`)
          .join(
            ', ',
          )}; evolution done ${result.evolveMs} ms after the correction run; setup ${setupMs} ms; test ${Date.now() - started} ms`,
      );
    }, 300_000);
  }
});
