import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { writeSetupConfig } from '../../../src/integrations/setup-config.js';
import { tempHome } from '../../helpers/tmp.js';

describe('setup writes the config', () => {
  it('a re-run without a key keeps the stored one; a map, not an override, and an old override goes', () => {
    const file = path.join(tempHome(), 'config.yaml');
    const base = { provider: 'openai' as const, baseUrl: 'http://127.0.0.1:9/v1', mode: 'skills' as const };
    writeSetupConfig(file, { ...base, model: 'm1', apiKey: 'sk-stored-1234', agent: 'openclaw' });
    fs.appendFileSync(file, '');
    const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
    doc.upstream.model = 'm2'; // what an older setup wrote
    fs.writeFileSync(file, YAML.stringify(doc));
    writeSetupConfig(file, { ...base, model: 'm2', agent: 'claude-code' });
    const y = YAML.parse(fs.readFileSync(file, 'utf8'));
    expect(y.upstream.api_key).toBe('sk-stored-1234');
    expect(y.upstream.model).toBeUndefined();
    expect(y.upstream.model_map).toEqual({ 'claude-*': 'm2' });
    writeSetupConfig(file, { ...base, model: 'm2', noKey: true });
    expect(YAML.parse(fs.readFileSync(file, 'utf8')).upstream.api_key).toBeUndefined();
  });
});
