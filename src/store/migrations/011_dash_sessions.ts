/**
 * Sessions started per UTC hour, kept by a trigger like the 008 rollups: the overview's
 * "sessions" series for 30 days was a grouped scan of every session in the range (tens of ms at
 * 50k sessions, growing with use); this reads at most 720 rows.
 */
export const dashSessionsSchema = `
CREATE TABLE dash_sessions (
  hour INTEGER PRIMARY KEY,             -- epoch ms of the hour's start (UTC)
  started INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TRIGGER dash_session_insert AFTER INSERT ON sessions BEGIN
  INSERT INTO dash_sessions (hour, started) VALUES ((NEW.started_at / 3600000) * 3600000, 1)
  ON CONFLICT (hour) DO UPDATE SET started = started + 1;
END;

INSERT INTO dash_sessions (hour, started)
  SELECT (started_at / 3600000) * 3600000, COUNT(*) FROM sessions GROUP BY 1;
`;
