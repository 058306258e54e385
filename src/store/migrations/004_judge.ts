/** Judge cache and call budget; which evolution consumed a turn as support. */
export const judgeSchema = `
CREATE TABLE judge_cache (
  hash TEXT PRIMARY KEY,                -- content hash of (prompt, model, votes)
  score REAL NOT NULL,
  votes TEXT NOT NULL,
  rationale TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE llm_calls (
  day TEXT NOT NULL,                    -- local YYYY-MM-DD
  purpose TEXT NOT NULL,                -- judge | evolve | verify
  calls INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, purpose)
);

ALTER TABLE turns ADD COLUMN consumed_by_evolution INTEGER;
CREATE UNIQUE INDEX rewards_one_judge ON rewards(turn_id) WHERE source = 'judge';
CREATE INDEX rewards_negative ON rewards(turn_id) WHERE score < 0;
`;
