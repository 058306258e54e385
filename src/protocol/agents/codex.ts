import { type AgentProfile, cleanId, header, stripTagged } from './types.js';

/**
 * Codex CLI (0.16x, Responses API). Its context rides in input messages of their own:
 * `<environment_context>` (cwd, shell, approval policy…), `<user_instructions>` and
 * `# AGENTS.md instructions for …` (the project's AGENTS.md), `<permissions instructions>` in
 * developer messages. Every call carries a `session_id` header (the conversation id).
 */
const TAGS = [
  'environment_context',
  'user_instructions',
  'permissions instructions',
  'INSTRUCTIONS',
] as const;
const AGENTS_MD = /^# AGENTS\.md instructions for [^\n]*\n[\s\S]*$/;

export const codex: AgentProfile = {
  id: 'codex',
  detect(p) {
    if (/^codex/.test(header(p, 'originator') ?? '')) return true;
    if (/^codex/i.test(header(p, 'user-agent') ?? '')) return true;
    const input = p.body.input;
    return Array.isArray(input) && JSON.stringify(input.slice(0, 4)).includes('<environment_context>');
  },
  humanText(text) {
    if (!text.includes('<') && !text.startsWith('# AGENTS.md')) return text.trim();
    return stripTagged(text, TAGS).replace(AGENTS_MD, '').trim();
  },
  ephemeral: () => false,
  sessionId(p) {
    return cleanId(header(p, 'session_id') ?? header(p, 'session-id') ?? header(p, 'conversation_id'));
  },
};
