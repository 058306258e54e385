import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { type TurnRecord, TurnRepository } from '../../src/store/turns.js';
import { runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/proxy.js';

const DAY = 86_400_000;

function turn(sessionId: string, seq: number, startedAt: number): TurnRecord {
  const tools = Array.from({ length: 8 }, (_, i) => ({
    name: `tool_${i}`,
    description: `reads things ${i} `.repeat(40),
  }));
  const messages = Array.from({ length: seq }, (_, i) => ({
    role: 'user',
    content: `${sessionId} message ${i} `.repeat(8),
  }));
  return {
    id: `${sessionId}-${seq}`,
    sessionId,
    seq,
    kind: 'main',
    protocol: 'openai-chat',
    upstreamProtocol: 'openai-chat',
    model: 'm',
    stream: false,
    requestJson: JSON.stringify({ model: 'm', messages, tools }),
    upstreamRequestJson: null,
    responseJson: JSON.stringify({
      choices: [{ message: { role: 'assistant', content: `${sessionId} ${seq}` } }],
    }),
    status: 'ok',
    httpStatus: 200,
    error: null,
    startedAt,
    latencyMs: 1,
    ttftMs: null,
    usageJson: null,
    libraryGeneration: 0,
    injectedRevisionIds: [],
    policyVersion: null,
  };
}

describe('metaclaw store stats', () => {
  it('reports size, turns, dedup and what retention would free, without changing the store', async () => {
    const home = tempHome();
    fs.writeFileSync(
      path.join(home, 'config.yaml'),
      'store:\n  retention_days: 30\n  retention_keep_sessions: 0\njudge:\n  enabled: false\n',
    );
    const db = openStore(path.join(home, 'metaclaw.db'));
    const repo = new TurnRepository(db);
    const now = Date.now();
    for (const [id, at] of [
      ['old', now - 90 * DAY],
      ['new', now - DAY],
    ] as const) {
      for (let seq = 1; seq <= 5; seq++)
        repo.insert(
          turn(id, seq, at + seq),
          seq === 1 ? { create: { client: 'a', source: 'header', at } } : {},
        );
    }
    db.close();

    const json = await runCli(['store', 'stats', '--json'], { home });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout);
    expect(s).toMatchObject({ turns: 10, prunedTurns: 0, inlineTurns: 0 });
    expect(s.fileBytes).toBeGreaterThan(0);
    // The tool list and the history are stored once, not once per turn.
    expect(s.logicalBytes).toBeGreaterThan(4 * (s.partStoredBytes + s.manifestBytes));
    expect(s.retention).toMatchObject({ days: 30, sessions: 1, turns: 5 });
    expect(s.retention.parts).toBe(10); // old's five messages and five answers; the tools stay (new has them)
    expect(s.retention.partBytes).toBeGreaterThan(0);

    const text = await runCli(['store', 'stats'], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/turns\s+10/);
    expect(text.stdout).toMatch(/retention\s+30 days: would clear 5 turns of 1 sessions/);
    // Only a report: nothing was pruned.
    const again = JSON.parse((await runCli(['store', 'stats', '--json'], { home })).stdout);
    expect(again.retention.turns).toBe(5);
  });
});
