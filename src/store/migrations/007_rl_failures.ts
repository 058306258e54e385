/**
 * RL failures (heartbeat, step, checkpoint, swap, reopen) so `status` and the dashboard can show
 * them after the fact; and the never-used `generation_members` table is dropped.
 */
export const rlFailuresSchema = `
CREATE TABLE rl_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,                   -- heartbeat | step | checkpoint | swap | open
  code TEXT,                            -- TinkerError code when known
  message TEXT NOT NULL,
  recovered_at INTEGER                  -- set when a later success cleared it
);
CREATE INDEX rl_failures_at ON rl_failures(at);

DROP TABLE IF EXISTS generation_members;
`;
