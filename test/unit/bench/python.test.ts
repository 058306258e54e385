import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkerEnv } from '../../../src/bench/python.js';
import { tempHome } from '../../helpers/tmp.js';

describe('bench checker python', () => {
  it('supplies `python` where only python3 exists, and links the real interpreter, not a shim', () => {
    // /usr/bin has python3 but no python on this kind of system; a wrapper script plays a version manager's shim.
    const bin = tempHome();
    fs.writeFileSync(path.join(bin, 'python3'), '#!/bin/sh\nexec /usr/bin/python3 "$@"\n', { mode: 0o755 });
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const shim = path.join(tempHome(), 'shim');
    const r = checkerEnv(shim, env);
    expect(r.note).toMatch(/^python is not on PATH: checkers run python as \//);
    for (const name of ['python', 'python3']) {
      const target = fs.readlinkSync(path.join(shim, name));
      expect(target).not.toBe(path.join(bin, 'python3'));
      expect(fs.existsSync(target)).toBe(true);
    }
    const out = spawnSync('/bin/sh', ['-c', 'python -c "print(6*7)"'], { env: r.env, encoding: 'utf8' });
    expect(out.stdout.trim()).toBe('42');
    expect(checkerEnv(path.join(tempHome(), 's'), { PATH: tempHome() }).note).toMatch(
      /neither python nor python3 is on PATH/,
    );
  });
});
