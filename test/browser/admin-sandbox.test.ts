import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { type Started, startApp } from '../../src/app/start.ts';
import { SessionCookies } from '../../src/server/sessions.ts';
import {
  ARTIFACTS,
  chromiumMissing,
  collectErrors,
  launchBrowser,
  openView,
  screenshot,
  scrollWidth,
  seriousViolations,
  VIEWS,
  visibleText,
} from '../support/browser.ts';
import { sandboxEnv } from '../support/sandbox-env.ts';

// The admin page of the sandbox (`npm start`: the demo tenant on the HubSpot simulator) in a real browser, as its
// admin would use it: find Bob Smith, change the mode, preview, run, export, revert, on a phone too.

const BOB_MAPLE_GROVE = { portal: '20001', contact: '100' };
const TAGS = 'community_sync_tags';

let started: Started;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let errors: string[];

const bobsTags = () =>
  started.simulator?.portal(BOB_MAPLE_GROVE.portal).contacts.find((c) => c.id === BOB_MAPLE_GROVE.contact)
    ?.properties[TAGS] ?? null;

beforeAll(async () => {
  if (chromiumMissing) return;
  const dataDir = join(mkdtempSync(join(tmpdir(), 'cs-ui-')), 'data');
  const config = loadConfig(
    sandboxEnv({ DATA_DIR: dataDir, PORT: '0', SCHEDULER: 'off', LOG_LEVEL: 'silent' }),
  );
  started = await startApp(config, createLogger('silent'), () => {});
  base = started.serving.url;
  browser = await launchBrowser();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  errors = collectErrors(page);
  await page.goto(base);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await started?.close();
});

/** Opens Settings, lets `change` fill the form, saves, and waits for the saved notice. */
async function saveSettings(change: () => Promise<unknown>) {
  await openView(page, 'settings');
  await change();
  await page.click('#settings button[type=submit]');
  await expect.poll(() => page.locator('#settings-outcome').textContent()).toMatch(/next run/);
}

describe.skipIf(chromiumMissing !== null)('the sandbox admin page', () => {
  it('search is there on opening, and "Bob" finds Bob Smith with his primary community, reason and first community', async () => {
    const search = page.getByLabel('Search shared contacts');
    expect(await search.isVisible()).toBe(true);
    expect(await search.getAttribute('type')).toBe('search');
    await search.pressSequentially('Bob');
    await page.locator('#view:not([aria-busy]) .view-people tbody tr').first().waitFor();
    const rows = page.locator('.view-people tbody tr');
    expect(await rows.count()).toBe(1);
    const bob = rows.first();
    expect(await bob.locator('td[data-label=Name]').textContent()).toBe('Bob Smith');
    expect(await bob.locator('td[data-label="Primary community"]').textContent()).toBe('Lakeside Terrace');
    expect(await bob.locator('td[data-label=Why]').textContent()).toMatch(/^Lakeside Terrace is primary/);
    expect(await bob.locator('td[data-label="Had them first"]').textContent()).toMatch(/^Maple Grove/);
    const links = bob.locator('td[data-label=Communities] a');
    expect((await links.allTextContents()).sort()).toEqual([
      'Lakeside Terrace (opens in a new tab)',
      'Maple Grove (opens in a new tab)',
    ]);
    const maple = links.filter({ hasText: 'Maple Grove' });
    expect(await maple.getAttribute('href')).toBe('https://app.hubspot.com/contacts/20001/record/0-1/100');
    expect(await maple.getAttribute('target')).toBe('_blank');
    expect(await maple.getAttribute('rel')).toContain('noopener');
    await screenshot(page, 'people-search-bob');
  });

  it('changing the mode changes the words, and the other mode’s words never show', async () => {
    await saveSettings(() => page.selectOption('select[name=mode]', { label: 'B2B/B2C' }));
    for (const view of ['overview', 'history', 'accounts', 'settings', 'preview']) {
      await openView(page, view);
      const text = (await visibleText(page)).replaceAll('Community Sync', 'the app');
      expect(text, view).not.toMatch(/communit(y|ies)|prospect/i);
    }
    await openView(page, 'accounts');
    expect(await page.locator('td[data-label=Role]').allTextContents()).toContain('Child Account');
    await screenshot(page, 'accounts-b2b');

    await saveSettings(() => page.selectOption('select[name=mode]', { label: 'Senior Living' }));
    // The shared contacts' reason sentences were written by a run in Senior Living mode: they say prospect too.
    for (const view of ['overview', 'people', 'history', 'accounts', 'settings']) {
      await openView(page, view);
      expect(await visibleText(page), view).not.toMatch(/child account|\bdeals?\b/i);
    }
    await openView(page, 'accounts');
    expect(await page.locator('td[data-label=Role]').allTextContents()).toContain('Community');
  });

  it('previews a new tag per community, with each person’s name, and the preview survives a reload', async () => {
    await saveSettings(() => page.fill('input[name=tags]', 'multi-community, open-house'));
    expect(await page.locator('#settings-outcome').textContent()).toContain(
      'Every shared contact gets the tag open-house',
    );
    await openView(page, 'preview');
    await page.getByRole('button', { name: 'Preview (writes nothing)' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toMatch(/record.* would change/);
    await page.reload();
    await openView(page, 'preview');
    const maple = page.locator('.change-account', {
      has: page.getByRole('heading', { name: 'Maple Grove' }),
    });
    expect(await maple.locator('ul.entries li', { hasText: 'Bob Smith' }).textContent()).toContain(
      'open-house',
    );
    expect(await page.locator('.change-account h3').allTextContents()).toEqual(
      expect.arrayContaining(['Maple Grove', 'Lakeside Terrace', 'Cedar Hills']),
    );
    await screenshot(page, 'preview');
  });

  it('runs after a confirmation naming how many records change, shows progress, and writes the tag', async () => {
    const before = bobsTags();
    await openView(page, 'preview');
    // Everything the live region says during the run, as it says it.
    await page.evaluate(`
      window.liveSeen = [];
      const live = document.getElementById('live');
      new MutationObserver(() => window.liveSeen.push(live.innerText)).observe(live, { childList: true, subtree: true });
    `);
    await page.getByRole('button', { name: 'Run now' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const asked = await dialog.textContent();
    const count = Number(/(\d+) records? will change/.exec(asked ?? '')?.[1]);
    expect(count).toBeGreaterThan(0);
    await dialog.getByRole('button', { name: new RegExp(`^Change ${count} record`) }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true);
    await expect
      .poll(() => page.locator('#notice').textContent(), { timeout: 60_000 })
      .toMatch(/^Run finished/);
    expect(await page.locator('#notice').textContent()).toBe(`Run finished: ${count} records written.`);
    // While it ran, the live region named the run; once over, it keeps each account's counts.
    const seen = (await page.evaluate("window.liveSeen.join('\\n')")) as string;
    const runId = /Run #(\d+) finished/.exec(seen)?.[1];
    expect(runId).toBeDefined();
    await expect.poll(() => page.locator('#live').textContent()).toContain(`Run #${runId} finished`);
    expect(await page.locator('#live li').allTextContents()).toContainEqual(
      expect.stringMatching(/^Maple Grove: read 70 contacts, written [1-9]\d* of [1-9]\d*$/),
    );
    expect(bobsTags()).not.toBe(before);
    expect(await page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(false);
  }, 90_000);

  it('exports the shared contacts as CSV after the acknowledgement', async () => {
    await openView(page, 'people');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.textContent()).toContain("moves personal data between the communities' businesses");
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await dialog.getByRole('button', { name: 'I understand, export' }).click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      'Person,Community,Record id,Record URL,Primary community,Reason,Tags,First community,First created,Email,Phone',
    );
    const bob = lines.filter((line) => line.startsWith('Bob Smith,'));
    expect(bob.map((line) => line.split(',')[1])).toEqual(
      expect.arrayContaining(['Maple Grove', 'Lakeside Terrace']),
    );
    expect(bob.join('\n')).toMatch(/bob\.smith@example\.com/i);
  }, 90_000);

  it('reverts the run: the tags are back in the simulator and the service is off', async () => {
    await openView(page, 'history');
    const latest = page.locator('details.run').first();
    await latest.locator('summary').click();
    await latest.getByRole('button', { name: 'Revert this run' }).click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.textContent()).toMatch(/will get back the tags they had before run #\d+/);
    await dialog.getByRole('button', { name: 'Revert' }).click();
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 60_000 }).toMatch(/^Reverted/);
    expect(await visibleText(page)).toContain('Community Sync is now off');
    expect(await page.locator('details.run summary').first().textContent()).toMatch(
      /Run \(revert of run #\d+\) · succeeded: \d+ records written/,
    );
    expect(bobsTags()?.split(';').sort()).not.toContain(expect.stringMatching(/open-house/));
    await screenshot(page, 'history-reverted');
    await openView(page, 'settings');
    expect(await page.locator('input[name=enabled]').isChecked()).toBe(false);
  }, 90_000);

  it('a second tenant’s admin sees none of the first tenant’s people', async () => {
    const store = started.runtime.store;
    const other = await store.tenants.create('Another Operator');
    const admin = await store.admins.seen(other.id, 'sandbox', { id: 'other', label: 'other admin' });
    let cookie = '';
    new SessionCookies(started.runtime.config.appSecret, base, () => new Date()).signIn(
      { cookie: (_name: string, value: string) => (cookie = value) } as never,
      { tenantId: other.id, admin: admin.key },
    );
    const otherContext = await browser.newContext();
    await otherContext.addCookies([{ name: 'cs_admin', value: cookie, url: base }]);
    const otherPage = await otherContext.newPage();
    try {
      await otherPage.goto(base);
      await otherPage.getByLabel('Search shared contacts').pressSequentially('Bob');
      await otherPage.locator('#view:not([aria-busy]) .view-people').waitFor();
      const text = await visibleText(otherPage);
      expect(text).toContain('Another Operator');
      expect(text).not.toContain('Bob Smith');
      const first = started.sandboxTenantId;
      const status = await otherPage.evaluate(
        async (tenant) => (await fetch(`/api/tenants/${tenant}/people?q=Bob`)).status,
        first,
      );
      expect(status).toBe(403);
    } finally {
      await otherContext.close();
    }
  });

  it('every view passes axe-core without a serious violation, at 1200 px and at 375 px without sideways scroll', async () => {
    const problems: string[] = [];
    for (const width of [1200, 375]) {
      await page.setViewportSize({ width, height: 800 });
      for (const view of VIEWS) {
        await openView(page, view);
        if (view === 'history') await page.locator('details.run summary').first().click();
        for (const line of await seriousViolations(page)) problems.push(`${view} at ${width} px: ${line}`);
        if (width === 375) {
          const wide = await scrollWidth(page);
          if (wide > 375) problems.push(`${view} is ${wide} px wide at 375 px`);
        }
        await screenshot(page, `${view}-${width}`);
      }
    }
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    console.info(`screenshots in ${ARTIFACTS}`);
  }, 120_000);
});
