import path from 'node:path';
import pino from 'pino';
import { App } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { tempHome } from './tmp.js';

export interface TestProxy {
  app: App;
  url: string;
  home: string;
  close(): Promise<void>;
}

export { tempHome };

/** Start a real proxy on 127.0.0.1 with an ephemeral port and a fresh SQLite store. */
export async function startProxy(
  raw: Record<string, unknown>,
  opts: { home?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<TestProxy> {
  const home = opts.home ?? tempHome();
  // Judging calls the upstream too; tests that are not about learning keep it off so the fake
  // LLM only sees the calls they make.
  const config = validateConfig({ ...raw, judge: { enabled: false, ...(raw.judge as object | undefined) } });
  const app = await App.create({
    loaded: { config, file: path.join(home, 'config.yaml'), home, fileExists: false },
    port: 0,
    env: opts.env ?? {},
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  await app.start();
  return {
    app,
    url: app.url,
    home,
    close: async () => {
      await app.stop(2000);
    },
  };
}

export function openaiUpstream(fakeUrl: string, extra: Record<string, unknown> = {}) {
  return { provider: 'openai', base_url: `${fakeUrl}/v1`, api_key: 'upstream-secret', ...extra };
}

export function anthropicUpstream(fakeUrl: string, extra: Record<string, unknown> = {}) {
  return { provider: 'anthropic', base_url: fakeUrl, api_key: 'upstream-secret', ...extra };
}

/** Poll until `fn` returns a truthy value (for background effects such as recording). */
export async function eventually<T>(fn: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
