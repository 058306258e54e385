/**
 * Skill library membership as spans, and the embedding cache.
 *
 * A generation's members are the revisions whose span covers it
 * (`from_generation <= g AND (to_generation IS NULL OR to_generation > g)`), so a change set
 * writes rows only for what it changes; `generation_members` (002) would copy the whole
 * library per generation. That table stays unused so nothing already reading it breaks.
 */
export const skillsSchema = `
CREATE TABLE skill_membership (
  revision_id INTEGER NOT NULL REFERENCES skill_revisions(id),
  from_generation INTEGER NOT NULL,
  to_generation INTEGER,                -- NULL = still a member of the current generation
  PRIMARY KEY (revision_id, from_generation)
);
CREATE INDEX skill_membership_open ON skill_membership(to_generation) WHERE to_generation IS NULL;
CREATE INDEX skill_membership_from ON skill_membership(from_generation);
CREATE INDEX skill_membership_to ON skill_membership(to_generation);
CREATE INDEX skill_revisions_name ON skill_revisions(name, revision);

-- One vector per (revision, embedding model); revisions are immutable, so a vector never goes stale.
CREATE TABLE skill_embeddings (
  revision_id INTEGER NOT NULL REFERENCES skill_revisions(id),
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,                 -- little-endian float32
  created_at INTEGER NOT NULL,
  PRIMARY KEY (revision_id, model)
);
`;
