import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyTokenizer, TokenizerLoadError } from '../../../src/learning/policy/tokenizer.js';
import { POLICY_FIXTURE_DIR } from '../../fixtures/policy/index.js';
import { tempHome } from '../../helpers/tmp.js';

/** A local stand-in for the model hub: `/{org}/{repo}/resolve/main/{file}`. */
let hub: http.Server;
let hubUrl = '';
const hits: string[] = [];
const files: Record<string, { status: number; body: string }> = {};

function publish(repo: string, overrides: Record<string, { status: number; body: string }> = {}) {
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    files[`/${repo}/resolve/main/${f}`] = {
      status: 200,
      body: fs.readFileSync(path.join(POLICY_FIXTURE_DIR, f), 'utf8'),
    };
  }
  for (const [f, v] of Object.entries(overrides)) files[`/${repo}/resolve/main/${f}`] = v;
}

beforeAll(async () => {
  hub = http.createServer((req, res) => {
    hits.push(`${req.url} ${req.headers.authorization ?? ''}`.trim());
    const f = files[req.url ?? ''];
    res.writeHead(f?.status ?? 404, { 'content-type': 'application/json' });
    res.end(f?.body ?? '{"error":"Entry not found"}');
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => hub.close(() => r())));

describe('tokenizer download and cache', () => {
  it('downloads tokenizer.json + tokenizer_config.json once, then loads from the cache', async () => {
    publish('acme/tiny-chat');
    const cacheDir = path.join(tempHome(), 'models');
    const src = { modelId: 'acme/tiny-chat', hubUrl, cacheDir, hubToken: 'hf_secret' };
    const before = hits.length;
    const a = await loadPolicyTokenizer(src);
    const downloaded = hits.slice(before);
    expect(downloaded).toEqual([
      '/acme/tiny-chat/resolve/main/tokenizer.json Bearer hf_secret',
      '/acme/tiny-chat/resolve/main/tokenizer_config.json Bearer hf_secret',
    ]);
    expect(fs.readdirSync(path.join(cacheDir, 'acme', 'tiny-chat')).sort()).toEqual([
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const b = await loadPolicyTokenizer(src);
    expect(hits.length).toBe(before + 2);
    expect(b.encode('weather in Paris')).toEqual(a.encode('weather in Paris'));
    expect(a.tokenId('<|im_end|>')).toBe(305);
  });

  it('names the URL on a missing repo or a non-JSON answer, and caches nothing broken', async () => {
    const cacheDir = path.join(tempHome(), 'models');
    const err = await loadPolicyTokenizer({ modelId: 'acme/missing', hubUrl, cacheDir }).catch((e) => e);
    expect(err).toBeInstanceOf(TokenizerLoadError);
    expect(err.message).toContain(`${hubUrl}/acme/missing/resolve/main/tokenizer.json: HTTP 404`);
    expect(err.message).toContain('serving.policy.model_id');

    publish('acme/html', { 'tokenizer_config.json': { status: 200, body: '<html>login</html>' } });
    const err2 = await loadPolicyTokenizer({ modelId: 'acme/html', hubUrl, cacheDir }).catch((e) => e);
    expect(err2.message).toContain(
      `${hubUrl}/acme/html/resolve/main/tokenizer_config.json did not return JSON`,
    );
    // The good file stays cached; the bad one (and no temp file) is left behind.
    expect(fs.readdirSync(path.join(cacheDir, 'acme', 'html'))).toEqual(['tokenizer.json']);

    const gated = await loadPolicyTokenizer({
      modelId: 'acme/gated',
      hubUrl: 'http://127.0.0.1:1',
      cacheDir,
    }).catch((e) => e);
    expect(gated.message).toContain(
      'cannot download http://127.0.0.1:1/acme/gated/resolve/main/tokenizer.json',
    );
  });

  it('fetches chat_template.jinja when tokenizer_config.json has no chat_template', async () => {
    const config = JSON.parse(
      fs.readFileSync(path.join(POLICY_FIXTURE_DIR, 'tokenizer_config.json'), 'utf8'),
    );
    const template = config.chat_template as string;
    delete config.chat_template;
    publish('acme/split', {
      'tokenizer_config.json': { status: 200, body: JSON.stringify(config) },
      'chat_template.jinja': { status: 200, body: template },
    });
    const cacheDir = path.join(tempHome(), 'models');
    const tok = await loadPolicyTokenizer({ modelId: 'acme/split', hubUrl, cacheDir });
    expect(tok.renderChat({ messages: [{ role: 'user', content: 'hi' }], addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
    );

    publish('acme/notemplate', { 'tokenizer_config.json': { status: 200, body: JSON.stringify(config) } });
    const err = await loadPolicyTokenizer({ modelId: 'acme/notemplate', hubUrl, cacheDir }).catch((e) => e);
    expect(err.message).toMatch(/no chat template/);
  });

  it('a configured folder is read in place; a missing file is named', async () => {
    const tok = await loadPolicyTokenizer({ dir: POLICY_FIXTURE_DIR });
    expect(tok.eosToken).toBe('<|im_end|>');
    const empty = tempHome();
    const err = await loadPolicyTokenizer({ dir: empty }).catch((e) => e);
    expect(err.message).toBe(`cannot read ${path.join(empty, 'tokenizer.json')}: ENOENT`);
  });
});
