/**
 * The safety screen for evolved skills. A skill is injected into every relevant prompt, so an
 * evolver that was itself misled (e.g. by a prompt-injected tool result in a failed trajectory)
 * must not be able to plant secrets, exfiltration or jailbreak instructions. Each rule has an id
 * that rejections cite; the list is documented in README.
 */
export interface SafetyRule {
  id: string;
  why: string;
  test(text: string): boolean;
}

const EXFIL_HOSTS =
  /\b(?:ngrok(?:-free)?\.(?:io|app|dev)|webhook\.site|requestbin|pipedream\.net|pastebin\.com|burpcollaborator|interact\.sh|oast\.(?:fun|me|pro|live|site|online))\b/i;
const SEND_VERB = /\b(?:send|post|upload|exfiltrate|transmit|forward|report|leak|curl|wget|beacon)\b/i;
const URL = /\bhttps?:\/\/[^\s)>\]"']+/i;

export const SAFETY_RULES: SafetyRule[] = [
  {
    id: 'secret',
    why: 'contains something that looks like a credential (API key, token, private key)',
    test: (t) =>
      /\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,}|tml-[A-Za-z0-9]{20,})\b/.test(
        t,
      ) ||
      /-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----/.test(t) ||
      /\b(?:password|passwd|api[_-]?key|secret|token)\s*[:=]\s*['"]?[^\s'"]{8,}/i.test(t),
  },
  {
    id: 'exfiltration',
    why: 'tells the agent to send data to an outside address, or names a known data-capture host',
    test: (t) => EXFIL_HOSTS.test(t) || t.split('\n').some((line) => URL.test(line) && SEND_VERB.test(line)),
  },
  {
    id: 'override-user',
    why: 'tells the agent to ignore or deceive its user, or to ignore its instructions',
    test: (t) =>
      /\b(?:ignore|disregard|override|forget)\s+(?:all\s+|any\s+|the\s+|your\s+|previous\s+|prior\s+|earlier\s+)*(?:instructions|user|system prompt|rules|guidelines)\b/i.test(
        t,
      ) ||
      /\b(?:do not|don't|never)\s+(?:tell|inform|let)\s+the\s+user\b/i.test(t) ||
      /\b(?:hide|conceal)\s+(?:this|it|the \w+)\s+from\s+the\s+user\b/i.test(t),
  },
  {
    id: 'disable-safeguards',
    why: 'tells the agent to disable or bypass safeguards, confirmations or permissions',
    test: (t) =>
      /\b(?:disable|bypass|turn off|skip|circumvent|work around)\s+(?:the\s+|all\s+|any\s+)?(?:safety|safeguards?|guardrails?|confirmations?|permission(?:s| checks?)|sandbox|content filters?|security checks?)\b/i.test(
        t,
      ) || /--dangerously-skip-permissions|--no-verify\b|\bsudo\s+rm\s+-rf\s+\//i.test(t),
  },
];

/** The rules a text breaks (empty = safe). */
export function screenText(text: string): SafetyRule[] {
  return SAFETY_RULES.filter((r) => r.test(text));
}
