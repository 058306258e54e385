export type Vote = -1 | 0 | 1;

export interface ParsedVote {
  score: Vote | null;
  rationale: string;
}

const SCORE_LINE = /^\s*\**\s*score\s*\**\s*[:=]\s*\**\s*([+-]?\d+(?:\.\d+)?)\s*\**\s*$/i;

/**
 * The judge answers with a short rationale and a last line `Score: 1|0|-1`. The LAST such line
 * wins (a rationale may quote the format); anything else is an invalid vote (null).
 */
export function parseJudgeReply(text: string): ParsedVote {
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = SCORE_LINE.exec(lines[i]!);
    if (!m) continue;
    const n = Number(m[1]);
    const rationale = lines.slice(0, i).join('\n').trim();
    if (n === 1 || n === 0 || n === -1) return { score: n as Vote, rationale };
    return { score: null, rationale };
  }
  return { score: null, rationale: text.trim() };
}

/** Majority of the valid votes; a tie, or no valid vote at all, is 0 (no signal). */
export function majorityVote(votes: (Vote | null)[]): Vote {
  const counts = new Map<Vote, number>();
  for (const v of votes) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: Vote = 0;
  let bestCount = 0;
  let tie = false;
  for (const [v, c] of counts) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
      tie = false;
    } else if (c === bestCount) tie = true;
  }
  return bestCount === 0 || tie ? 0 : best;
}
