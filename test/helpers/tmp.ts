import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temp MetaClaw home: each test gets its own store and folders. */
export function tempHome(prefix = 'metaclaw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
