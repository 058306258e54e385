import type { LiveStatus } from '../config/live.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { INTEGRATIONS, integrationContext } from '../integrations/registry.js';
import { loadWiringState } from '../integrations/state.js';
import { type AgentId, IntegrationError } from '../integrations/types.js';
import { runningService } from './pidfile.js';

/** Keys the wired agents copy into their own settings. */
const WIRING_KEYS = new Set(['proxy.port', 'proxy.host', 'proxy.api_key']);

/** Agents re-wired on their own: nothing to choose (no model, no gateway restart). */
const AUTO_REWIRE: AgentId[] = ['claude-code'];

/**
 * After `config set` / `unset` wrote the file: ask the running service to reload it (it says
 * what it applied and what needs a restart), and re-wire the agents that copied a changed
 * proxy setting. `before` is the config as it was before the change (its key authenticates).
 * Returns lines to print.
 */
export async function applyConfigChange(
  before: LoadedConfig,
  keys: string[],
  o: { userHome?: string } = {},
): Promise<string[]> {
  const lines: string[] = [];
  const svc = runningService(before.home);
  if (svc) lines.push(...(await askReload(svc.url, before.config.proxy.api_key, keys)));
  if (keys.some((k) => WIRING_KEYS.has(k))) lines.push(...(await rewire(before, o.userHome)));
  return lines;
}

async function askReload(url: string, key: string | undefined, keys: string[]): Promise<string[]> {
  let status: LiveStatus;
  try {
    const res = await fetch(`${url}/v1/admin/config/reload`, {
      method: 'POST',
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    status = (await res.json()) as LiveStatus;
  } catch {
    return [`restart needed: the running service did not confirm a reload (metaclaw stop && metaclaw start)`];
  }
  if (status.error) return [`the running service cannot load the file: ${status.error}`];
  const restart = keys.filter((k) => status.restart_needed.some((r) => r === k || r.startsWith(`${k}.`)));
  if (restart.length > 0)
    return [`restart needed for ${restart.join(', ')}: metaclaw stop && metaclaw start`];
  return ['the running service applied it (no restart needed)'];
}

/** Re-wire agents whose settings hold the proxy URL or key; name the command for the others. */
async function rewire(before: LoadedConfig, userHome?: string): Promise<string[]> {
  const after = loadConfig({ configFile: before.file });
  const lines: string[] = [];
  const ctx = integrationContext({ loaded: after, userHome, say: (l) => lines.push(l) });
  const wired = Object.keys(loadWiringState(before.home, ctx.userHome)) as AgentId[];
  for (const id of wired) {
    if (id === 'generic') continue;
    if (!AUTO_REWIRE.includes(id)) {
      lines.push(
        `${id} still points at the old proxy settings: run \`metaclaw integrate ${id}\` to re-wire it`,
      );
      continue;
    }
    try {
      await INTEGRATIONS[id].install(ctx, {});
    } catch (err) {
      if (!(err instanceof IntegrationError)) throw err;
      lines.push(`could not re-wire ${id} (${err.message}): run \`metaclaw integrate ${id}\``);
    }
  }
  return lines;
}
