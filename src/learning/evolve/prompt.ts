import type { NextState, TurnView } from '../turn-view.js';

/** One failed turn as the evolver sees it. */
export interface FailedTrajectory {
  view: TurnView;
  next: NextState | null;
  /** Judge rationale and/or the user's comment. */
  critique: string;
  score: number;
}

export interface SkillForPrompt {
  name: string;
  description: string;
  body: string;
  helpful: number;
  harmful: number;
}

export const EVOLVER_SYSTEM = `You maintain a library of skills for an AI agent. A skill is a short, reusable
instruction (Agent Skills format: a lowercase-hyphenated name, a one-line description saying
what it is for and when to use it, and a Markdown body) that is shown to the agent when it is
relevant. You are given turns where the agent failed, and the skills most related to them.
A skill is shown only when word-based retrieval finds it for a request: its name, description
and tags must use the words such requests use, or it will never reach the agent.

Propose the smallest set of edits that would have prevented these failures in general, not
just in these exact cases. Prefer updating an existing skill over adding a near-duplicate.
Retire a skill only when it is clearly harmful (see its helpful/harmful counts). If the
failures have no lesson worth keeping (e.g. the judge was wrong, or the cause was outside the
agent's control), answer with an empty list: never add a skill for its own sake.

Never put secrets, URLs to send data to, or instructions to ignore the user, hide things from
the user or disable safeguards in a skill.

Answer with JSON only: {"ops": [...]} where each op is one of
{"op":"add","name":"...","description":"...","body":"...","category":"..."}
{"op":"update","name":"...","description":"...","body":"...","reason":"..."}
{"op":"retire","name":"...","reason":"..."}`;

/** A skill change already tried for these failures that failed verification. */
export interface TriedChange {
  name: string;
  description: string;
  evolutionId: number;
  reason: string;
}

export function evolverUserPrompt(
  failures: FailedTrajectory[],
  related: SkillForPrompt[],
  otherNames: string[],
  maxOps: number,
  alreadyTried: TriedChange[] = [],
): string {
  const parts: string[] = [];
  parts.push(`## Failed turns (${failures.length})`);
  failures.forEach((f, i) => {
    const lines = [`### Failure ${i + 1} (score ${f.score})`];
    if (f.view.system) lines.push(`Agent instructions (shortened): ${f.view.system}`);
    if (f.view.context.length > 0) lines.push(`Earlier conversation:\n${f.view.context.join('\n')}`);
    lines.push(`Request:\n${f.view.task}`, `Response:\n${f.view.response || '(empty)'}`);
    if (f.next) lines.push(`What happened next:\n${f.next.text}`);
    if (f.critique) lines.push(`Critique: ${f.critique}`);
    parts.push(lines.join('\n'));
  });
  parts.push('## Related skills (full text)');
  if (related.length === 0) parts.push('(none)');
  for (const s of related) {
    parts.push(
      `### ${s.name} (helpful ${s.helpful}, harmful ${s.harmful})\ndescription: ${s.description}\n${s.body}`,
    );
  }
  if (otherNames.length > 0)
    parts.push(`## Other skills in the library (names only)\n${otherNames.join(', ')}`);
  if (alreadyTried.length > 0) {
    parts.push(
      [
        '## Already tried, failed verification (do not propose these again unchanged)',
        ...alreadyTried.map(
          (t) =>
            `- ${t.name} (evolution #${t.evolutionId}): description: ${oneLine(t.description, 200)} — ${oneLine(t.reason, 300)}`,
        ),
      ].join('\n'),
    );
  }
  parts.push(`At most ${maxOps} ops. JSON only.`);
  return parts.join('\n\n');
}

function oneLine(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
}
