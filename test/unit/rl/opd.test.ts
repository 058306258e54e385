import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionsTeacher } from '../../../src/learning/rl/opd.js';

/** A local OpenAI-compatible /completions that scores token-id prompts: logprob(t) = -t/100. */
let server: http.Server;
let url = '';
const seen: unknown[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as { prompt: number[]; echo: boolean; max_tokens: number };
      seen.push(body);
      if (body.prompt.includes(999)) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'token 999 out of range' } }));
        return;
      }
      const token_logprobs = body.prompt.map((t, i) => (i === 0 ? null : -t / 100));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ text: '', index: 0, logprobs: { token_logprobs }, finish_reason: 'length' }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sample = (response: number[]) => ({
  turnId: 'turn-7',
  promptTokens: [5, 6, 7],
  responseTokens: response,
  logprobs: response.map(() => -1),
  policyVersion: 0,
  reward: 1,
  groupKey: 'k',
});

describe('CompletionsTeacher (on-policy distillation)', () => {
  it('scores the exact token ids (echo, no generation) and returns the response tokens’ logprobs', async () => {
    const t = new CompletionsTeacher({ baseUrl: url, model: 'teacher', timeoutMs: 5000 });
    expect(await t.logprobs(sample([10, 20]), new AbortController().signal)).toEqual([-0.1, -0.2]);
    expect(seen.at(-1)).toMatchObject({
      model: 'teacher',
      prompt: [5, 6, 7, 10, 20],
      echo: true,
      max_tokens: 0,
    });
  });

  it('names the turn when the teacher refuses', async () => {
    const t = new CompletionsTeacher({ baseUrl: url, model: 'teacher', timeoutMs: 5000 });
    await expect(t.logprobs(sample([999]), new AbortController().signal)).rejects.toThrow(/turn-7.*HTTP 400/);
  });
});
