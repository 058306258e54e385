import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import { generic } from './generic.js';
import { openclaw } from './openclaw.js';
import type { AgentProbe, AgentProfile } from './types.js';

export type { AgentId, AgentProbe, AgentProfile } from './types.js';

/** Known agents, most specific first; `generic` matches everything else. */
const PROFILES: readonly AgentProfile[] = [claudeCode, codex, openclaw];

export function detectAgent(p: AgentProbe): AgentProfile {
  for (const a of PROFILES) if (a.detect(p)) return a;
  return generic;
}
