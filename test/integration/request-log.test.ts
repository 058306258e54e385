import path from 'node:path';
import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { anthropicUpstream, eventually, openaiUpstream, tempHome } from '../helpers/proxy.js';

const PROMPT = 'my-very-secret-prompt-text-4711';
const CLIENT_KEY = 'client-key-abc123';

describe('request log line (info, real service)', () => {
  let fake: FakeLlm;
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const apps: App[] = [];

  async function start(upstream: Record<string, unknown>): Promise<App> {
    const home = tempHome();
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) {
          raw.push(l);
          lines.push(JSON.parse(l) as Record<string, unknown>);
        }
        cb();
      },
    });
    const config = validateConfig({ upstream, judge: { enabled: false } });
    const app = await App.create({
      loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
      port: 0,
      env: {},
      log: pino({ level: 'info' }, sink),
    });
    await app.start();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    fake = await startFakeLlm();
  });
  afterAll(async () => {
    for (const a of apps) await a.stop(2000);
    await fake.close();
  });

  it('logs one line per OpenAI request with its fields, never the prompt or a key', async () => {
    const app = await start(openaiUpstream(fake.url));
    const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: CLIENT_KEY });
    const res = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: PROMPT }],
    });
    expect(res.choices[0]?.message.content).toBeTruthy();
    const line = await eventually(() =>
      lines.find((l) => l.msg === 'request' && l.protocol === 'openai-chat'),
    );
    expect(line).toMatchObject({
      level: 30,
      model: 'fake-model',
      status: 200,
      skills: 0,
      kind: expect.any(String),
    });
    expect(typeof line.latencyMs).toBe('number');
    expect(typeof line.session).toBe('string');
    expect(line.tokensIn).toBe(res.usage?.prompt_tokens);
    expect(line.tokensOut).toBe(res.usage?.completion_tokens);
    expect(line).toHaveProperty('client');
    expect(lines.filter((l) => l.msg === 'request' && l.protocol === 'openai-chat')).toHaveLength(1);
    const all = raw.join('\n');
    expect(all).not.toContain(PROMPT);
    expect(all).not.toContain(CLIENT_KEY);
    expect(all).not.toContain('upstream-secret');
  });

  it('logs Anthropic streamed requests too', async () => {
    const app = await start(anthropicUpstream(fake.url));
    const client = new Anthropic({ baseURL: app.url, apiKey: CLIENT_KEY });
    const stream = client.messages.stream({
      model: 'fake-model',
      max_tokens: 50,
      messages: [{ role: 'user', content: PROMPT }],
    });
    await stream.finalMessage();
    const line = await eventually(() =>
      lines.find((l) => l.msg === 'request' && l.protocol === 'anthropic-messages'),
    );
    expect(line).toMatchObject({ status: 200, stream: true, model: 'fake-model' });
    expect(raw.join('\n')).not.toContain(PROMPT);
  });
});
