import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionsTeacher } from '../../../src/learning/rl/opd.js';
import { openStore } from '../../../src/store/db.js';
import { LearningUsageRepository, utcDay } from '../../../src/store/learning-usage.js';
import { tempHome } from '../../helpers/tmp.js';

/** A local /completions that scores prompts and reports usage as OpenAI-compatible servers do. */
let server: http.Server;
let url = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as { prompt: number[] };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ text: '', index: 0, logprobs: { token_logprobs: body.prompt.map(() => -0.5) } }],
          usage: {
            prompt_tokens: body.prompt.length,
            completion_tokens: 0,
            total_tokens: body.prompt.length,
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OPD teacher token usage', () => {
  it('records each teacher call under purpose opd for the dashboard’s learning cost', async () => {
    const db = openStore(path.join(tempHome(), 'store.db'));
    const usage = new LearningUsageRepository(db);
    const teacher = new CompletionsTeacher(
      { baseUrl: url, model: 'teacher', timeoutMs: 5000 },
      usage.recorder('opd'),
    );
    const sample = (n: number) => ({
      turnId: `t${n}`,
      promptTokens: [1, 2, 3],
      responseTokens: Array.from({ length: n }, (_, i) => 10 + i),
      logprobs: Array.from({ length: n }, () => -1),
      policyVersion: 0,
      reward: 1,
      groupKey: 'k',
    });
    await teacher.logprobs(sample(2), new AbortController().signal);
    await teacher.logprobs(sample(4), new AbortController().signal);
    expect(db.prepare('SELECT * FROM learning_usage').all()).toEqual([
      {
        day: utcDay(Date.now()),
        purpose: 'opd',
        model: 'teacher',
        calls: 2,
        input_tokens: 12,
        output_tokens: 0,
      },
    ]);
    db.close();
  });
});
