/** Judge health: votes and invalid votes (no parsable `Score:` line) per local day and judge model. */
export const judgeHealthSchema = `
CREATE TABLE judge_health (
  day TEXT NOT NULL,                    -- local YYYY-MM-DD, the same day as llm_calls
  model TEXT NOT NULL,                  -- the judge model asked
  votes INTEGER NOT NULL DEFAULT 0,     -- votes that got a reply
  invalid INTEGER NOT NULL DEFAULT 0,   -- still no Score line after the format reminder
  retried INTEGER NOT NULL DEFAULT 0,   -- votes that needed the format reminder
  last_invalid TEXT,                    -- the latest invalid reply (shortened), for diagnosis
  warned_at INTEGER,                    -- when the service log warned (once per day and model)
  PRIMARY KEY (day, model)
);
`;
