/**
 * Indexes the dashboard's training view needs on a store with months of samples: per-step sample
 * counts (without one SQLite builds an automatic index on every request) and counts by status.
 */
export const sampleIndexesSchema = `
CREATE INDEX IF NOT EXISTS samples_step ON samples(step_id);
CREATE INDEX IF NOT EXISTS samples_status ON samples(status);
`;
