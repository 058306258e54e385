import fs from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { freePort, runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/tmp.js';

/** The real CLI with a temporary HOME: ~/.openclaw and ~/.metaclaw live there. */
function metaclaw(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { home, metaclawHome: path.join(home, '.metaclaw'), env });
}

const OPENCLAW = `// my OpenClaw config
{
  models: { providers: { ollama: { baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-completions', models: [], }, }, },
  agents: { defaults: { model: { primary: 'ollama/llama3.3' }, }, },
}
`;

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm({ requireKey: 'up-secret', models: ['fake-model'] });
});
afterAll(async () => {
  await fake.close();
});

function openclawHome(): { home: string; file: string } {
  const home = tempHome('metaclaw-setup-');
  const file = path.join(home, '.openclaw', 'openclaw.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, OPENCLAW);
  return { home, file };
}

const base = (port: number) => [
  'setup',
  '--non-interactive',
  '--agent',
  'openclaw',
  '--provider',
  'openai',
  '--model',
  'fake-model',
  '--proxy-port',
  String(port),
  '--no-restart',
];

describe('metaclaw setup (non-interactive) end to end', () => {
  it('writes the config, wires OpenClaw, and a request through the wired settings reaches the upstream', async () => {
    const { home, file } = openclawHome();
    const port = await freePort();
    const r = await metaclaw(
      home,
      [...base(port), '--base-url', `${fake.url}/v1`, '--api-key-env', 'FAKE_KEY'],
      {
        FAKE_KEY: 'up-secret',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ upstream: .*accepted the key/);

    const configFile = path.join(home, '.metaclaw', 'config.yaml');
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
    const yaml = YAML.parse(fs.readFileSync(configFile, 'utf8'));
    // The client's model is kept: no upstream.model override (OpenClaw selects fake-model itself).
    expect(yaml.upstream).toEqual({
      provider: 'openai',
      base_url: `${fake.url}/v1`,
      api_key_env: 'FAKE_KEY',
    });
    expect(yaml.scheduler.enabled).toBe(false);
    expect(fs.readFileSync(configFile, 'utf8')).not.toContain('up-secret');

    const wired = JSON5.parse(fs.readFileSync(file, 'utf8'));
    expect(wired.agents.defaults.model.primary).toBe('metaclaw/fake-model');
    const provider = wired.models.providers.metaclaw;
    expect(provider.api).toBe('anthropic-messages');

    // Start the service the way a user would (`metaclaw start`), and call it exactly as OpenClaw would.
    const started = await metaclaw(home, ['start'], { FAKE_KEY: 'up-secret' });
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`http://127.0.0.1:${port}`);
    try {
      const res = await fetch(`${provider.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': provider.apiKey,
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: 'fake-model',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'hello through openclaw' }],
        }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { content: { type: string; text: string }[] };
      expect(body.content[0]!.text).toContain('hello through openclaw');
      const status = JSON.parse(
        (await metaclaw(home, ['status', '--json'], { FAKE_KEY: 'up-secret' })).stdout,
      );
      expect(status).toMatchObject({ running: true });
      expect(status.turns).toBeGreaterThanOrEqual(1);
      const upstreamCall = fake.requests.findLast(
        (q) => q.protocol === 'openai-chat' && JSON.stringify(q.body).includes('hello through openclaw'),
      );
      expect(upstreamCall!.apiKey).toBe('up-secret');
      expect(upstreamCall!.body.model).toBe('fake-model');
    } finally {
      expect((await metaclaw(home, ['stop'])).code).toBe(0);
    }

    // doctor sees the wiring and the working upstream; removal restores the file byte for byte.
    const doctor = await metaclaw(home, ['doctor', '--json'], { FAKE_KEY: 'up-secret' });
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.checks.find((c) => c.name === 'upstream')!.status).toBe('ok');
    expect(report.checks.find((c) => c.name === 'agents')).toMatchObject({ status: 'ok' });
    expect(report.ok).toBe(true);
    expect(doctor.code).toBe(0);

    const removed = await metaclaw(home, ['integrate', '--remove', 'openclaw']);
    expect(removed.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(OPENCLAW);
  });

  it('names every missing flag', async () => {
    const r = await metaclaw(tempHome(), ['setup', '--non-interactive', '--provider', 'openai']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing --agent');
    expect(r.stderr).toContain('--model NAME');
    expect(r.stderr).toContain('--api-key-env VAR');
  });

  it('explains upstream failures and exits non-zero without writing anything: bad key, wrong URL, nothing listening', async () => {
    const { home, file } = openclawHome();
    const port = await freePort();
    const badKey = await metaclaw(home, [
      ...base(port),
      '--base-url',
      `${fake.url}/v1`,
      '--api-key',
      'wrong',
    ]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/rejected the key \(HTTP 401/);

    const wrongUrl = await metaclaw(home, [
      ...base(port),
      '--base-url',
      `${fake.url}/api`,
      '--api-key',
      'up-secret',
    ]);
    expect(wrongUrl.code).toBe(1);
    expect(wrongUrl.stderr).toMatch(/HTTP 404[\s\S]*wrong base URL/);

    const closed = await freePort();
    const refused = await metaclaw(home, [
      ...base(port),
      '--base-url',
      `http://127.0.0.1:${closed}/v1`,
      '--api-key',
      'k',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/connection refused.*nothing is listening/);

    const unset = await metaclaw(home, [
      ...base(port),
      '--base-url',
      `${fake.url}/v1`,
      '--api-key-env',
      'NOPE_KEY',
    ]);
    expect(unset.stderr).toMatch(/NOPE_KEY is not set/);

    expect(fs.existsSync(path.join(home, '.metaclaw', 'config.yaml'))).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe(OPENCLAW);

    const skipped = await metaclaw(home, [
      ...base(port),
      '--base-url',
      `http://127.0.0.1:${closed}/v1`,
      '--api-key',
      'k',
      '--skip-check',
      '--mode',
      'auto',
      '--sleep',
      '01:00-06:00',
    ]);
    expect(skipped.code).toBe(0);
    const yaml = YAML.parse(fs.readFileSync(path.join(home, '.metaclaw', 'config.yaml'), 'utf8'));
    expect(yaml.scheduler).toMatchObject({ enabled: true, sleep_start: '01:00', sleep_end: '06:00' });
    expect(yaml.upstream.api_key).toBe('k');
  });

  it('uninstall: refuses without --yes when not interactive; with --yes unwires, and deletes the MetaClaw home', async () => {
    const { home, file } = openclawHome();
    const port = await freePort();
    expect(
      (await metaclaw(home, [...base(port), '--base-url', `${fake.url}/v1`, '--api-key', 'up-secret'])).code,
    ).toBe(0);
    const refused = await metaclaw(home, ['uninstall']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(JSON5.parse(fs.readFileSync(file, 'utf8')).models.providers.metaclaw).toBeDefined();

    const done = await metaclaw(home, ['uninstall', '--yes']);
    expect(done.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(OPENCLAW);
    expect(fs.existsSync(path.join(home, '.metaclaw'))).toBe(false);
  });
});
