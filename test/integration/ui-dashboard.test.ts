import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, type SeededService, SKILL, startSeededService } from '../helpers/ui-seed.js';

const CHROMIUM = '/usr/bin/chromium';
const INDEX = path.resolve('dist/ui/index.html');
/** Screenshots of every view at both widths land here (printed at the end). */
const SHOTS = process.env.METACLAW_UI_SHOTS ?? path.join(os.tmpdir(), 'metaclaw-ui-screenshots');
/** Every view, list and detail, as [url, h1 name, screenshot name]; detail ids come from the seeded store. */
function views(turnId: string): [string, string | RegExp, string][] {
  return [
    ['/ui/', 'Overview', 'overview'],
    ['/ui/sessions', 'Sessions', 'sessions'],
    ['/ui/sessions/before', /^Session/, 'session'],
    [`/ui/turns/${turnId}`, 'Turn #1', 'turn'],
    ['/ui/skills', 'Skills', 'skills'],
    [`/ui/skills/${SKILL}`, new RegExp(`^${SKILL}`), 'skill'],
    ['/ui/evolutions', 'Evolutions', 'evolutions'],
    ['/ui/evolutions/1', /^Evolution #1/, 'evolution'],
    ['/ui/training', 'Training and schedule', 'training'],
    ['/ui/benchmarks', 'Benchmarks', 'benchmarks'],
    ['/ui/benchmarks/run-ui', 'Benchmark run run-ui', 'benchmark'],
  ];
}

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIP ui-dashboard: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)('dashboard in Chromium against a real service', () => {
  let svc: SeededService;
  let proxy: SeededService['proxy'];
  let turnId: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(INDEX)) throw new Error(`${INDEX} is missing: run \`npm run build\` first`);
    fs.mkdirSync(SHOTS, { recursive: true });
    // A store with a failed session, its judged turn and the evolution awaiting approval it caused.
    svc = await startSeededService();
    proxy = svc.proxy;
    await svc.ask('before');
    turnId = proxy.app.turns.listBySession('before')[0]!.id;
    // Without the key the admin API refuses: the UI must ask for it.
    expect((await fetch(`${proxy.url}/v1/admin/sessions`)).status).toBe(401);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    console.log(`ui-dashboard screenshots: ${SHOTS}`);
  });

  for (const width of [1280, 390]) {
    it(`renders every view at ${width} px from the service itself, without horizontal overflow`, async () => {
      const ctx = await browser.newContext({ viewport: { width, height: 900 } });
      // The machine may be busy: give the page time rather than flake.
      ctx.setDefaultTimeout(60_000);
      // The key is stored as the UI stores it, so views load their data when the admin API is there.
      // Browser-side code as strings: this file is typechecked without the DOM library.
      await ctx.addInitScript(`localStorage.setItem('metaclaw.key', ${JSON.stringify(KEY)})`);
      const page = await ctx.newPage();
      const origins = new Set<string>();
      page.on('request', (r) => {
        origins.add(new URL(r.url()).origin);
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      // Failed API calls (404 of a missing endpoint, 500) show up as console errors.
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`${page.url()}: ${m.text()}`);
      });
      for (const [url, heading, name] of views(turnId)) {
        await page.goto(proxy.url + url);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await page.getByRole('navigation', { name: 'Views' }).waitFor();
        // Let the view's fetches settle before measuring and shooting; none may fail.
        await expect.poll(() => page.locator('[aria-busy="true"]').count(), { timeout: 30_000 }).toBe(0);
        await page.waitForTimeout(100);
        expect.soft(await page.locator('.error[role=alert]').allTextContents(), url).toEqual([]);
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect.soft(overflow, `${url} at ${width}px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
      }
      // Client-side routing: a nav link changes the URL and the view without a page load.
      await page.goto(`${proxy.url}/ui/`);
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Skills' }).click();
      await page.getByRole('heading', { level: 1, name: 'Skills' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/ui/skills');
      // Nothing is loaded from anywhere but the service.
      expect([...origins]).toEqual([proxy.url]);
      expect(pageErrors).toEqual([]);
      await ctx.close();
    }, 240_000);
  }

  it('asks for the proxy key once, then sends it on every call', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The machine may be busy: give the page time rather than flake.
    ctx.setDefaultTimeout(60_000);
    const page = await ctx.newPage();
    await page.goto(`${proxy.url}/ui/sessions`);
    const dialog = page.getByRole('dialog', { name: 'API key needed' });
    await dialog.waitFor();
    await dialog.getByLabel('Key').fill(KEY);
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await page.evaluate<string | null>("localStorage.getItem('metaclaw.key')")).toBe(KEY);
    // A reload does not ask again: the key is kept.
    await page.reload();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    expect(await dialog.count()).toBe(0);
    await ctx.close();
  }, 120_000);
});
