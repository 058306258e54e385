import type { NextState, TurnView } from '../turn-view.js';

export const JUDGE_SYSTEM = `You evaluate one response of an AI agent to its user.
Decide whether the response accomplished what was asked. Use the next state as evidence: a
follow-up that corrects, repeats the request or complains means the response failed; tool
results show whether tool calls worked; a follow-up that moves on to a new request is mild
evidence of success.
Answer with a short rationale (at most three sentences), then a last line that is exactly one of:
Score: 1
Score: 0
Score: -1
(1 = accomplished, 0 = unclear or partial, -1 = failed or wrong).`;

export function judgeUserPrompt(view: TurnView, next: NextState | null): string {
  const parts: string[] = [];
  if (view.system) parts.push(`## Agent instructions (shortened)\n${view.system}`);
  if (view.context.length > 0) parts.push(`## Earlier conversation\n${view.context.join('\n')}`);
  parts.push(`## Request\n${view.task || '(empty)'}`);
  parts.push(`## Response\n${view.response || '(empty response)'}`);
  parts.push(`## Next state\n${next ? next.text || '(nothing new)' : '(not known)'}`);
  return parts.join('\n\n');
}

/** Sent once when a vote's reply has no parsable `Score:` line; a second miss is an invalid vote. */
export const FORMAT_REMINDER =
  'Your reply did not end with a line `Score: 1`, `Score: 0` or `Score: -1`. Reply again, ending with that line.';

/** The judge question again, with the unparsable reply quoted and the format reminder after it. */
export function judgeRetryPrompt(user: string, previousReply: string): string {
  const prev = previousReply.trim();
  const quoted = prev.length > 2000 ? `${prev.slice(0, 2000)} …` : prev || '(empty reply)';
  return `${user}\n\n## Your previous reply\n${quoted}\n\n${FORMAT_REMINDER}`;
}
