/** Agents MetaClaw can wire itself into. `generic` only prints settings; it edits nothing. */
export const AGENT_IDS = ['openclaw', 'claude-code', 'codex', 'generic'] as const;
export type AgentId = (typeof AGENT_IDS)[number];

export function isAgentId(s: string): s is AgentId {
  return (AGENT_IDS as readonly string[]).includes(s);
}

/** Runs a command; injectable so tests never restart a real gateway. */
export type CommandRunner = (
  file: string,
  args: string[],
  opts?: { timeoutMs?: number },
) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** Everything an integration needs; nothing is read from globals (HOME comes in here). */
export interface IntegrationContext {
  /** The user's home folder holding `~/.openclaw`, `~/.claude`, `~/.codex`. */
  userHome: string;
  /** MetaClaw's home (`~/.metaclaw`): the wiring state file lives there. */
  metaclawHome: string;
  /** Proxy root URL as clients reach it, e.g. `http://127.0.0.1:30000` (no `/v1`). */
  proxyUrl: string;
  /** `proxy.api_key`, when one is configured. */
  proxyKey?: string;
  /**
   * How an agent's hook runs this MetaClaw: absolute node and `bin/metaclaw.js` (plus `--config
   * FILE` when a config file is in use), so neither PATH nor the agent's cwd matters.
   */
  metaclawCommand: string[];
  /** Model name the agent should ask for (the proxy may replace it with `upstream.model`). */
  model: string;
  /** Finds an executable on PATH; null when absent. */
  which(cmd: string): string | null;
  run: CommandRunner;
  /** One human-readable line of progress. */
  say(line: string): void;
}

export interface InstallOptions {
  /** OpenClaw: which wire protocol the provider entry speaks. */
  openclawApi?: 'anthropic-messages' | 'openai-completions';
  contextWindow?: number;
  maxTokens?: number;
  /** Claude Code: print the settings instead of writing them. */
  printOnly?: boolean;
  /** Skip `openclaw gateway restart` even when the command exists. */
  noRestart?: boolean;
  /** OpenClaw: also install the MetaClaw plugin (exact session ids and ends). */
  plugin?: boolean;
  /** Claude Code, Codex: add the SessionStart / SessionEnd hooks (default true). */
  hooks?: boolean;
}

export interface WiringStatus {
  wired: boolean;
  /** True when the wiring is recorded but the agent's file no longer carries it. */
  drifted: boolean;
  detail: string;
}

export interface AgentIntegration {
  id: AgentId;
  title: string;
  /** The config file the integration edits (null for `generic`). */
  configFile(ctx: Pick<IntegrationContext, 'userHome'>): string | null;
  install(ctx: IntegrationContext, opts: InstallOptions): Promise<void>;
  /** Undo `install`, restoring the previous selection exactly. No-op when not wired. */
  remove(ctx: IntegrationContext): Promise<void>;
  status(ctx: IntegrationContext): WiringStatus;
}

/** A wiring problem the user can act on (unparsable agent config, conflicting entries). */
export class IntegrationError extends Error {
  readonly code = 'integration_error';
}

/** Placeholder key for agents that insist on one when the proxy has no `proxy.api_key`. */
export const PLACEHOLDER_KEY = 'metaclaw-local';

/** Installing selects a model in the agent, so one must be known (flag or upstream.model). */
export function assertModel(ctx: IntegrationContext): void {
  if (!ctx.model)
    throw new IntegrationError(
      'no model to select in the agent: pass --model NAME or set upstream.model (metaclaw config set upstream.model NAME)',
    );
}

/** POSIX shell quoting, only where needed (agents run hook commands through a shell). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_/.:@%+=,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line of an agent hook: `<node> <bin/metaclaw.js> [--config FILE] hook AGENT`. */
export function hookCommand(ctx: Pick<IntegrationContext, 'metaclawCommand'>, agent: AgentId): string {
  return [...ctx.metaclawCommand, 'hook', agent].map(shellQuote).join(' ');
}
