import fs from 'node:fs';
import YAML from 'yaml';
import { writeFileAtomic } from '../config/edit.js';
import { ConfigError } from '../config/errors.js';
import { validateConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Provider } from '../config/upstream.js';

/**
 * Learning modes offered by the wizard, mapped onto existing keys (there is no `mode` key):
 * - `skills`: skill injection + judge + evolution, no scheduler;
 * - `skills-rl`: the same today — this build has no RL trainer keys yet, so setup says so;
 * - `auto`: skills plus `scheduler.enabled`, which opens training windows on its own.
 */
export const MODES = ['skills', 'skills-rl', 'auto'] as const;
export type Mode = (typeof MODES)[number];

export interface SetupAnswers {
  provider: Provider;
  baseUrl: string;
  model: string;
  /** Stored in the config file (0600) … */
  apiKey?: string;
  /** … or by reference to an environment variable. */
  apiKeyEnv?: string;
  /** The user chose "no key": a stored one is removed. */
  noKey?: boolean;
  /** The agent being wired (decides whether a model map is needed). */
  agent?: string;
  mode: Mode;
  judgeModel?: string;
  evolverModel?: string;
  sleepStart?: string;
  sleepEnd?: string;
  calendarIcs?: string[];
  timezone?: string;
  proxyPort?: number;
}

/**
 * Write the answers into the YAML config, keeping the user's other keys and comments; validated
 * before anything is written, mode 0600 (it may hold a key).
 */
export function writeSetupConfig(file: string, a: SetupAnswers): Config {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const parsed = YAML.parseDocument(text);
  if (parsed.errors.length > 0) throw new ConfigError(`${file}: invalid YAML: ${parsed.errors[0]!.message}`);
  const doc = parsed.contents === null ? new YAML.Document({}) : parsed;
  const set = (key: string, value: unknown) => doc.setIn(key.split('.'), value);
  const unset = (key: string) => doc.deleteIn(key.split('.'));

  set('upstream.provider', a.provider);
  set('upstream.base_url', a.baseUrl);
  // The client's model is kept: setup writes a mapping only for clients that name models the
  // upstream does not serve (Claude Code asks for claude-* models, its background calls too).
  if (a.agent === 'claude-code' && !a.model.startsWith('claude'))
    set('upstream.model_map', { 'claude-*': a.model });
  // An earlier setup wrote upstream.model, which overrode every client's choice.
  if (doc.getIn(['upstream', 'model']) === a.model) unset('upstream.model');
  if (a.apiKeyEnv) {
    set('upstream.api_key_env', a.apiKeyEnv);
    unset('upstream.api_key');
  } else if (a.apiKey) {
    set('upstream.api_key', a.apiKey);
    unset('upstream.api_key_env');
  } else if (a.noKey) {
    unset('upstream.api_key');
    unset('upstream.api_key_env');
  }
  // Neither given: a stored key stays as it is (a re-run never drops it silently).
  set('skills.enabled', true);
  set('judge.enabled', true);
  set('evolution.enabled', true);
  set('scheduler.enabled', a.mode === 'auto');
  if (a.judgeModel) set('judge.model', a.judgeModel);
  if (a.evolverModel) set('evolution.model', a.evolverModel);
  if (a.sleepStart) set('scheduler.sleep_start', a.sleepStart);
  if (a.sleepEnd) set('scheduler.sleep_end', a.sleepEnd);
  if (a.timezone) set('scheduler.timezone', a.timezone);
  if (a.proxyPort !== undefined) set('proxy.port', a.proxyPort);
  if (a.calendarIcs && a.calendarIcs.length > 0) set('scheduler.calendar.ics', a.calendarIcs);

  const config = validateConfig(doc.toJS() ?? {}, file);
  writeFileAtomic(file, doc.toString(), 0o600);
  return config;
}

/** `23:00-07:00` → start/end. */
export function parseSleepRange(raw: string): { start: string; end: string } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(raw.trim());
  return m ? { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}` } : null;
}
