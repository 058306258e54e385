import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { getKey, setKeyInFile, unsetKeyInFile } from '../../../src/config/edit.js';
import { isKnownKey, suggestKey } from '../../../src/config/keys.js';
import { changedKeys, LiveConfig } from '../../../src/config/live.js';
import { loadConfig, validateConfig } from '../../../src/config/load.js';
import { mapModel } from '../../../src/config/model-map.js';
import { NO_UPSTREAM_HELP } from '../../../src/config/upstream.js';
import { tempHome } from '../../helpers/tmp.js';

describe('config keys', () => {
  it('suggests the closest key for a typo, in set and in the file', () => {
    expect(suggestKey('judge.modle')).toBe('judge.model');
    expect(suggestKey('jugde.model')).toBe('judge.model');
    expect(() => validateConfig({ judge: { modle: 'x' } })).toThrow(/did you mean `judge.model`/);
    const file = path.join(tempHome(), 'config.yaml');
    expect(() => setKeyInFile(file, 'judge.modle', 'm')).toThrow(/did you mean `judge.model`/);
    expect(isKnownKey('judge.model')).toBe(true);
    expect(isKnownKey('judge.modle')).toBe(false);
  });

  it('unset removes a key so its default applies again; map keys keep their dots', () => {
    const file = path.join(tempHome(), 'config.yaml');
    setKeyInFile(file, 'proxy.port', '4000');
    setKeyInFile(file, 'upstream.model_map.gpt-4.1', 'local-model');
    expect(loadConfig({ configFile: file }).config.upstream.model_map).toEqual({ 'gpt-4.1': 'local-model' });
    expect(getKey(loadConfig({ configFile: file }).config, 'upstream.model_map.gpt-4.1')).toBe('local-model');
    expect(unsetKeyInFile(file, 'proxy.port').removed).toBe(true);
    expect(loadConfig({ configFile: file }).config.proxy.port).toBe(30000);
    expect(unsetKeyInFile(file, 'proxy.port').removed).toBe(false);
  });
});

describe('upstream.model_map', () => {
  it('maps exact names first, then globs; unmatched models pass through', () => {
    const map = { 'claude-*': 'big', 'claude-haiku-4-5': 'small' };
    expect(mapModel(map, 'claude-haiku-4-5')).toBe('small');
    expect(mapModel(map, 'claude-sonnet-4-5')).toBe('big');
    expect(mapModel(map, 'gpt-4.1')).toBeUndefined();
    // The 503 without an upstream points at the wizard.
    expect(NO_UPSTREAM_HELP).toContain('metaclaw setup');
  });
});

describe('live config', () => {
  it('applies live keys on reload and lists the rest as restart needed', () => {
    const home = tempHome();
    const file = path.join(home, 'config.yaml');
    fs.writeFileSync(file, 'logging:\n  level: info\n');
    const loaded = loadConfig({ configFile: file });
    const log = pino({ level: 'warn' });
    const live = new LiveConfig(
      loaded,
      [
        {
          keys: ['logging.level'],
          apply: (next) => {
            log.level = next.logging.level;
            return [];
          },
        },
      ],
      log,
    );
    setKeyInFile(file, 'logging.level', 'error');
    setKeyInFile(file, 'proxy.port', '4567');
    const st = live.reload();
    expect(log.level).toBe('error');
    expect(st.reloaded).toEqual(['logging.level']);
    expect(st.restart_needed).toEqual(['proxy.port']);
    // Back to the started value: no restart needed any more.
    unsetKeyInFile(file, 'proxy.port');
    expect(live.reload().restart_needed).toEqual([]);
    expect(changedKeys({ a: { b: 1 } }, { a: { b: 2 } })).toEqual(['a.b']);
  });
});
