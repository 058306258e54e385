import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TestProxy } from '../helpers/proxy.js';

const CHROMIUM = '/usr/bin/chromium';
const KEY = 'ui-test-key';
const INDEX = path.resolve('dist/ui/index.html');
/** Screenshots of every view at both widths land here (printed at the end). */
const SHOTS = process.env.METACLAW_UI_SHOTS ?? path.join(os.tmpdir(), 'metaclaw-ui-screenshots');
const VIEWS: [string, string][] = [
  ['/ui/', 'Overview'],
  ['/ui/sessions', 'Sessions'],
  ['/ui/skills', 'Skills'],
  ['/ui/evolutions', 'Evolutions'],
  ['/ui/training', 'Training and schedule'],
  ['/ui/benchmarks', 'Benchmarks'],
];

const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIP ui-dashboard: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)('dashboard in Chromium against a real service', () => {
  let proxy: TestProxy;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(INDEX)) throw new Error(`${INDEX} is missing: run \`npm run build\` first`);
    fs.mkdirSync(SHOTS, { recursive: true });
    proxy = await startProxy({ proxy: { api_key: KEY } });
    // Without the key the admin API refuses: the UI must ask for it.
    expect((await fetch(`${proxy.url}/v1/admin/sessions`)).status).toBe(401);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    console.log(`ui-dashboard screenshots: ${SHOTS}`);
  });

  for (const width of [1280, 390]) {
    it(`renders every view at ${width} px from the service itself, without horizontal overflow`, async () => {
      const ctx = await browser.newContext({ viewport: { width, height: 900 } });
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
      for (const [url, heading] of VIEWS) {
        await page.goto(proxy.url + url);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await page.getByRole('navigation', { name: 'Views' }).waitFor();
        await page.waitForTimeout(300); // let the view's first fetch settle before measuring and shooting
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        expect(overflow, `${url} at ${width}px`).toBeLessThanOrEqual(0);
        const name = url.replace(/^\/ui\/?/, '').replaceAll('/', '_') || 'overview';
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
    }, 120_000);
  }

  it('asks for the proxy key once, then sends it on every call', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
  }, 60_000);
});
