import { type AgentProfile, cleanId, header } from './types.js';

/**
 * OpenClaw (2026.9.x). Its scaffolding, as it sends it:
 * - runtime context between `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>` and
 *   `<<<END_OPENCLAW_INTERNAL_CONTEXT>>>` (active exec sessions, subagents, …), usually as an extra
 *   user message at the end of the request that OpenClaw does not keep in its history;
 * - a `Runtime: agent=… | session=… | sessionId=… | host=… | model=…` line describing the agent
 *   and session (in `openai-completions` mode appended to the user's message);
 * - channel metadata blocks: `Conversation info (untrusted metadata):` followed by a json fence
 *   (also `Sender`, `Forwarded message context`, `Location`, `Structured object`).
 * The MetaClaw plugin adds `X-Session-Id`; without it sessions are inferred.
 */
const BEGIN = '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>';
const END = '<<<END_OPENCLAW_INTERNAL_CONTEXT>>>';
const RUNTIME_NOTICE = /This context is runtime-generated, not user-authored\./;
const METADATA_BLOCK =
  /^(?:Conversation info|Sender|Forwarded message context|Location|Structured object|Untrusted context)[^\n]*\(untrusted[^\n]*\):[ \t]*\n```[a-z]*\n[\s\S]*?\n```[ \t]*$/gm;
/** `Runtime: agent=main | session=… | sessionId=… | host=… | model=…` (in openai-completions mode on the user's message). */
const RUNTIME_LINE = /^Runtime: [a-z_]+=.*$/gm;
/** OpenClaw prefixes a user message with its time: `[Fri 2026-12-04 18:22 UTC] …`. */
const TIME_PREFIX = /^\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?(?: [A-Za-z+\-0-9:]+)?\]\s*/;

function stripInternal(text: string): string {
  let out = text;
  for (;;) {
    const start = out.indexOf(BEGIN);
    if (start < 0) break;
    const end = out.indexOf(END, start + BEGIN.length);
    // An unterminated block runs to the end of the text, as OpenClaw itself treats it.
    out = end < 0 ? out.slice(0, start) : `${out.slice(0, start)}${out.slice(end + END.length)}`;
  }
  return out.includes(END) ? out.split(END).join('') : out;
}

export const openclaw: AgentProfile = {
  id: 'openclaw',
  detect(p) {
    const ua = header(p, 'user-agent') ?? '';
    if (/openclaw/i.test(ua)) return true;
    if (p.system.includes('OpenClaw')) return true;
    const m = p.body.messages;
    if (!Array.isArray(m) || m.length === 0) return false;
    return JSON.stringify(m.at(-1)).includes(BEGIN);
  },
  humanText(text) {
    if (
      !text.includes(BEGIN) &&
      !text.includes('untrusted') &&
      !text.includes('Runtime: ') &&
      !text.startsWith('[')
    )
      return text.trim();
    let out = stripInternal(text);
    if (RUNTIME_NOTICE.test(out)) out = '';
    out = out.replace(METADATA_BLOCK, '').replace(RUNTIME_LINE, '');
    return out.trim().replace(TIME_PREFIX, '').trim();
  },
  ephemeral(text) {
    return text.trimStart().startsWith(BEGIN) && stripInternal(text).trim() === '';
  },
  sessionId(p) {
    return cleanId(header(p, 'x-session-id'));
  },
};
