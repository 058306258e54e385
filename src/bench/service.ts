import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { App } from '../app.js';
import { validateConfig } from '../config/load.js';
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
}): Promise<LearningService> {
  const home = o.home ?? fs.mkdtempSync(path.join(os.tmpdir(), `metaclaw-bench-${o.name}-`));
  fs.mkdirSync(home, { recursive: true });
  const config = validateConfig({ ...(o.extraConfig ?? {}), upstream: o.upstream });
  const app = new App({
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
  return {
    endpoint: { name: o.name, baseUrl: `${url}/v1`, apiKey: 'bench', endDay },
    home,
    app,
    close: () => app.stop(5000),
  };
}
