/** Sessions, turns, rewards, jobs: the proxy's record of everything it served. */
export const coreSchema = `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  client TEXT,
  source TEXT NOT NULL,                 -- header | inferred
  started_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT,                      -- explicit | idle | new-conversation | shutdown
  turn_count INTEGER NOT NULL DEFAULT 0,
  prefix_hash TEXT,                     -- chained hash of the last request's messages (inference)
  prefix_len INTEGER
);
CREATE INDEX sessions_open ON sessions(ended_at) WHERE ended_at IS NULL;
CREATE INDEX sessions_started ON sessions(started_at);

CREATE TABLE turns (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id),
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,                   -- main | side
  protocol TEXT NOT NULL,               -- openai-chat | anthropic-messages | openai-responses
  upstream_protocol TEXT,
  model TEXT,
  stream INTEGER NOT NULL,
  request_json TEXT NOT NULL,
  upstream_request_json TEXT,           -- NULL = sent exactly as received
  response_json TEXT,
  status TEXT NOT NULL,                 -- ok | error | aborted
  http_status INTEGER,
  error TEXT,
  started_at INTEGER NOT NULL,
  latency_ms REAL,
  ttft_ms REAL,
  usage_json TEXT,
  library_generation INTEGER NOT NULL DEFAULT 0,
  injected_revision_ids TEXT,           -- JSON array
  policy_version INTEGER,
  prompt_token_ids TEXT,
  response_token_ids TEXT,
  response_logprobs TEXT,
  UNIQUE(session_id, seq)
);
CREATE INDEX turns_generation ON turns(library_generation, kind);

CREATE TABLE rewards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  turn_id TEXT NOT NULL REFERENCES turns(id),
  source TEXT NOT NULL,                 -- judge | user | env
  score REAL NOT NULL,
  votes TEXT,
  rationale TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX rewards_turn ON rewards(turn_id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  dedupe_key TEXT UNIQUE,
  state TEXT NOT NULL DEFAULT 'pending', -- pending | running | done | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  run_after INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs(state, run_after);
`;
