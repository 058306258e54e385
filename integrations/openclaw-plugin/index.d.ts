// Types for index.js (the plugin ships as plain JavaScript; OpenClaw loads it as is).

export const PROVIDER_ID: 'metaclaw';
export const COMPACTION_MAX_MS: number;

export interface PluginSettings {
  proxyUrl: string | null;
  apiKey: string | null;
}

export function settingsFrom(api: {
  config?: unknown;
  pluginConfig?: Record<string, unknown>;
}): PluginSettings;

export class SessionState {
  constructor(file?: string | null);
  file: string | null;
  readonly ids: Map<string, string>;
  readonly fresh: Set<string>;
  readonly compacting: Map<string, number>;
  lastSession: string | null;
  current(ocId: string): string;
  retire(ocId: string, now?: number): string | null;
  alias(nextId: string, prevId: string): void;
  forget(ocId: string): void;
  setCompacting(ocId: string | undefined, on: boolean, now?: number): void;
  compactingNow(now?: number): string[];
  headersFor(sessionId: string | undefined, now?: number): Record<string, string>;
}

export function endSession(
  s: PluginSettings,
  sessionId: string | null | undefined,
  log: { warn(m: string): void },
  doFetch?: typeof fetch,
): Promise<void>;

export type StreamFn = (model: unknown, context: unknown, options?: Record<string, unknown>) => unknown;
export type HookHandler = (event: Record<string, unknown>, ctx: Record<string, unknown>) => unknown;

/** The part of OpenClaw's plugin API the plugin uses. */
export interface PluginApi {
  config?: unknown;
  pluginConfig?: Record<string, unknown>;
  logger?: { info(m: string): void; warn(m: string): void };
  runtime?: { state?: { resolveStateDir?: () => string } };
  registerProvider(provider: {
    id: string;
    label: string;
    auth: unknown[];
    wrapStreamFn?: (ctx: { streamFn?: StreamFn; provider?: string; modelId?: string }) => StreamFn | undefined;
  }): void;
  on(hook: string, handler: HookHandler): void;
}

export function register(api: PluginApi, deps?: { fetch?: typeof fetch; state?: SessionState }): void;

declare const plugin: {
  id: string;
  name: string;
  description: string;
  register(api: PluginApi): void;
};
export default plugin;
