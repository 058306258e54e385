import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentDriver, learnFromCorrection, PROXY_KEY, type Rig, startRig } from './learning-support.js';
import { type AgentRun, agents, metaclawOk, runAgent } from './support.js';

/*
 * Claude Code learns from a correction (see learning-support.ts for the story and the shared
 * assertions): the real `claude` CLI, wired by `metaclaw integrate claude-code` (settings env and the
 * SessionStart / SessionEnd hooks), talks to a real `metaclaw start` service in front of the fake LLM.
 * Session 1 is `claude -p <question>` then `claude -p <correction> --resume <session_id>`; session 2 is
 * a fresh `claude -p`.
 *
 * How session 1 ends: `claude -p` exits before its SessionEnd hook can run (2.1.197; README), so the
 * session ends by MetaClaw's idle timeout, set short here as a user's config could. The SessionStart
 * hook of the resumed run declares the session open again as it starts, so the idle clock counts from
 * there, not from the first run's answer.
 */

const IDLE_S = 5;
const rigs: Rig[] = [];

afterAll(async () => {
  for (const r of rigs) await r.close();
});

describe('Claude Code learns from a correction through MetaClaw', () => {
  it('a °F answer corrected by the user becomes a skill that the next session gets by retrieval', async () => {
    const started = Date.now();
    const rig = await startRig({
      prefix: 'metaclaw-learn-claude-',
      upstream: 'anthropic',
      idleTimeoutS: IDLE_S,
    });
    rigs.push(rig);
    await metaclawOk(rig.home, ['integrate', 'claude-code']);
    const settings = JSON.parse(fs.readFileSync(path.join(rig.home, '.claude', 'settings.json'), 'utf8')) as {
      env: Record<string, string>;
      hooks: Record<string, unknown>;
    };
    expect(settings.env).toEqual({ ANTHROPIC_BASE_URL: rig.proxyUrl, ANTHROPIC_AUTH_TOKEN: PROXY_KEY });
    expect(Object.keys(settings.hooks).sort()).toEqual(['SessionEnd', 'SessionStart']);

    const work = fs.mkdtempSync(path.join(rig.home, 'work-'));
    const env = {
      PATH: process.env.PATH,
      HOME: rig.home,
      // Documented switches: no telemetry, error reports, auto-update or other nonessential calls.
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      HTTP_PROXY: rig.tap.url,
      HTTPS_PROXY: rig.tap.url,
      http_proxy: rig.tap.url,
      https_proxy: rig.tap.url,
    };
    let sessionId: string | undefined;
    const claudeIds: string[] = [];
    const claude = async (args: string[]): Promise<AgentRun> => {
      const r = await runAgent(agents().claude, ['-p', ...args, '--output-format', 'json'], {
        cwd: work,
        timeoutMs: 60_000,
        env,
      });
      return r;
    };
    const answerOf = (r: AgentRun) => {
      try {
        return (JSON.parse(r.stdout) as { result: string }).result;
      } catch {
        return '';
      }
    };
    const driver: AgentDriver = {
      protocol: 'anthropic-messages',
      conversationKey: 'messages',
      llmCall: 'POST /v1/messages?beta=true',
      async newSession(message) {
        const r = await claude([message]);
        sessionId = (JSON.parse(r.stdout || '{}') as { session_id?: string }).session_id;
        if (sessionId) claudeIds.push(sessionId);
        return r;
      },
      async continueSession(message) {
        return claude([message, '--resume', sessionId ?? '']);
      },
      answerOf,
      // Some versions probe the base URL with HEAD / first.
      otherOk: (method, pathname) => method === 'HEAD' && pathname === '/',
    };

    const result = await learnFromCorrection(rig, driver);
    // Claude Code's own session ids are MetaClaw's. Whether -p's SessionEnd hook gets to run
    // before the process exits is a race in Claude Code: the session ends by it or by idleness.
    expect(result.sessionIds).toEqual(claudeIds);
    expect(['idle', 'explicit']).toContain(result.endReason);
    console.log(
      `[learning-claude-code] runs ${Object.values(result.runs)
        .map((r) => `${r.ms} ms`)
        .join(', ')}; session 1 ended (${result.endReason}) ${result.endAfterMs} ms after the correction; ` +
        `applied ${result.evolveMs} ms later; test ${Date.now() - started} ms`,
    );
  }, 120_000);
});
