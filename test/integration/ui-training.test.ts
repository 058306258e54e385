import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../fixtures/fake-llm/index.js';
import { POLICY_FIXTURE_DIR } from '../fixtures/policy/index.js';
import { type FakeTinker, startFakeTinker } from '../fixtures/tinker/index.js';
import { eventually, openaiUpstream, startProxy, type TestProxy } from '../helpers/proxy.js';

/**
 * The Training view with RL on, in Chromium: a trainable policy on the local Tinker-protocol
 * server, a judge on the fake LLM, two trained steps, a skipped one and a failed one; a step run
 * while the page is open appears without a reload (the `training_step` event).
 */
const CHROMIUM = '/usr/bin/chromium';
const INDEX = path.resolve('dist/ui/index.html');
const SHOTS = process.env.METACLAW_UI_SHOTS ?? path.join(os.tmpdir(), 'metaclaw-ui-screenshots');
const haveChromium = fs.existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('Training view with RL on, in Chromium', () => {
  let tinker: FakeTinker;
  let fake: FakeLlm;
  let proxy: TestProxy;
  let browser: Browser;
  let judged = 0;
  let same = false;
  let n = 0;

  const serve = async (count: number) => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < count; i++)
      await client.chat.completions.create(
        { model: 'policy', messages: [{ role: 'user', content: 'Say something.' }] },
        { headers: { 'x-session-id': `t${n++}`, 'x-session-done': 'true' } },
      );
    await eventually(() => {
      const c = proxy.app.jobs.counts();
      return c.pending === 0 && c.running === 0;
    }, 20_000);
  };

  beforeAll(async () => {
    if (!fs.existsSync(INDEX)) throw new Error(`${INDEX} is missing: run \`npm run build\` first`);
    fs.mkdirSync(SHOTS, { recursive: true });
    tinker = await startFakeTinker({ vocab: 312, seed: 5 });
    fake = await startFakeLlm();
    // Rewards alternate +1/−1 (a learning signal) unless `same` (none: the step is skipped).
    fake.script(() => ({ text: `Verdict.\nScore: ${same || judged++ % 2 === 0 ? 1 : -1}` }));
    proxy = await startProxy({
      upstream: openaiUpstream(fake.url),
      serving: {
        mode: 'policy',
        policy: { tokenizer_dir: POLICY_FIXTURE_DIR, max_tokens: 6, temperature: 1 },
      },
      rl: {
        enabled: true,
        backend_url: tinker.url,
        api_key: tinker.apiKey,
        base_model: tinker.baseModel,
        lora_rank: 8,
        min_batch: 4,
        checkpoint_every: 1,
        schedule: 'manual',
      },
      judge: { enabled: true, base_url: `${fake.url}/v1`, model: 'judge', votes: 1 },
      evolution: { enabled: false },
      skills: { enabled: false },
    });
    const trainer = proxy.app.rl!.trainer;
    for (let k = 0; k < 2; k++) {
      await serve(4);
      await trainer.step();
    }
    same = true;
    await serve(4);
    await trainer.step();
    same = false;
    await serve(4);
    tinker.failNext({ category: 'user', error: 'injected for the dashboard test' });
    await trainer.step().catch(() => {});
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await fake?.close();
    await tinker?.close();
  });

  for (const width of [1280, 390]) {
    it(`shows versions, steps, the loss/reward chart and failures at ${width} px`, async () => {
      const ctx = await browser.newContext({ viewport: { width, height: 900 } });
      // The machine may be busy: give the page time rather than flake.
      ctx.setDefaultTimeout(60_000);
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${proxy.url}/ui/training`);
      await page.getByRole('heading', { level: 1, name: 'Training and schedule' }).waitFor();
      const training = page.getByRole('region', { name: 'Policy training' });
      const summary = training.locator('p').filter({ hasText: 'RL is enabled' });
      await summary.waitFor();
      const trainer = proxy.app.rl!.trainer;
      const version = trainer.policyVersion();
      expect((await summary.textContent())?.replace(/\s+/g, ' ')).toContain(`policy version ${version}`);
      await training
        .getByRole('img', { name: 'Loss and reward mean per training step' })
        .locator('canvas')
        .first()
        .waitFor();
      // One row per recorded step, newest first, with its status (ok, skipped).
      const rows = training.locator('.table-wrap table tbody tr');
      const statuses = trainer.steps.list(100).map((st) => st.status);
      expect(statuses.filter((st) => st === 'skipped')).toHaveLength(1);
      expect(await rows.locator('td:last-child').allTextContents()).toEqual(statuses);
      expect(
        await training
          .locator('li')
          .filter({ hasText: new RegExp(`^v${version} `) })
          .count(),
      ).toBe(1);
      await training.locator('.alert').filter({ hasText: 'injected for the dashboard test' }).waitFor();
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(SHOTS, `training-rl-${width}.png`), fullPage: true });
      if (width === 1280) {
        // A step while the page is open appears live (training_step event → reload).
        await serve(4);
        await proxy.app.rl!.trainer.step();
        await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(4);
      }
      expect(errors).toEqual([]);
      await ctx.close();
    }, 120_000);
  }
});
