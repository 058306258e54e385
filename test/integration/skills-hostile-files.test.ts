import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { openaiUpstream, startProxy, type TestProxy, tempHome } from '../helpers/proxy.js';

/** Issue 17 points 6 and 7: a FIFO, a /dev/zero link or a huge SKILL.md must not freeze or bloat the proxy. */
let fake: FakeLlm | undefined;
let proxy: TestProxy | undefined;
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

function skill(name: string): string {
  return `---\nname: ${name}\ndescription: A skill called ${name}.\n---\n\nDo the ${name} thing.\n`;
}

describe('hostile SKILL.md files', () => {
  it('starts and serves with a FIFO, a /dev/zero link and an oversize file in the skills folder, naming each', async () => {
    const home = tempHome();
    const dir = path.join(home, 'skills');
    for (const n of ['good-one', 'fifo-skill', 'zero-skill', 'huge-skill'])
      fs.mkdirSync(path.join(dir, n), { recursive: true });
    fs.writeFileSync(path.join(dir, 'good-one', 'SKILL.md'), skill('good-one'));
    execFileSync('mkfifo', [path.join(dir, 'fifo-skill', 'SKILL.md')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero-skill', 'SKILL.md'));
    fs.writeFileSync(path.join(dir, 'huge-skill', 'SKILL.md'), skill('huge-skill') + 'x'.repeat(64 * 1024));

    fake = await startFakeLlm();
    proxy = await startProxy(
      { upstream: openaiUpstream(fake.url), skills: { max_file_bytes: 32 * 1024, watch: false } },
      { home },
    );
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    const sync = proxy.app.skills.library.sync();
    const reasons = new Map(sync.warnings.map((w) => [path.basename(path.dirname(w.file)), w.reason]));
    expect(reasons.get('fifo-skill')).toMatch(/not a regular file/);
    expect(reasons.get('zero-skill')).toMatch(/not a regular file/);
    expect(reasons.get('huge-skill')).toMatch(/over skills\.max_file_bytes \(32768\)/);
    expect([...proxy.app.skills.library.current().byName.keys()]).toEqual(['good-one']);
    const r = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(r.status).toBe(200);
  });
});
