import { describe, expect, it } from 'vitest';
import { CallBudget, localDay } from '../../../src/learning/call-budget.js';
import { Judge } from '../../../src/learning/judge/judge.js';
import { FORMAT_REMINDER } from '../../../src/learning/judge/prompt.js';
import type { ChatRequest, LlmClient } from '../../../src/learning/llm-client.js';
import type { TurnView } from '../../../src/learning/turn-view.js';
import { type Db, openStore } from '../../../src/store/db.js';
import { isUnhealthy, JudgeHealthRepository } from '../../../src/store/judge-health.js';

/** A judge client that answers from `reply(request, n)` and records every request. */
function fakeClient(reply: (req: ChatRequest, n: number) => string): LlmClient & { calls: ChatRequest[] } {
  const calls: ChatRequest[] = [];
  return {
    name: 'fake judge',
    calls,
    async complete(req) {
      calls.push(req);
      return reply(req, calls.length);
    },
  };
}

let turnNo = 0;
function view(): TurnView {
  turnNo++;
  return {
    turnId: `t${turnNo}`,
    sessionId: 's',
    system: '',
    context: [],
    task: `task ${turnNo}`,
    response: `response ${turnNo}`,
    libraryGeneration: 0,
  };
}

function judge(db: Db, client: LlmClient, budget = 0, votes = 3): Judge {
  return new Judge(client, db, new CallBudget(db, 'judge', budget), {
    votes,
    temperature: 0.6,
    maxTokens: 256,
    maxConcurrency: 4,
    model: 'judge-m',
  });
}

const today = () => localDay(new Date());
const signal = new AbortController().signal;
const judgeCalls = (db: Db) =>
  (db.prepare(`SELECT calls FROM llm_calls WHERE purpose = 'judge'`).get() as { calls: number }).calls;

describe('judge votes without a Score line', () => {
  it('asks again once with a format reminder; a valid second reply counts as a valid vote', async () => {
    const db = openStore(':memory:');
    const client = fakeClient((req) =>
      req.user.includes(FORMAT_REMINDER) ? 'It worked.\nScore: 1' : 'It worked, I think.',
    );
    const r = await judge(db, client).score(view(), null, signal);
    expect(r.votes).toEqual([1, 1, 1]);
    expect(r.score).toBe(1);
    expect(client.calls).toHaveLength(6);
    const retries = client.calls.filter((c) => c.user.includes(FORMAT_REMINDER));
    expect(retries).toHaveLength(3);
    // The retry quotes the unparsable reply after the original question, with the same model.
    expect(retries[0]!.user).toContain('## Request\ntask');
    expect(retries[0]!.user).toContain('## Your previous reply\nIt worked, I think.');
    expect(retries[0]!.model).toBe('judge-m');
    // Retries are calls like any other: the daily budget counts them.
    expect(judgeCalls(db)).toBe(6);
    expect(new JudgeHealthRepository(db).forDay(today())).toMatchObject([
      { model: 'judge-m', votes: 3, invalid: 0, retried: 3, unhealthy: false },
    ]);
  });

  it('a reply still unparsable after the reminder is an invalid vote (0 in the majority) and is counted', async () => {
    const db = openStore(':memory:');
    const client = fakeClient(() => 'I would rather not say.');
    const r = await judge(db, client).score(view(), null, signal);
    expect(r.votes).toEqual([null, null, null]);
    expect(r.score).toBe(0);
    expect(client.calls).toHaveLength(6); // one retry per vote, never more
    const [row] = new JudgeHealthRepository(db).forDay(today());
    expect(row).toMatchObject({ votes: 3, invalid: 3, retried: 3, lastInvalid: 'I would rather not say.' });
    expect(row!.unhealthy).toBe(false); // 3 votes: too few to alarm
  });

  it('does not retry beyond the daily budget: the vote stays invalid without a reminder call', async () => {
    const db = openStore(':memory:');
    const client = fakeClient(() => 'no verdict');
    const r = await judge(db, client, 4).score(view(), null, signal); // 3 votes + 1 retry fit
    expect(r.votes).toEqual([null, null, null]);
    expect(client.calls).toHaveLength(4);
    expect(judgeCalls(db)).toBe(4);
    expect(new JudgeHealthRepository(db).forDay(today())[0]).toMatchObject({ invalid: 3, retried: 1 });
  });

  it('a vote whose call failed (outage) is not a vote: only answered votes are counted', async () => {
    const db = openStore(':memory:');
    const client = fakeClient((_req, n) => {
      if (n === 1) throw new Error('connection reset');
      return 'fine\nScore: 1';
    });
    const r = await judge(db, client).score(view(), null, signal);
    expect(r.votes.filter((v) => v === null)).toHaveLength(1);
    expect(new JudgeHealthRepository(db).forDay(today())[0]).toMatchObject({
      votes: 2,
      invalid: 0,
      retried: 0,
    });
  });

  it('alerts once per day and model when more than a third of at least 6 votes were invalid', async () => {
    const db = openStore(':memory:');
    let valid = true;
    const j = judge(
      db,
      fakeClient(() => (valid ? 'ok\nScore: 1' : 'hmm')),
    );
    await j.score(view(), null, signal); // 3 valid
    await j.score(view(), null, signal); // 6 valid
    valid = false;
    await j.score(view(), null, signal); // 3 of 9 invalid: exactly a third
    expect(j.takeHealthAlerts()).toEqual([]);
    await j.score(view(), null, signal); // 6 of 12 invalid
    const alerts = j.takeHealthAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ model: 'judge-m', votes: 12, invalid: 6, unhealthy: true });
    await j.score(view(), null, signal);
    expect(j.takeHealthAlerts()).toEqual([]); // already reported today
    // Another day has its own figures (none yet).
    expect(j.takeHealthAlerts(new Date(Date.now() + 24 * 3600_000))).toEqual([]);
  });

  it('a few invalid votes alone do not alert', async () => {
    const db = openStore(':memory:');
    const j = judge(
      db,
      fakeClient(() => 'no format at all'),
      0,
      5,
    );
    await j.score(view(), null, signal); // 5 of 5 invalid, but under 6 votes
    expect(new JudgeHealthRepository(db).report(today()).warnings).toEqual([]);
    expect(j.takeHealthAlerts()).toEqual([]);
  });
});

describe('JudgeHealthRepository', () => {
  it('the threshold: more than a third invalid, and at least 6 votes', () => {
    expect(isUnhealthy(6, 2)).toBe(false); // exactly a third
    expect(isUnhealthy(6, 3)).toBe(true);
    expect(isUnhealthy(5, 5)).toBe(false); // too few votes
    expect(isUnhealthy(30, 10)).toBe(false);
    expect(isUnhealthy(30, 11)).toBe(true);
  });

  it('accumulates per day and model, reports warnings naming the model, claims each alert once', () => {
    const db = openStore(':memory:');
    const h = new JudgeHealthRepository(db);
    h.record('2025-01-01', 'bad-model', { votes: 3, invalid: 2, retried: 3, lastInvalid: 'x' });
    h.record('2025-01-01', 'bad-model', { votes: 3, invalid: 1, retried: 1 });
    h.record('2025-01-01', 'good-model', { votes: 9, invalid: 3, retried: 4 });
    h.record('2025-01-02', 'bad-model', { votes: 1, invalid: 1, retried: 1 });
    const report = h.report('2025-01-01');
    expect(report.models).toEqual([
      { model: 'bad-model', votes: 6, invalid: 3, retried: 4, invalid_share: 0.5, unhealthy: true },
      { model: 'good-model', votes: 9, invalid: 3, retried: 4, invalid_share: 0.333, unhealthy: false },
    ]);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/^judge model bad-model: 3 of 6 votes on 2025-01-01 had no parsable/);
    expect(h.forDay('2025-01-01')[0]!.lastInvalid).toBe('x'); // kept when a later batch had none
    expect(h.claimAlerts('2025-01-01', 1).map((r) => r.model)).toEqual(['bad-model']);
    expect(h.claimAlerts('2025-01-01', 2)).toEqual([]);
    expect(h.report('2025-01-02').warnings).toEqual([]);
  });
});
