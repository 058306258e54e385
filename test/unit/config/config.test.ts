import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getKey, maskSecrets, setKeyInFile } from '../../../src/config/edit.js';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig, validateConfig } from '../../../src/config/load.js';
import { resolveUpstream } from '../../../src/config/upstream.js';
import { tempHome } from '../../helpers/tmp.js';

describe('config validation', () => {
  it('an empty file means all defaults: loopback, port 30000', () => {
    const c = validateConfig({});
    expect(c.proxy.host).toBe('127.0.0.1');
    expect(c.proxy.port).toBe(30000);
    expect(c.proxy.body_limit_bytes).toBe(32 * 1024 * 1024);
    expect(c.sessions.idle_timeout_s).toBeGreaterThan(0);
  });

  it('names the exact key path of a wrong value or an unknown key', () => {
    expect(() => validateConfig({ proxy: { port: 'eighty' } })).toThrow(/proxy\.port/);
    expect(() => validateConfig({ upstream: { provider: 'google' } })).toThrow(/upstream\.provider/);
    expect(() => validateConfig({ proxy: { prot: 1 } })).toThrow(/proxy\.prot: unknown key/);
    let caught: unknown;
    try {
      validateConfig({ upstream: { timeout_ms: -5 } });
    } catch (e) {
      caught = e;
    }
    // Fails if nothing was thrown, not only if the wrong thing was.
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).key).toBe('upstream.timeout_ms');
  });

  it('refuses a non-loopback bind without an API key', () => {
    expect(() => validateConfig({ proxy: { host: '0.0.0.0' } })).toThrow(/proxy\.api_key/);
    expect(validateConfig({ proxy: { host: '0.0.0.0', api_key: 'secret-key' } }).proxy.host).toBe('0.0.0.0');
    expect(validateConfig({ proxy: { host: 'localhost' } }).proxy.host).toBe('localhost');
  });

  it('reports YAML syntax errors with the file name', () => {
    const home = tempHome();
    const file = path.join(home, 'config.yaml');
    fs.writeFileSync(file, 'proxy: [unclosed');
    expect(() => loadConfig({ configFile: file })).toThrow(/config\.yaml: invalid YAML/);
  });
});

describe('upstream resolution', () => {
  it('falls back to OPENAI_* then ANTHROPIC_* environment variables', () => {
    const c = validateConfig({});
    expect(resolveUpstream(c, {})).toBeNull();
    expect(resolveUpstream(c, { OPENAI_API_KEY: 'sk-1' })).toMatchObject({
      provider: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-1',
      source: 'env',
    });
    expect(resolveUpstream(c, { OPENAI_BASE_URL: 'http://localhost:11434/v1/' })).toMatchObject({
      baseUrl: 'http://localhost:11434/v1',
    });
    expect(resolveUpstream(c, { ANTHROPIC_API_KEY: 'a-1' })).toMatchObject({
      provider: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
    });
  });

  it('prefers the config, and reads the key from upstream.api_key_env', () => {
    const c = validateConfig({
      upstream: {
        provider: 'anthropic',
        base_url: 'http://x.test',
        api_key_env: 'MY_KEY',
        model: 'claude-x',
      },
    });
    expect(resolveUpstream(c, { MY_KEY: 'k', OPENAI_API_KEY: 'other' })).toEqual({
      provider: 'anthropic',
      baseUrl: 'http://x.test',
      apiKey: 'k',
      model: 'claude-x',
      source: 'config',
    });
  });
});

describe('config get/set/show', () => {
  it('sets a typed value, keeps comments, writes mode 0600, and refuses invalid values without writing', () => {
    const home = tempHome();
    const file = path.join(home, 'config.yaml');
    fs.writeFileSync(file, '# my settings\nproxy:\n  port: 31000 # custom\n');
    setKeyInFile(file, 'proxy.port', '32000');
    setKeyInFile(file, 'upstream.api_key', 'sk-very-secret-value');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# my settings');
    expect(text).toContain('port: 32000');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(() => setKeyInFile(file, 'proxy.port', 'abc')).toThrow(/proxy\.port/);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    const loaded = loadConfig({ configFile: file });
    expect(getKey(loaded.config, 'proxy.port')).toBe(32000);
    expect(getKey(maskSecrets(loaded.config), 'upstream.api_key')).toBe('****alue');
  });
});
