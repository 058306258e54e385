import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, RULE, type SeededService, SKILL, startSeededService } from '../helpers/ui-seed.js';

/**
 * What a person does in the dashboard, in Debian's Chromium against a real service (fake LLM
 * upstream, real SQLite): approve a pending evolution and see the next proxied request get the new
 * skill; follow a turn to its injected skill, the evolution that wrote it and the diff; roll back a
 * generation and see the proxy serve the old library; and the key prompt.
 */
const CHROMIUM = '/usr/bin/chromium';
const INDEX = path.resolve('dist/ui/index.html');
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIP ui-flows: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)('dashboard flows in Chromium', () => {
  let svc: SeededService;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(INDEX)) throw new Error(`${INDEX} is missing: run \`npm run build\` first`);
    svc = await startSeededService();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The machine may be busy: give the page time rather than flake.
    ctx.setDefaultTimeout(60_000);
    // Browser-side code as a string: this file is typechecked without the DOM library.
    await ctx.addInitScript(`localStorage.setItem('metaclaw.key', ${JSON.stringify(KEY)})`);
    page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  const h1 = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
  const confirm = async (label: string) => {
    await page.getByRole('button', { name: label, exact: true }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
  };

  it('approving a pending evolution in the UI puts its skill into the next proxied request', async () => {
    const first = await svc.ask('before');
    expect(first.answer).toContain('°F');
    expect(first.upstreamBody).not.toContain('Celsius');

    await page.goto(`${svc.proxy.url}/ui/evolutions?outcome=awaiting_approval`);
    await h1('Evolutions');
    await page.getByRole('link', { name: 'Evolution #1' }).click();
    await h1(/Evolution #1/);
    await page.getByText('awaiting approval', { exact: true }).first().waitFor();
    // Before deciding, the page shows what the evolution would change in the skill.
    const proposed = page.getByRole('region', { name: `Proposed changes to ${SKILL}` });
    await proposed.locator('.diff-add').filter({ hasText: RULE }).waitFor();
    await confirm('Approve');
    await page.getByRole('status').filter({ hasText: 'Evolution #1 is now applied' }).waitFor();

    const next = await svc.ask('after');
    expect(next.upstreamBody).toContain(RULE.slice(0, 40));
    expect(next.answer).toContain('°C');
  }, 120_000);

  it('overview → session → turn → injected skill → its evolution → the diff', async () => {
    await page.goto(`${svc.proxy.url}/ui/`);
    await h1('Overview');
    // The agent's name in the traffic card leads to its sessions.
    await page.locator('.shares').first().getByRole('link').first().click();
    await h1('Sessions');
    expect(new URL(page.url()).searchParams.get('agent')).toBeTruthy();
    await page.locator('a[title="after"]').click();
    await h1(/^Session/);
    await page.getByTitle('this turn on its own page').first().click();
    await h1('Turn #1');
    expect(new URL(page.url()).pathname).toMatch(/^\/ui\/turns\//);
    await page.getByRole('link', { name: SKILL, exact: true }).click();
    await h1(new RegExp(`^${SKILL}`));
    await page.getByRole('link', { name: 'evolution #1' }).click();
    await h1(/Evolution #1/);
    const diff = page.getByRole('region', { name: 'Changes from revision 1 to 2' });
    await diff.waitFor();
    // The line the evolution added is shown as added.
    expect(await diff.locator('.diff-add').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(RULE)]),
    );
  }, 120_000);

  it('rolling back a generation in the UI makes the proxy serve the old library', async () => {
    await page.goto(`${svc.proxy.url}/ui/skills/${SKILL}`);
    await h1(new RegExp(`^${SKILL}`));
    const gens = await (
      await fetch(`${svc.proxy.url}/v1/admin/generations`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json();
    const before = (gens as { current: number }).current;
    // Revision 1 is the starter text, before the approved evolution.
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: '1', exact: true }) });
    const button = row.getByRole('button', { name: /^Roll back to gen/ }).first();
    await button.click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: 'restored generation' }).waitFor();
    expect(svc.proxy.app.skills.library.current().generation).toBe(before + 1);

    const served = await svc.ask('rolled-back');
    expect(served.upstreamBody).toContain('Answer weather questions in one short sentence.');
    expect(served.upstreamBody).not.toContain('Celsius');
    expect(served.answer).toContain('°F');
  }, 120_000);

  it('with proxy.api_key set, the UI asks for the key and the API refuses without it', async () => {
    for (const p of [
      '/v1/admin/overview',
      '/v1/admin/sessions',
      '/v1/admin/skills',
      '/v1/admin/evolutions',
      '/v1/admin/training',
      '/v1/admin/schedule',
      '/v1/admin/benchmarks',
      '/v1/admin/events',
    ])
      expect.soft((await fetch(svc.proxy.url + p)).status, p).toBe(401);
    const r = await fetch(`${svc.proxy.url}/v1/admin/evolutions/1/approve`, { method: 'POST' });
    expect(r.status).toBe(401);
    const fresh = await browser.newContext({ viewport: { width: 390, height: 800 } });
    // The machine may be busy: give the page time rather than flake.
    fresh.setDefaultTimeout(60_000);
    const p2 = await fresh.newPage();
    await p2.goto(`${svc.proxy.url}/ui/evolutions`);
    const dialog = p2.getByRole('dialog', { name: 'API key needed' });
    await dialog.waitFor();
    await dialog.getByLabel('Key').fill(KEY);
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await p2.getByRole('link', { name: 'Evolution #1' }).waitFor();
    expect(await dialog.count()).toBe(0);
    await fresh.close();
  }, 120_000);

  it('logged no browser errors along the way', () => {
    expect(errors).toEqual([]);
  });
});
