/**
 * Per skill revision and generation, the judged turns it was injected into that the judge scored
 * above / below zero (the dashboard's helpful / harmful). Kept by a trigger like the other
 * dash_skill_usage counters, so they count judge verdicts only (skill_revisions.helpful/harmful
 * also count explicit feedback, and only while evolution is on).
 */
export const skillVerdictsSchema = `
ALTER TABLE dash_skill_usage ADD COLUMN helpful INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dash_skill_usage ADD COLUMN harmful INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER dash_skill_verdict AFTER INSERT ON rewards WHEN NEW.source = 'judge' AND NEW.score != 0 BEGIN
  INSERT INTO dash_skill_usage (revision_id, generation, helpful, harmful)
    SELECT j.value, t.library_generation, NEW.score > 0, NEW.score < 0
    FROM turns t, json_each(COALESCE(t.injected_revision_ids, '[]')) j WHERE t.id = NEW.turn_id
  ON CONFLICT (revision_id, generation) DO UPDATE SET helpful = helpful + excluded.helpful,
    harmful = harmful + excluded.harmful;
END;

-- Backfill in one grouped pass (not a scan of turns per row).
UPDATE dash_skill_usage SET helpful = v.h, harmful = v.x FROM (
  SELECT j.value AS rid, t.library_generation AS g, SUM(r.score > 0) AS h, SUM(r.score < 0) AS x
  FROM rewards r JOIN turns t ON t.id = r.turn_id JOIN json_each(COALESCE(t.injected_revision_ids, '[]')) j
  WHERE r.source = 'judge' GROUP BY 1, 2
) v WHERE dash_skill_usage.revision_id = v.rid AND dash_skill_usage.generation = v.g;
`;
