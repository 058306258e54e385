import type { BenchRound } from './dataset.js';

/** Feedback wording of the reference runner, so the learning signal matches the paper's. */
export const CONTINUE_REMINDER = 'Keep this in mind as you continue with the next task.';
export const FORMAT_ERROR =
  'Note: your previous response did not include a \\bbox{X} answer ' +
  '(e.g. \\bbox{A} for a single option, or \\bbox{A,B} for multiple options). ' +
  CONTINUE_REMINDER;

export interface RoundOutcome {
  /** multi_choice: the letters chosen, or null when no answer box was found. */
  chosen?: string[] | null;
  /** file_check: did the checker pass. */
  passed?: boolean;
}

/** The feedback text for a scored round. */
export function feedbackText(round: BenchRound, outcome: RoundOutcome): string {
  if (round.type === 'file_check') {
    if (outcome.passed) return round.feedback.correct;
    // An empty `incorrect` text stays empty (no reminder alone), as in the reference.
    return round.feedback.incorrect ? `${round.feedback.incorrect}\n${CONTINUE_REMINDER}` : '';
  }
  const chosen = outcome.chosen;
  if (chosen == null) return FORMAT_ERROR;
  const want = new Set(round.eval.answer);
  const got = new Set(chosen);
  const missed = [...want].filter((o) => !got.has(o)).sort();
  const wrong = [...got].filter((o) => !want.has(o)).sort();
  if (missed.length === 0 && wrong.length === 0) return round.feedback.correct;
  const expl = (o: string) => round.feedback.options[o] ?? '';
  const lines = [
    ...missed.map((o) => `You missed option ${o}: ${expl(o)}`),
    ...wrong.map((o) => `You incorrectly selected option ${o}: ${expl(o)}`),
    CONTINUE_REMINDER,
  ];
  return lines.join('\n');
}

/** The user message of a round: from the second round on, prefixed with the previous feedback. */
export function withFeedback(feedback: string | null, question: string): string {
  return feedback ? `[Previous Feedback] ${feedback}\n\n${question}` : question;
}

/** The standalone, unscored message after a day's last round. */
export function standaloneFeedback(feedback: string): string {
  return `[Previous Feedback] ${feedback}`;
}
