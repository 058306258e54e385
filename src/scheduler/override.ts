import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Override } from './types.js';

const overrideFile = z.object({
  mode: z.enum(['open', 'closed']),
  set_at: z.number(),
  until: z.number().nullable(),
});

/**
 * `metaclaw scheduler force open|closed` writes `<home>/scheduler/override.json`; the running
 * service reads it on every tick, so no IPC is needed. `force auto` deletes it. A file (not a
 * store row) keeps the override readable by any process without a schema change.
 */
export class OverrideFile {
  constructor(readonly file: string) {}

  static under(home: string): OverrideFile {
    return new OverrideFile(path.join(home, 'scheduler', 'override.json'));
  }

  async read(): Promise<Override | null> {
    try {
      return parse(await fs.promises.readFile(this.file, 'utf8'));
    } catch {
      return null;
    }
  }

  readSync(): Override | null {
    try {
      return parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return null;
    }
  }

  /** Set (atomically: write then rename) or clear the override. */
  write(o: Override | null): void {
    if (o === null) {
      fs.rmSync(this.file, { force: true });
      return;
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ mode: o.mode, set_at: o.setAt, until: o.until })}\n`);
    fs.renameSync(tmp, this.file);
  }
}

/** A malformed file is ignored (auto) rather than trusted. */
function parse(text: string): Override | null {
  const r = overrideFile.safeParse(JSON.parse(text));
  return r.success ? { mode: r.data.mode, setAt: r.data.set_at, until: r.data.until } : null;
}
