import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/db.js';
import { HOLE, joinJson, splitJson } from '../../../src/store/json-parts.js';
import { type TurnRecord, TurnRepository, type WireProtocol } from '../../../src/store/turns.js';
import { tempHome } from '../../helpers/tmp.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures/agents');

interface Fixture {
  agent: string;
  requests: { path: string; body: Record<string, unknown> }[];
}

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;

function protocolOf(p: string): WireProtocol {
  if (p.startsWith('/v1/messages')) return 'anthropic-messages';
  if (p.startsWith('/v1/responses')) return 'openai-responses';
  return 'openai-chat';
}

function turn(over: Partial<TurnRecord> & { id: string; seq: number; sessionId: string }): TurnRecord {
  return {
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
    startedAt: 1_000 + over.seq,
    latencyMs: 1,
    ttftMs: null,
    usageJson: null,
    libraryGeneration: 0,
    injectedRevisionIds: [],
    policyVersion: null,
    promptTokenIds: null,
    responseTokenIds: null,
    responseLogprobs: null,
    ...over,
  };
}

/** The injected block riding on the system prompt / first message, as the proxy sends it. */
function asSent(body: Record<string, unknown>): Record<string, unknown> {
  const block = '<skills>\n## debugging\nReproduce first, then bisect.\n</skills>';
  if (typeof body.system === 'string') return { ...body, system: `${body.system}\n\n${block}` };
  if (Array.isArray(body.system)) return { ...body, system: [...body.system, { type: 'text', text: block }] };
  if (typeof body.instructions === 'string')
    return { ...body, instructions: `${body.instructions}\n${block}` };
  const msgs = (body.messages ?? body.input) as unknown[];
  const key = body.messages ? 'messages' : 'input';
  return { ...body, [key]: [{ role: 'system', content: block }, ...msgs] };
}

const storeSize = (db: ReturnType<typeof openStore>) =>
  (db.prepare('SELECT COALESCE(SUM(length(body)), 0) AS n FROM turn_part_bodies').get() as { n: number }).n +
  (
    db
      .prepare('SELECT COALESCE(SUM(length(request_ref) + length(upstream_ref)), 0) AS n FROM turns')
      .get() as { n: number }
  ).n;

describe('splitJson', () => {
  it('cuts each message, tool and long value into a part and joins back byte for byte', () => {
    const text =
      '{ "model": "m",\n "messages": [ {"role":"user","content":"' +
      'x'.repeat(60) +
      '"} , 1 ],\n"tools":[],"system":"' +
      'é\\"'.repeat(30) +
      '" }';
    const { skeleton, parts } = splitJson(text);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(`{"role":"user","content":"${'x'.repeat(60)}"}`);
    expect(skeleton.split(HOLE)).toHaveLength(3);
    expect(joinJson(skeleton, parts)).toBe(text);
  });

  it('keeps text it cannot split (not an object, malformed, control characters) as one part', () => {
    for (const text of ['[1,2,3]', '{"a": [1, 2', `{"a":"${HOLE}"}`, '"just a string"', '{}']) {
      expect(splitJson(text)).toEqual({ skeleton: HOLE, parts: [text] });
    }
  });
});

describe('TurnRepository bodies as parts', () => {
  const names = ['claude-code', 'codex', 'openclaw-anthropic', 'openclaw-openai'];

  it.each(names)('%s: every recorded request, as sent and response reads back identical', (name) => {
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    const f = fixture(name);
    const written: TurnRecord[] = [];
    f.requests.forEach((r, i) => {
      // Pretty-printed on odd turns: the client's own bytes are kept, not a re-serialisation.
      const requestJson = i % 2 ? JSON.stringify(r.body, null, 1) : JSON.stringify(r.body);
      const t = turn({
        id: `${name}-${i}`,
        sessionId: name,
        seq: i + 1,
        protocol: protocolOf(r.path),
        requestJson,
        upstreamRequestJson: JSON.stringify(asSent(r.body)),
        responseJson: JSON.stringify({ id: `r${i}`, content: [{ type: 'text', text: `answer ${i}` }] }),
      });
      written.push(t);
      repo.insert(t, { create: i === 0 ? { client: f.agent, source: 'header', at: 1_000 } : undefined });
    });
    expect(repo.listBySession(name)).toEqual(written);
    for (const t of written) expect(repo.get(t.id)).toEqual(t);
    // Stored through parts, not inline.
    const row = db
      .prepare('SELECT request_json, request_ref FROM turns WHERE id = ?')
      .get(written[3]!.id) as {
      request_json: string;
      request_ref: Buffer | null;
    };
    expect(row.request_json).toBe('');
    expect(row.request_ref).not.toBeNull();
    db.close();
  });

  it('stores a repeated tool list and history once: later turns cost their new messages only', () => {
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    const f = fixture('openclaw-anthropic');
    const base = f.requests[0]!.body;
    const history: unknown[] = [];
    const sizes: number[] = [];
    let raw = 0;
    for (let i = 0; i < 30; i++) {
      history.push({ role: 'user', content: `step ${i}: ${'do the next thing '.repeat(10)}` });
      const body = { ...base, messages: [...history] };
      const text = JSON.stringify(body);
      raw += text.length * 2;
      repo.insert(
        turn({
          id: `t${i}`,
          sessionId: 's',
          seq: i + 1,
          requestJson: text,
          upstreamRequestJson: JSON.stringify(asSent(body)),
        }),
        { create: i === 0 ? { client: 'openclaw', source: 'header', at: 1_000 } : undefined },
      );
      history.push({ role: 'assistant', content: `done ${i}` });
      sizes.push(storeSize(db));
    }
    // The first turn holds the compressed tools and system prompt; each later one adds little.
    const perLater = (sizes[29]! - sizes[0]!) / 29;
    expect(perLater).toBeLessThan(600);
    expect(sizes[29]!).toBeLessThan(raw * 0.05);
    const parts = db.prepare('SELECT COUNT(*) AS n, MAX(refs) AS r FROM turn_parts').get() as {
      n: number;
      r: number;
    };
    // Every turn references the tool list and system prompt; they are stored once, held by one session.
    expect(parts.r).toBe(1);
    // tools, system blocks, user messages, the answers a later call carries, the injected block
    expect(parts.n).toBe(12 + 2 + 30 + 29 + 1);
    db.close();
  });

  it('still reads rows written inline before migration 009', () => {
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    repo.insert(turn({ id: 'new', sessionId: 's', seq: 2 }), {
      create: { client: null, source: 'header', at: 1 },
    });
    db.prepare(
      `INSERT INTO turns (id, session_id, seq, kind, protocol, model, stream, request_json, upstream_request_json,
        response_json, status, started_at, library_generation, injected_revision_ids)
       VALUES ('old', 's', 1, 'main', 'openai-chat', 'm', 0, '{"messages":[]}', '{"messages":[1]}', '{"ok":1}', 'ok', 5, 0, '[1]')`,
    ).run();
    const old = repo.get('old')!;
    expect([old.requestJson, old.upstreamRequestJson, old.responseJson]).toEqual([
      '{"messages":[]}',
      '{"messages":[1]}',
      '{"ok":1}',
    ]);
    expect(old.injectedRevisionIds).toEqual([1]);
    expect(repo.listBySession('s').map((t) => t.id)).toEqual(['old', 'new']);
    db.close();
  });

  it('counts a part once per session and collects it when no session holds it', () => {
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    const shared = { role: 'system', content: 'shared '.repeat(40) };
    const mk = (sessionId: string, seq: number, own: string) =>
      turn({
        id: `${sessionId}${seq}`,
        sessionId,
        seq,
        requestJson: JSON.stringify({ messages: [shared, { role: 'user', content: own.repeat(20) }] }),
      });
    const refs = () =>
      (db.prepare('SELECT refs FROM turn_parts ORDER BY id').all() as { refs: number }[]).map((r) => r.refs);
    repo.insert(mk('a', 1, 'first '), { create: { client: null, source: 'header', at: 1 } });
    repo.insert(mk('a', 2, 'first '));
    repo.insert(mk('b', 1, 'second '), { create: { client: null, source: 'header', at: 1 } });
    // shared: sessions a and b; a's message: a only (two turns, one session); b's message: b.
    expect(refs()).toEqual([2, 1, 1]);
    expect(repo.parts.collectGarbage().parts).toBe(0);
    db.transaction(() => repo.parts.releaseSession('a'))();
    expect(repo.parts.collectGarbage().parts).toBe(1);
    expect(repo.get('b1')!.requestJson).toBe(mk('b', 1, 'second ').requestJson);
    db.transaction(() => repo.parts.releaseSession('b'))();
    expect(repo.parts.collectGarbage().parts).toBe(2);
    expect((db.prepare('SELECT COUNT(*) AS n FROM turn_part_bodies').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('keeps counting right across a restart and after a failed batch', () => {
    const home = tempHome();
    const file = path.join(home, 'm.db');
    const shared = { role: 'system', content: 'shared '.repeat(40) };
    const mk = (seq: number) =>
      turn({
        id: `t${seq}`,
        sessionId: 's',
        seq,
        requestJson: JSON.stringify({
          messages: [shared, { role: 'user', content: `msg ${seq} `.repeat(9) }],
        }),
      });
    let db = openStore(file);
    let repo = new TurnRepository(db);
    repo.insert(mk(1), { create: { client: null, source: 'header', at: 1 } });
    db.close();
    db = openStore(file);
    repo = new TurnRepository(db);
    repo.insert(mk(2)); // the shared part is already the session's: not counted again
    const sharedRefs = () =>
      (db.prepare('SELECT refs FROM turn_parts ORDER BY id LIMIT 1').get() as { refs: number }).refs;
    expect(sharedRefs()).toBe(1);
    // A batch that fails (seq 2 again) rolls back its new parts; later writes must not reuse them.
    const failing = { ...mk(3), id: 't3' };
    const duplicate = {
      ...mk(2),
      id: 'dup',
      requestJson: JSON.stringify({ messages: ['another new part'] }),
    };
    expect(() =>
      repo.insertBatch([
        { turn: failing, session: {} },
        { turn: duplicate, session: {} },
      ]),
    ).toThrow();
    repo.insert(mk(3));
    expect(sharedRefs()).toBe(1);
    expect(repo.listBySession('s').map((t) => t.requestJson)).toEqual(
      [1, 2, 3].map((i) => mk(i).requestJson),
    );
    db.transaction(() => repo.parts.releaseSession('s'))();
    expect(repo.parts.collectGarbage().parts).toBe(4);
    db.close();
  });
});

describe('a session that goes on after its parts were released', () => {
  it('stores its repeated parts again instead of pointing at collected ones', () => {
    const home = tempHome();
    const db = openStore(path.join(home, 'm.db'));
    const repo = new TurnRepository(db);
    const tools = Array.from({ length: 4 }, (_, i) => ({
      name: `t${i}`,
      description: `tool ${i} `.repeat(30),
    }));
    const mk = (seq: number) =>
      turn({
        id: `t${seq}`,
        sessionId: 's',
        seq,
        requestJson: JSON.stringify({
          tools,
          messages: [{ role: 'user', content: 'the same long question '.repeat(5) }],
        }),
      });
    repo.insert(mk(1), { create: { client: null, source: 'header', at: 1 } });
    db.transaction(() => {
      repo.parts.releaseSession('s');
      db.prepare(
        `UPDATE turns SET request_ref = NULL, request_json = '{}', pruned_at = 1 WHERE session_id = 's'`,
      ).run();
    })();
    expect(repo.parts.collectGarbage().parts).toBe(5);
    repo.insert(mk(2));
    expect(repo.get('t2')!.requestJson).toBe(mk(2).requestJson);
    expect((db.prepare('SELECT COUNT(*) AS n FROM turn_parts WHERE refs = 1').get() as { n: number }).n).toBe(
      5,
    );
    db.close();
  });
});

describe('manifest deltas', () => {
  it('rebuild an as-sent skeleton that differs inside a surrogate pair', async () => {
    const { encodeDelta, decodeManifest } = await import('../../../src/store/json-parts.js');
    const base = { ids: [1, 2, 3], skeleton: `{"a":"x😀","m":[${HOLE}]}` };
    const sent = { ids: [1, 9, 3], skeleton: `{"a":"x😃","m":[${HOLE}]}` };
    expect(decodeManifest(encodeDelta(sent, base), base)).toEqual(sent);
  });
});
