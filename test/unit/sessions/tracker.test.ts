import { describe, expect, it } from 'vitest';
import { buildView } from '../../../src/protocol/view.js';
import { chainedPrefixHashes } from '../../../src/sessions/prefix-hash.js';
import type { SessionAssignment } from '../../../src/sessions/tracker.js';
import { MAX_OPEN_SESSIONS, SessionTracker } from '../../../src/sessions/tracker.js';
import { openStore } from '../../../src/store/db.js';
import { SessionRepository } from '../../../src/store/sessions.js';
import { TurnRepository } from '../../../src/store/turns.js';

function setup(idleMs = 60_000) {
  const db = openStore(':memory:');
  const repo = new SessionRepository(db);
  const turns = new TurnRepository(db);
  /** What the recorder does once the turn is served: commit it with the session's writes. */
  const record = (a: SessionAssignment, at = 0) =>
    turns.insert(
      {
        id: `${a.sessionId}-${a.seq}`,
        sessionId: a.sessionId,
        seq: a.seq,
        kind: 'main',
        protocol: 'openai-chat',
        upstreamProtocol: 'openai-chat',
        model: 'm',
        stream: false,
        requestJson: '{}',
        upstreamRequestJson: null,
        responseJson: null,
        status: 'ok',
        httpStatus: 200,
        error: null,
        startedAt: at,
        latencyMs: 1,
        ttftMs: null,
        usageJson: null,
        libraryGeneration: 0,
        injectedRevisionIds: [],
        policyVersion: null,
      },
      a.persist,
    );
  return { db, repo, record, tracker: new SessionTracker(repo, db, idleMs) };
}

const hashes = (messages: unknown[]) => chainedPrefixHashes(buildView('openai-chat', { messages }).stable);
/** A new conversation of one message, at time `i` (a one-shot client's call). */
const oneShot = (tracker: SessionTracker, i: number) =>
  tracker.resolve({
    client: 'x',
    kind: 'main',
    prefixHashes: hashes([{ role: 'user', content: `one-shot ${i}` }]),
    now: i,
  });

describe('SessionTracker', () => {
  it('continues a session when the conversation extends the last main request, even across clients of one agent', () => {
    const { tracker } = setup();
    const m1 = [{ role: 'user', content: 'a' }];
    const m2 = [...m1, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }];
    const m3 = [...m2, { role: 'assistant', content: 'd' }, { role: 'user', content: 'e' }];
    const s1 = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m1), now: 1 });
    const s2 = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m2), now: 2 });
    const s3 = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m3), now: 3 });
    expect(s1.persist.create).toMatchObject({ source: 'inferred' });
    expect(s2.sessionId).toBe(s1.sessionId);
    expect(s3.sessionId).toBe(s1.sessionId);
    expect([s1.seq, s2.seq, s3.seq]).toEqual([1, 2, 3]);
  });

  it('starts a new session for a request that does not extend any open one (including an identical repeat)', () => {
    const { tracker } = setup();
    const m1 = [{ role: 'user', content: 'a' }];
    const s1 = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m1), now: 1 });
    const s2 = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m1), now: 2 });
    const s3 = tracker.resolve({
      client: 'x',
      kind: 'main',
      prefixHashes: hashes([{ role: 'user', content: 'z' }]),
      now: 3,
    });
    expect(new Set([s1.sessionId, s2.sessionId, s3.sessionId]).size).toBe(3);
  });

  it('attaches an unmatched side call to the client’s most recent open session', () => {
    const { tracker } = setup();
    const main = tracker.resolve({
      client: 'agent',
      kind: 'main',
      prefixHashes: hashes([{ role: 'user', content: 'a' }]),
      now: 1,
    });
    const side = tracker.resolve({
      client: 'agent',
      kind: 'side',
      prefixHashes: hashes([{ role: 'user', content: 'title?' }]),
      now: 2,
    });
    expect(side.sessionId).toBe(main.sessionId);
  });

  it('ends idle sessions once and tells listeners', () => {
    const { tracker, repo, record } = setup(1000);
    const ended: string[] = [];
    tracker.onEnded((id, reason) => ended.push(`${id}:${reason}`));
    const s = tracker.resolve({
      client: null,
      kind: 'main',
      prefixHashes: hashes([{ role: 'user', content: 'a' }]),
      now: 1000,
    });
    record(s, 1000);
    expect(tracker.sweepIdle(1500)).toEqual([]);
    expect(tracker.sweepIdle(2000)).toEqual([s.sessionId]);
    expect(tracker.sweepIdle(5000)).toEqual([]);
    expect(ended).toEqual([`${s.sessionId}:idle`]);
    expect(repo.get(s.sessionId)!.endReason).toBe('idle');
  });

  it('restores open sessions and their prefixes after a restart', () => {
    const { db, repo, tracker, record } = setup();
    const m1 = [{ role: 'user', content: 'a' }];
    const s1 = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m1), now: 1 });
    record(s1, 1);
    const restarted = new SessionTracker(repo, db, 60_000);
    const s2 = restarted.resolve({
      client: 'x',
      kind: 'main',
      prefixHashes: hashes([...m1, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }]),
      now: 2,
    });
    expect(s2.sessionId).toBe(s1.sessionId);
  });

  it('caps open sessions in memory: past the cap the least recently active tenth ends as idle', () => {
    const { tracker, record, repo } = setup();
    const first = tracker.resolve({
      client: 'x',
      kind: 'main',
      prefixHashes: hashes([{ role: 'user', content: 'first' }]),
      now: 0,
    });
    record(first, 0);
    for (let i = 1; i <= MAX_OPEN_SESSIONS; i++) oneShot(tracker, i);
    expect(tracker.openCount).toBe(MAX_OPEN_SESSIONS + 1 - MAX_OPEN_SESSIONS / 10);
    expect(repo.get(first.sessionId)!.endReason).toBe('idle');
  });

  it('evicts and sweeps by last activity, not by age: an old session still in use survives', () => {
    const { tracker, record } = setup();
    let convo = [{ role: 'user', content: 'kept busy' }];
    const kept = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(convo), now: 0 });
    record(kept, 0);
    const more = (n: number) => {
      convo = [...convo, { role: 'assistant', content: `ok ${n}` }, { role: 'user', content: `more ${n}` }];
      return tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(convo), now: n });
    };
    for (let i = 1; i <= MAX_OPEN_SESSIONS; i++) {
      oneShot(tracker, i);
      if (i === MAX_OPEN_SESSIONS / 2) expect(more(i).sessionId).toBe(kept.sessionId);
    }
    // Over the cap at the last one-shot: the tenth ended were one-shots 1…1000, not the oldest session.
    expect(tracker.openCount).toBe(MAX_OPEN_SESSIONS + 1 - MAX_OPEN_SESSIONS / 10);
    expect(more(MAX_OPEN_SESSIONS + 1).sessionId).toBe(kept.sessionId);
    // 60 s after one-shot 5000: everything older has idled out; the busy session has not.
    tracker.sweepIdle(MAX_OPEN_SESSIONS / 2 + 60_000);
    expect(tracker.openCount).toBe(MAX_OPEN_SESSIONS / 2 + 1);
    expect(more(MAX_OPEN_SESSIONS / 2 + 60_001).sessionId).toBe(kept.sessionId);
  });

  it('ending an older session with the same conversation keeps the newer one continuable', () => {
    const { tracker, record } = setup();
    const m1 = [{ role: 'user', content: 'same start' }];
    const m2 = [...m1, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }];
    const older = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m1), now: 1 });
    const newer = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m1), now: 2 });
    record(older, 1);
    record(newer, 2);
    expect(newer.sessionId).not.toBe(older.sessionId);
    expect(tracker.end(older.sessionId, 'explicit', 3)).toBe(true);
    const next = tracker.resolve({ client: 'x', kind: 'main', prefixHashes: hashes(m2), now: 4 });
    expect(next.sessionId).toBe(newer.sessionId);
  });

  it('ends many sessions in one transaction and tells listeners after the commit', () => {
    const { tracker, record, repo, db } = setup();
    const ids = [1, 2, 3].map((i) => {
      const a = tracker.resolve({
        client: 'x',
        kind: 'main',
        prefixHashes: hashes([{ role: 'user', content: `q${i}` }]),
        now: i,
      });
      record(a, i);
      return a.sessionId;
    });
    const seen: string[] = [];
    tracker.onEnded((id) => {
      expect(db.inTransaction).toBe(false);
      expect(repo.get(id)!.endReason).toBe('idle');
      seen.push(id);
    });
    expect(tracker.endMany([...ids, 'never-opened'], 'idle', 10)).toEqual(ids);
    expect(seen).toEqual(ids);
    expect(tracker.openCount).toBe(0);
    expect(tracker.endMany(ids, 'idle', 11)).toEqual([]);
  });
});

describe('conversation prefix hashes', () => {
  const chain = (items: unknown[]) => chainedPrefixHashes(items);

  it('gives a follow-up request the previous request’s hashes as its prefix', () => {
    const first = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ];
    const next = [...first, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'more' }];
    expect(chain(next).slice(0, 2)).toEqual(chain(first));
    expect(new Set(chain(next)).size).toBe(4);
  });

  it('tells apart items that differ in any field, whatever the fast path', () => {
    const plain = { role: 'user', content: 'hi' };
    const variants: unknown[] = [
      { content: 'hi', role: 'user' }, // same message, other key order: same identity
      { role: 'user', content: 'hi', name: 'bob' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'text', text: '' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'hi', id: 1 }] },
      { role: 'user\u0000hi', content: '' },
      { role: 'user', content: 'hi\u0000' },
      'user\u0000hi',
      { role: 'assistant', content: 'hi' },
    ];
    const base = chain([plain])[0];
    expect(chain([variants[0]])[0]).toBe(base);
    // One text block is the same message as its string (Claude Code sends both forms of one message).
    expect(
      chain([
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ])[0],
    ).toBe(base);
    const others = variants.slice(1).map((v) => chain([v])[0]);
    expect(new Set([base, ...others]).size).toBe(1 + others.length);
  });
});
