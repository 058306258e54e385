import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { TurnDraft } from '../../../src/server/proxy/recorder.js';
import { TurnRecorder } from '../../../src/server/proxy/recorder.js';
import { openStore } from '../../../src/store/db.js';
import { uuidv7 } from '../../../src/store/ids.js';
import { TurnRepository } from '../../../src/store/turns.js';
import { tempHome } from '../../helpers/tmp.js';

function draft(sessionId: string, create: boolean): TurnDraft {
  return {
    id: uuidv7(),
    sessionId,
    seq: 1,
    kind: 'main',
    protocol: 'openai-chat',
    upstreamProtocol: 'openai-chat',
    model: 'm',
    stream: false,
    requestText: '{}',
    upstreamText: '{}',
    startedAt: Date.now(),
    startedHr: process.hrtime.bigint(),
    ttftMs: null,
    libraryGeneration: 0,
    injectedRevisionIds: [],
    policyVersion: null,
    sessionWrite: create ? { create: { source: 'header', client: null, at: Date.now() } } : {},
  };
}

describe('TurnRecorder (issue 16 point 5)', () => {
  it('hands only stored turns to listeners; a turn whose insert failed resolves null and reaches none', async () => {
    const db = openStore(path.join(tempHome('metaclaw-rec-'), 'metaclaw.db'));
    const recorder = new TurnRecorder(new TurnRepository(db), pino({ level: 'silent' }));
    const heard: string[] = [];
    recorder.onRecorded((t) => heard.push(t.id));
    const ok = draft('s-ok', true);
    // No session row and no create: the foreign key refuses this turn, in the same batch as a good one.
    const bad = draft('s-missing', false);
    const outcome = { status: 'ok' as const, httpStatus: 200, response: null };
    const [a, b] = await Promise.all([recorder.record(ok, outcome), recorder.record(bad, outcome)]);
    expect(a?.id).toBe(ok.id);
    expect(b).toBeNull();
    expect(heard).toEqual([ok.id]);
    expect(db.prepare('SELECT id FROM turns').pluck().all()).toEqual([ok.id]);
    db.close();
  });

  it('logs one request line per turn after the commit, marking a turn that was not stored', async () => {
    const db = openStore(path.join(tempHome('metaclaw-rec-'), 'metaclaw.db'));
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const recorder = new TurnRecorder(new TurnRepository(db), log);
    const ok = draft('s-ok', true);
    const bad = draft('s-missing', false);
    const outcome = { status: 'ok' as const, httpStatus: 200, response: null };
    await Promise.all([recorder.record(ok, outcome), recorder.record(bad, outcome)]);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.session, l.stored])).toEqual([
      ['s-ok', undefined],
      ['s-missing', false],
    ]);
    db.close();
  });
});
