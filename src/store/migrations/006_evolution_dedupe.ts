/**
 * Evolution dedupe: what each evolution changed and for which failures, so the same change set is
 * not applied twice for the same failures and a change that failed verification for a task is not
 * tried again unchanged.
 */
export const evolutionDedupeSchema = `
ALTER TABLE evolutions ADD COLUMN change_key TEXT;  -- signature of the validated ops (names, normalised content, removes)
ALTER TABLE evolutions ADD COLUMN reason TEXT;      -- why it was rejected / not applied

-- The failures an evolution was about: one row per support turn id ('turn:<id>') and per distinct
-- human request text ('req:<sha1 of the normalised view.request>').
CREATE TABLE evolution_failures (
  evolution_id INTEGER NOT NULL,
  failure_key TEXT NOT NULL,
  PRIMARY KEY (failure_key, evolution_id)
);

-- Skill changes (name + normalised description and body) that failed verification for those failures.
CREATE TABLE evolution_failed_changes (
  evolution_id INTEGER NOT NULL,
  change_key TEXT NOT NULL,             -- put:<name>:<sha1 of normalised description and body>
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (evolution_id, change_key)
);
CREATE INDEX evolution_failed_changes_key ON evolution_failed_changes(change_key);
`;
