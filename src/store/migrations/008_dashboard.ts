/**
 * Dashboard rollups (GET /v1/admin/*): answers in milliseconds on a store with a million turns.
 * Counters are kept by triggers in the same transaction as the row they count, so they never
 * drift and need no code on the proxy's hot path beyond one small upsert per turn. Existing stores
 * are backfilled once here. Also: token usage of learning calls, and evolution approval.
 */
const IN_TOK = `COALESCE(json_extract(NEW.usage_json, '$.input_tokens'), json_extract(NEW.usage_json, '$.prompt_tokens'), 0)`;
const OUT_TOK = `COALESCE(json_extract(NEW.usage_json, '$.output_tokens'), json_extract(NEW.usage_json, '$.completion_tokens'), 0)`;
const AGENT = `COALESCE((SELECT client FROM sessions WHERE id = NEW.session_id), '')`;

export const dashboardSchema = `
-- Requests per hour, agent (session client, '' unknown) and model, with serving tokens.
CREATE TABLE dash_traffic (
  hour INTEGER NOT NULL,                -- epoch ms of the hour's start (UTC)
  agent TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  turns INTEGER NOT NULL DEFAULT 0,     -- main turns
  errors INTEGER NOT NULL DEFAULT 0,    -- status != ok
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, agent, model)
) WITHOUT ROWID;

-- Judge rewards per UTC day of the turn and library generation (the learning curve).
CREATE TABLE dash_learning (
  day INTEGER NOT NULL,                 -- epoch ms of the UTC day's start
  generation INTEGER NOT NULL,
  judged INTEGER NOT NULL DEFAULT 0,
  reward_sum REAL NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,  -- judge score < 0
  PRIMARY KEY (day, generation)
) WITHOUT ROWID;

-- Per skill revision and generation: turns it was injected into, and their judge rewards.
CREATE TABLE dash_skill_usage (
  revision_id INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  injected INTEGER NOT NULL DEFAULT 0,
  judged INTEGER NOT NULL DEFAULT 0,
  reward_sum REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (revision_id, generation)
) WITHOUT ROWID;

-- Tokens spent by learning calls (judge, evolver, verification replays, OPD) per day, purpose, model.
CREATE TABLE learning_usage (
  day TEXT NOT NULL,                    -- UTC YYYY-MM-DD
  purpose TEXT NOT NULL,                -- judge | evolver | verification | opd
  model TEXT NOT NULL,
  calls INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, purpose, model)
) WITHOUT ROWID;

-- Per-session counters so session filters and totals never scan turns.
ALTER TABLE sessions ADD COLUMN error_turns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN judged_turns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN judge_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN reward_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN feedback_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_client_started ON sessions(client, started_at);

-- Who decided an evolution: auto (verification) or user (approve/reject); outcome filter.
ALTER TABLE evolutions ADD COLUMN decided_by TEXT;
ALTER TABLE evolutions ADD COLUMN decided_at INTEGER;
CREATE INDEX evolutions_outcome ON evolutions(outcome, id);
CREATE INDEX rewards_created ON rewards(created_at);
CREATE INDEX turns_started ON turns(started_at);

CREATE TRIGGER dash_turn_insert AFTER INSERT ON turns BEGIN
  INSERT INTO dash_traffic (hour, agent, model, requests, turns, errors, input_tokens, output_tokens)
  VALUES ((NEW.started_at / 3600000) * 3600000, ${AGENT}, COALESCE(NEW.model, ''), 1,
          NEW.kind = 'main', NEW.status != 'ok', ${IN_TOK}, ${OUT_TOK})
  ON CONFLICT (hour, agent, model) DO UPDATE SET requests = requests + 1, turns = turns + excluded.turns,
    errors = errors + excluded.errors, input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens;
  UPDATE sessions SET error_turns = error_turns + 1 WHERE id = NEW.session_id AND NEW.status != 'ok';
  INSERT INTO dash_skill_usage (revision_id, generation, injected)
    SELECT j.value, NEW.library_generation, 1 FROM json_each(COALESCE(NEW.injected_revision_ids, '[]')) j
    WHERE true
  ON CONFLICT (revision_id, generation) DO UPDATE SET injected = injected + 1;
END;

CREATE TRIGGER dash_judge_reward AFTER INSERT ON rewards WHEN NEW.source = 'judge' BEGIN
  INSERT INTO dash_learning (day, generation, judged, reward_sum, failures)
    SELECT (t.started_at / 86400000) * 86400000, t.library_generation, 1, NEW.score, NEW.score < 0
    FROM turns t WHERE t.id = NEW.turn_id
  ON CONFLICT (day, generation) DO UPDATE SET judged = judged + 1, reward_sum = reward_sum + excluded.reward_sum,
    failures = failures + excluded.failures;
  UPDATE sessions SET judged_turns = judged_turns + 1, reward_sum = reward_sum + NEW.score,
    judge_failures = judge_failures + (NEW.score < 0)
    WHERE id = (SELECT session_id FROM turns WHERE id = NEW.turn_id);
  INSERT INTO dash_skill_usage (revision_id, generation, judged, reward_sum)
    SELECT j.value, t.library_generation, 1, NEW.score
    FROM turns t, json_each(COALESCE(t.injected_revision_ids, '[]')) j WHERE t.id = NEW.turn_id
  ON CONFLICT (revision_id, generation) DO UPDATE SET judged = judged + 1, reward_sum = reward_sum + excluded.reward_sum;
END;

CREATE TRIGGER dash_feedback AFTER INSERT ON rewards WHEN NEW.source != 'judge' BEGIN
  UPDATE sessions SET feedback_count = feedback_count + 1
    WHERE id = (SELECT session_id FROM turns WHERE id = NEW.turn_id);
END;

-- Backfill from what an existing store already holds.
INSERT INTO dash_traffic (hour, agent, model, requests, turns, errors, input_tokens, output_tokens)
  SELECT (t.started_at / 3600000) * 3600000, COALESCE(s.client, ''), COALESCE(t.model, ''), COUNT(*),
         SUM(t.kind = 'main'), SUM(t.status != 'ok'),
         SUM(COALESCE(json_extract(t.usage_json, '$.input_tokens'), json_extract(t.usage_json, '$.prompt_tokens'), 0)),
         SUM(COALESCE(json_extract(t.usage_json, '$.output_tokens'), json_extract(t.usage_json, '$.completion_tokens'), 0))
  FROM turns t LEFT JOIN sessions s ON s.id = t.session_id GROUP BY 1, 2, 3;
INSERT INTO dash_learning (day, generation, judged, reward_sum, failures)
  SELECT (t.started_at / 86400000) * 86400000, t.library_generation, COUNT(*), SUM(r.score), SUM(r.score < 0)
  FROM rewards r JOIN turns t ON t.id = r.turn_id WHERE r.source = 'judge' GROUP BY 1, 2;
INSERT INTO dash_skill_usage (revision_id, generation, injected, judged, reward_sum)
  SELECT j.value, t.library_generation, COUNT(*), COUNT(r.id), COALESCE(SUM(r.score), 0)
  FROM turns t JOIN json_each(COALESCE(t.injected_revision_ids, '[]')) j
  LEFT JOIN rewards r ON r.turn_id = t.id AND r.source = 'judge' GROUP BY 1, 2;
UPDATE sessions SET
  error_turns = (SELECT COUNT(*) FROM turns t WHERE t.session_id = sessions.id AND t.status != 'ok'),
  judged_turns = (SELECT COUNT(*) FROM rewards r JOIN turns t ON t.id = r.turn_id WHERE t.session_id = sessions.id AND r.source = 'judge'),
  judge_failures = (SELECT COUNT(*) FROM rewards r JOIN turns t ON t.id = r.turn_id WHERE t.session_id = sessions.id AND r.source = 'judge' AND r.score < 0),
  reward_sum = (SELECT COALESCE(SUM(r.score), 0) FROM rewards r JOIN turns t ON t.id = r.turn_id WHERE t.session_id = sessions.id AND r.source = 'judge'),
  feedback_count = (SELECT COUNT(*) FROM rewards r JOIN turns t ON t.id = r.turn_id WHERE t.session_id = sessions.id AND r.source != 'judge');
UPDATE evolutions SET decided_by = 'auto' WHERE outcome != 'pending';
`;
