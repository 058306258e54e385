import { describe, expect, it } from 'vitest';
import { BlockComposer } from '../../../src/skills/budget.js';
import { SkillInjector } from '../../../src/skills/inject.js';
import { cacheFigures, loadAgentFixtures, replayCalls } from '../../helpers/agent-replay.js';
import { doc, freshLibrary } from '../skills/helpers.js';

/*
 * Requests recorded from the real agents (test/fixtures/agents, `npm run agents:record`): each
 * recording is one agent session with two user tasks, the first with a tool loop. What the proxy
 * makes of them must not depend on the agents' scaffolding.
 */
const fixtures = loadAgentFixtures();
const SCAFFOLDING = [
  '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>',
  '<system-reminder>',
  '<environment_context>',
  '<user_instructions>',
  'untrusted metadata',
  '# AGENTS.md instructions',
  'Runtime: ',
];

describe.skipIf(fixtures.length === 0)('recorded agent traffic', () => {
  it('covers OpenClaw in both modes, Claude Code and Codex', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual(
      expect.arrayContaining(['claude-code', 'codex', 'openclaw-anthropic', 'openclaw-openai']),
    );
  });

  for (const f of fixtures) {
    describe(`${f.name} (${f.agent} ${f.agentVersion})`, () => {
      const calls = replayCalls(f.requests, null);
      const main = calls.filter((c) => c.kind === 'main');

      it('is recognised as its agent, and "what the user asked" is the user’s words only', () => {
        expect(main.length).toBeGreaterThanOrEqual(3);
        for (const c of main) {
          expect(c.view.agent).toBe(f.agent);
          expect(c.view.request).not.toBe('');
          for (const s of SCAFFOLDING) expect(c.view.request).not.toContain(s);
        }
        // Two tasks: the requests retrieval sees are exactly two distinct texts, in order.
        const asked = [...new Set(main.map((c) => c.view.request))];
        expect(asked).toHaveLength(2);
        expect(main.some((c) => c.view.toolLoop)).toBe(true);
      });

      it('forms one session: from the agent’s own id, and by inference alone within each tool loop', () => {
        expect(new Set(main.map((c) => c.sessionId)).size).toBe(1);
        const inferred = replayCalls(
          f.requests.map((r) => ({ ...r, headers: withoutSessionHeaders(r.headers) })),
          null,
          { useAgentSessionIds: false },
        ).filter((c) => c.kind === 'main');
        for (const task of new Set(inferred.map((c) => c.view.request)))
          expect(new Set(inferred.filter((c) => c.view.request === task).map((c) => c.sessionId)).size).toBe(
            1,
          );
        // OpenClaw sends no session id (the plugin adds one): its whole session is inferred. Claude
        // Code's second process (`--resume`) may send another system prompt, which only its id bridges.
        if (f.agent === 'openclaw') expect(new Set(inferred.map((c) => c.sessionId)).size).toBe(1);
      });

      it('keeps the injected block byte-identical in the tool loop and the cached prefix across tasks', () => {
        const { lib } = freshLibrary();
        const [first, second] = [...new Set(main.map((c) => c.view.request))];
        lib.apply(
          [
            {
              op: 'put',
              doc: doc('first-task-skill', `How to handle: ${first!.slice(0, 80)}`, 'Answer first.'),
            },
            {
              op: 'put',
              doc: doc('second-task-skill', `How to handle: ${second!.slice(0, 80)}`, 'Be brief.'),
            },
          ],
          'manual',
        );
        const injector = new SkillInjector(
          lib,
          new BlockComposer({ count: (t) => Math.ceil(t.length / 4) }),
          null,
          {
            mode: 'lexical',
            topK: 6,
            maxFull: 3,
            budgetTokens: 2000,
            minScore: 0,
            minRelative: 0.45,
            minSimilarity: 0,
            requireHeadMatch: true,
            fullMinCoverage: 0.05,
            contextMessages: 2,
            placement: 'user',
          },
        );
        const replayed = replayCalls(f.requests, injector);
        const firstCalls = replayed.filter((c) => c.kind === 'main' && c.view.request === first);
        const firstId = lib.current().byName.get('first-task-skill')!.id;
        for (const c of firstCalls) expect(c.injectedRevisionIds).toContain(firstId);
        const figures = cacheFigures(replayed, f.requests);
        expect(figures.loopPairs).toBeGreaterThan(0);
        expect(figures.identicalInLoop).toBe(1);
        expect(figures.prefixKept).toBeGreaterThanOrEqual(0.95);
      });
    });
  }
});

function withoutSessionHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (!/^(x-session-id|x-claude-code-session-id|session[-_]id|conversation[-_]id)$/i.test(k)) out[k] = v;
  return out;
}
