/**
 * Content-addressed turn bodies (issue 16 point 8). An agent resends its whole conversation, tool
 * list and system prompt on every call; storing each request in full made a session's storage grow
 * with the square of its length. A request is now split into parts (each message, each tool, the
 * system prompt, large envelope values), each distinct part is stored once, and a turn keeps a
 * small manifest of part ids plus the JSON skeleton between them (store/json-parts.ts,
 * store/turn-parts.ts).
 * Rows written before this migration keep their inline JSON and still read.
 */
export const turnPartsSchema = `
-- One row per distinct part: its hash, how many sessions reference it, its text size. Narrow on
-- purpose: a turn bumps the counter of each part new to its session.
CREATE TABLE turn_parts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a cached id of a collected part cannot alias a new one
  hash BLOB NOT NULL UNIQUE,            -- sha256 of the part's UTF-8 text
  refs INTEGER NOT NULL,                -- sessions whose turns reference it; 0 = garbage
  raw_bytes INTEGER NOT NULL            -- UTF-8 length before compression
);
CREATE INDEX turn_parts_garbage ON turn_parts(refs) WHERE refs = 0;

-- The part's text: enc 0 = UTF-8, 1 = raw deflate.
CREATE TABLE turn_part_bodies (
  id INTEGER PRIMARY KEY,
  enc INTEGER NOT NULL,
  body BLOB NOT NULL
);

-- Manifests. When set, the matching *_json column is '' (request) or NULL and the text is rebuilt
-- from the parts; upstream_ref may be a delta against request_ref.
ALTER TABLE turns ADD COLUMN request_ref BLOB;
ALTER TABLE turns ADD COLUMN upstream_ref BLOB;
ALTER TABLE turns ADD COLUMN response_ref BLOB;
-- UTF-8 bytes of the three bodies as received/sent (what inline storage would hold): store stats.
ALTER TABLE turns ADD COLUMN body_bytes INTEGER;
-- Retention removed this turn's bodies (the row, its usage and rewards stay); epoch ms.
ALTER TABLE turns ADD COLUMN pruned_at INTEGER;
CREATE INDEX sessions_last_activity ON sessions(last_activity_at);
`;
