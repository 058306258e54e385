/** Skill library, evolutions, RL samples and training steps, scheduler transitions. */
export const learningSchema = `
CREATE TABLE generations (
  number INTEGER PRIMARY KEY,
  cause TEXT NOT NULL,                  -- init | evolution | import | manual | sync | rollback
  detail TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE skills (
  name TEXT PRIMARY KEY,
  active_revision_id INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE skill_revisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  status TEXT NOT NULL,                 -- candidate | active | retired
  description TEXT NOT NULL,
  body TEXT NOT NULL,
  frontmatter TEXT NOT NULL,            -- JSON of the full frontmatter
  provenance TEXT,                      -- JSON: evolution id, support turn ids, origin
  helpful INTEGER NOT NULL DEFAULT 0,
  harmful INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE(name, revision)
);

-- Which revisions make up each generation (a generation is an immutable set).
CREATE TABLE generation_members (
  generation INTEGER NOT NULL,
  revision_id INTEGER NOT NULL,
  PRIMARY KEY (generation, revision_id)
);

CREATE TABLE evolutions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trigger TEXT NOT NULL,
  support_turn_ids TEXT NOT NULL,
  prompt TEXT,
  raw_reply TEXT,
  ops TEXT,
  validation TEXT,
  verification TEXT,
  outcome TEXT NOT NULL,                -- pending | applied | rejected | failed
  generation INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE samples (
  turn_id TEXT PRIMARY KEY REFERENCES turns(id),
  reward REAL,
  advantage REAL,
  policy_version INTEGER,
  library_generation INTEGER NOT NULL,
  status TEXT NOT NULL,                 -- queued | used | stale | support
  step_id INTEGER
);

CREATE TABLE training_steps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  backend TEXT NOT NULL,
  loss REAL,
  metrics TEXT,
  sampler_path TEXT,
  checkpoint_path TEXT,
  status TEXT NOT NULL,
  timings TEXT,
  sample_ids TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE scheduler_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL
);
`;
