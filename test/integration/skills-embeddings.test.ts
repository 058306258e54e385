import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { type FakeLlm, lastUserText, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

/** A local OpenAI-compatible /embeddings endpoint: words map to concepts, so synonyms meet. */
const CONCEPTS: Record<string, number> = { car: 0, automobile: 0, vehicle: 0, bread: 1, sourdough: 1 };
// Embeddings of the user's query are held until the test releases them: a request that finishes
// while they are held proves the proxy does not wait for embeddings (no wall-clock budget).
let release!: () => void;
const held = new Promise<void>((r) => {
  release = r;
});
let queryAnswered = false;
const calls: { auth: string | undefined; input: string[] }[] = [];
const embeddings = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    const { input } = JSON.parse(body) as { input: string[] };
    calls.push({ auth: req.headers.authorization, input });
    const data = input.map((t, index) => {
      const v = [0.01, 0.01, 0.01];
      for (const w of t.toLowerCase().split(/\W+/)) if (w in CONCEPTS) v[CONCEPTS[w]!]! += 1;
      return { object: 'embedding', index, embedding: v };
    });
    const isQuery = input.some((t) => t.includes('automobile'));
    void (isQuery ? held : Promise.resolve()).then(() => {
      if (isQuery) queryAnswered = true;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: 'concepts' }));
    });
  });
});

let fake: FakeLlm;
let proxy: TestProxy;
let base: string;

beforeAll(async () => {
  await new Promise<void>((r) => embeddings.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(embeddings.address() as AddressInfo).port}/v1`;
  fake = await startFakeLlm();
  const home = tempHome();
  fs.mkdirSync(path.join(home, 'skills', 'car-maintenance'), { recursive: true });
  fs.writeFileSync(
    path.join(home, 'skills', 'car-maintenance', 'SKILL.md'),
    '---\nname: car-maintenance\ndescription: Keep a car running well\n---\n\nCheck the oil and tyre pressure monthly.\n',
  );
  proxy = await startProxy(
    {
      upstream: openaiUpstream(fake.url),
      skills: { retrieval: 'hybrid', embedding: { base_url: base, api_key: 'emb-key', model: 'concepts' } },
    },
    { home },
  );
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
  await new Promise((r) => embeddings.close(r));
});

async function ask(text: string): Promise<void> {
  const res = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] }),
  });
  await res.text();
}

describe('hybrid retrieval with an embeddings endpoint', () => {
  it('never waits for embeddings, then uses them for the same request’s follow-up calls', async () => {
    await ask('my automobile makes a strange noise');
    expect(lastUserText(fake.requests.at(-1)!)).toBe('my automobile makes a strange noise');
    await eventually(() => calls.some((c) => c.input.includes('my automobile makes a strange noise')));
    expect(queryAnswered).toBe(false); // answered without waiting for the held embedding
    release();
    await eventually(() => proxy.app.skills.embeddings?.size === 1);
    await proxy.app.skills.embeddings!.idle();
    await ask('my automobile makes a strange noise');
    expect(lastUserText(fake.requests.at(-1)!)).toContain('tyre pressure');
    expect(calls.every((c) => c.auth === 'Bearer emb-key')).toBe(true);
    const rows = proxy.app.db.prepare('SELECT COUNT(*) AS n FROM skill_embeddings').get() as { n: number };
    expect(rows.n).toBe(1);
  });

  it('refuses embedding retrieval without an endpoint, naming the key', () => {
    expect(() => validateConfig({ skills: { retrieval: 'hybrid' } })).toThrow(/skills\.embedding\.base_url/);
    expect(() => validateConfig({ skills: { top_kk: 3 } })).toThrow(/skills\.top_kk: unknown key/);
  });
});
