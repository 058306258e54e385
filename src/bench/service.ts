import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { App } from '../app.js';
import { validateConfig } from '../config/load.js';
import { UsageMeter } from './meter.js';
import type { ConditionEndpoint } from './runner.js';

export interface LearningService {
  endpoint: ConditionEndpoint;
  home: string;
  app: App;
  close(): Promise<void>;
}

/**
 * MetaClaw in-process for a learning condition, on an ephemeral loopback port with its own home
 * (fresh per run unless `home` is given), so runs never share skills or turns.
 */
export async function startLearningService(o: {
  name: string;
  upstream: Record<string, unknown>;
  extraConfig?: Record<string, unknown>;
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** The protocol the agent speaks to MetaClaw (default OpenAI Chat on `/v1`). */
  protocol?: 'openai' | 'anthropic';
}): Promise<LearningService> {
  const home = o.home ?? fs.mkdtempSync(path.join(os.tmpdir(), `metaclaw-bench-${o.name}-`));
  fs.mkdirSync(home, { recursive: true });
  // Every LLM endpoint MetaClaw uses goes through a meter, so its learning tokens can be counted.
  const meters: UsageMeter[] = [];
  const metered = async (section: unknown): Promise<unknown> => {
    const s = section as Record<string, unknown> | undefined;
    if (!s || typeof s.base_url !== 'string') return section;
    const m = new UsageMeter(s.base_url);
    meters.push(m);
    return { ...s, base_url: await m.start() };
  };
  const extra = { ...(o.extraConfig ?? {}) };
  for (const k of ['judge', 'evolution'] as const) if (extra[k]) extra[k] = await metered(extra[k]);
  const config = validateConfig({ ...extra, upstream: await metered(o.upstream) });
  const app = await App.create({
    loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
    port: 0,
    env: o.env ?? {},
    log: pino({ level: 'silent' }),
  });
  await app.start();
  const url = app.url;
  const endDay = async (sessionId: string): Promise<void> => {
    const res = await fetch(`${url}/v1/admin/sessions/${encodeURIComponent(sessionId)}/end`, {
      method: 'POST',
    });
    // 404: the day made no model call through MetaClaw, so there is no session to end.
    if (!res.ok && res.status !== 404) throw new Error(`ending session ${sessionId}: HTTP ${res.status}`);
    // Judging and evolution finish before the next day starts, as a day boundary in the paper.
    await app.runner.idle(120_000);
  };
  const upstreamUsage = () => {
    const u = { input: 0, output: 0, calls: 0 };
    for (const m of meters) {
      u.input += m.usage.input;
      u.output += m.usage.output;
      u.calls += m.usage.calls;
    }
    return u;
  };
  return {
    endpoint: {
      name: o.name,
      // The Anthropic SDK appends /v1/messages itself.
      baseUrl: o.protocol === 'anthropic' ? url : `${url}/v1`,
      apiKey: 'bench',
      endDay,
      upstreamUsage,
    },
    home,
    app,
    close: async () => {
      await app.stop(5000);
      for (const m of meters) await m.close();
    },
  };
}
