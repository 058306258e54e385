/**
 * Every judge vote's own rationale (a JSON array beside `votes`), so the dashboard shows why each
 * vote scored what it did, not only the rationale of the vote that agreed with the majority.
 * Older rows keep NULL: they show the one stored rationale.
 */
export const voteRationalesSchema = `
ALTER TABLE rewards ADD COLUMN vote_rationales TEXT;
ALTER TABLE judge_cache ADD COLUMN vote_rationales TEXT;
`;
