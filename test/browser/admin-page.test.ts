import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';
import type { Store } from '../../src/store/store.ts';
import { runTenant } from '../../src/sync/run-tenant.ts';
import {
  chromiumMissing,
  collectErrors,
  launchBrowser,
  openView,
  screenshot,
  scrollWidth,
  seriousViolations,
  visibleText,
} from '../support/browser.ts';
import { MemoryProvider } from '../support/memory-connector.ts';
import { account, person } from '../support/snapshot-builder.ts';
import { startTestApp } from '../support/test-app.ts';

// The admin page in a real browser over the in-memory provider: a fresh tenant, approvals, hostile account names,
// signed out, privacy deletions and Salesforce's real-time changes. (The sandbox test drives the demo tenant on the
// HubSpot simulator.)

const SECRET = 'browser-test-secret-that-is-long-enough-0123456789';
const HOSTILE = '<script>alert(1)</script>';
let opened: OpenDatabase;
let browser: Browser;
let base: string;
let close: () => void;
let provider: MemoryProvider;
let store: Store;
let tenantId = '';
/** While false, the app signs nobody in (as outside the sandbox). */
let signedIn = true;

beforeAll(async () => {
  if (chromiumMissing) return;
  provider = new MemoryProvider({
    children: [
      account('north', [person('n1', { emails: ['bob@example.com'], properties: { firstname: 'Bob' } })], {
        name: 'North',
      }),
      account('south', [person('s1', { emails: ['bob@example.com'] })], { name: HOSTILE }),
    ],
    corporate: { id: 'corp', name: 'HQ', contacts: [] },
  });
  opened = await openDatabase({ dataDir: 'memory://' });
  const app = await startTestApp(opened, provider, {
    secret: SECRET,
    sandboxTenantId: () => (signedIn ? tenantId : null),
  });
  tenantId = (await app.store.tenants.create('Evergreen')).id;
  await provider.connectAll(app.store, tenantId);
  ({ base, close, store } = app);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  close?.();
  await opened?.close();
});

describe.skipIf(chromiumMissing !== null)('the admin page', () => {
  it('saves settings on a fresh tenant as they are, and refuses a bad one with the field named', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${base}/#settings`);
    await openView(page, 'settings');
    expect(await page.locator('#title').textContent()).toContain('Evergreen');
    // A new tenant's time zone is UTC, never "undefined".
    expect(await page.inputValue('select[name=timeZone]')).toBe('UTC');
    await page.click('#settings button[type=submit]');
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Settings saved.');
    expect(await page.locator('#settings-outcome').textContent()).toContain(
      'Nothing changes on the next run',
    );
    expect(await page.locator('#settings-error').textContent()).toBe('');

    await page.fill('input[name=time]', '07:30');
    await page.selectOption('select[name=timeZone]', 'America/New_York');
    await page.click('#settings button[type=submit]');
    await expect
      .poll(() => page.locator('#settings-outcome').textContent())
      .toContain('The daily run moves to 07:30 (America/New_York)');
    expect((await store.tenants.get(tenantId))?.settings.schedule).toEqual({
      time: '07:30',
      timeZone: 'America/New_York',
    });

    await page.fill('input[name=defaultCountry]', 'ZZ');
    await page.click('#settings button[type=submit]');
    // Named by the label the admin sees, with the cursor in the field to fix.
    await expect
      .poll(() => page.locator('#settings-error').textContent())
      .toMatch(/^Default phone country: expected an ISO 3166 two-letter country code/);
    expect(await page.locator(':focus').getAttribute('name')).toBe('defaultCountry');
    expect(await page.locator('input[name=defaultCountry]').getAttribute('aria-invalid')).toBe('true');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('previews without writing, and runs only after the confirmation', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#preview`);
    await openView(page, 'preview');
    await page.getByRole('button', { name: 'Preview (writes nothing)' }).click();
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toMatch(/^Preview: 1 shared contact, \d+ records would change\.$/);
    expect(provider.writes).toBe(0);

    await page.getByRole('button', { name: 'Run now' }).click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.textContent()).toMatch(/\d+ records will change in your CRMs/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Nothing was run.');
    expect(provider.writes).toBe(0);
    // The dialog gives the focus back.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Run now');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page
      .locator('dialog[open]')
      .getByRole('button', { name: /^Change \d+ records$/ })
      .click();
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toMatch(/^Run finished: \d+ records written\.$/);
    expect(provider.writes).toBeGreaterThan(0);
    await page.close();
  });

  it('shows an account named like a script as text', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(`${base}/#accounts`);
    await openView(page, 'accounts');
    expect(await page.locator('td[data-label=Name] strong').allTextContents()).toContain(HOSTILE);
    expect(await page.locator('#view script').count()).toBe(0);
    expect(await visibleText(page)).toContain(HOSTILE);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('lists an account waiting for approval with who connected it, and approving it connects it', async () => {
    const west = await store.accounts.save(
      tenantId,
      {
        provider: 'hubspot',
        externalId: 'west',
        role: 'child',
        name: 'West',
        country: null,
        tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: null },
        details: {},
      },
      'pending',
      'manager@west.example.com',
    );
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${base}/`);
    // The overview says an account waits, and links to Accounts.
    await openView(page, 'overview');
    expect(await page.locator('.attention').textContent()).toContain('West');
    await openView(page, 'accounts');
    const pendingRow = await page.locator('#pending-section tbody tr').textContent();
    expect(pendingRow).toContain('West');
    expect(pendingRow).toContain('HubSpot');
    expect(pendingRow).toContain('manager@west.example.com');
    await screenshot(page, 'accounts-pending');
    await page.locator('#pending-section').getByRole('button', { name: 'Approve' }).click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.locator('h2').textContent()).toBe('Approve West?');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('West is connected.');
    expect((await store.accounts.get(tenantId, west.id))?.status).toBe('connected');
    expect(await page.locator('#pending-section').count()).toBe(0);
    await expect
      .poll(() => page.locator('td[data-label=What]').first().textContent())
      .toContain('approved West');
    // The page runs under the Content-Security-Policy without a single violation or script error.
    expect(errors).toEqual([]);
    await page.close();
  });

  it('signed out, the page offers "Sign in with HubSpot"', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    signedIn = false;
    try {
      await page.goto(`${base}/`);
      await expect.poll(() => page.locator('#signed-out').isVisible()).toBe(true);
      const link = page.locator('#sign-in-buttons a');
      expect(await link.textContent()).toBe('Sign in with HubSpot');
      expect(await link.getAttribute('href')).toBe('/signin/hubspot');
      await screenshot(page, 'signed-out');
    } finally {
      signedIn = true;
      await context.close();
    }
  });

  it('an OAuth error page (consent denied, expired link) is a page with a way back to the admin page', async () => {
    const page = await browser.newPage();
    for (const [path, says] of [
      ['/oauth/hubspot/callback?error=access_denied', 'the authorisation did not complete (access_denied)'],
      ['/oauth/hubspot/callback?code=abc&state=old', 'invalid, already used or expired'],
    ] as const) {
      const response = await page.goto(`${base}${path}`);
      expect(response?.status()).toBe(400);
      expect(await page.locator('h1').textContent()).toBe('Something went wrong');
      expect(await page.locator('body').textContent()).toContain(says);
      expect(
        await page.getByRole('link', { name: 'Go to the Community Sync admin page' }).getAttribute('href'),
      ).toBe('/');
    }
    await screenshot(page, 'error-page');
    await page.getByRole('link', { name: 'Go to the Community Sync admin page' }).click();
    await page.locator('#view:not([aria-busy]) > .view-overview').waitFor();
    await page.close();
  });

  it('lists a privacy deletion with the corporate copy it left, for the admin to decide about', async () => {
    // West (approved above) has nothing to read in the memory provider; the run reads it as empty.
    provider.accounts.set('west', {
      id: 'west',
      name: 'West',
      country: null,
      pipelines: [],
      deals: [],
      contacts: [],
    });
    await store.tenants.updateSettings(tenantId, { copyToCorporate: true });
    await runTenant(store, () => provider.connector(), tenantId);
    const copy = provider.accounts.get('corp')?.contacts[0];
    expect(copy).toBeDefined();
    // HubSpot deleted Bob's North record for a privacy request (as processChangeEvents does with the webhook).
    const deletion = await store.privacyDeletions.forget(tenantId, {
      accountId: 'north',
      recordId: 'n1',
      occurredAt: new Date(),
      corporateAccountId: 'corp',
    });
    expect(deletion.corporateCopies.map((c) => c.recordId)).toEqual([copy?.id]);
    const copyUrl = `https://memory.invalid/corp/records/${copy?.id}`;

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${base}/`);
    await openView(page, 'overview');
    const attention = page.locator('#privacy-attention');
    expect(await attention.locator('td[data-label="Deleted in"]').textContent()).toMatch(
      /^North \(child account\)record n1, forgotten$/,
    );
    expect(await attention.textContent()).toContain(
      'Community Sync never deletes records: you decide whether to delete each corporate copy in the corporate CRM.',
    );
    const link = attention.locator('td[data-label="Corporate copies"] a');
    expect(await link.getAttribute('href')).toBe(copyUrl);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.textContent()).toBe('Bob (opens in a new tab)');
    await screenshot(page, 'overview-privacy');

    await openView(page, 'accounts');
    const listed = page.locator('#privacy-section tbody tr');
    expect(await listed.count()).toBe(1);
    expect(await listed.locator('a').getAttribute('href')).toBe(copyUrl);
    expect(await listed.textContent()).toContain('in HQ');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('turns on real-time changes for a Salesforce account only, and shows why the org refused', async () => {
    const org = await store.accounts.save(tenantId, {
      provider: 'salesforce',
      externalId: '00D000000000001',
      role: 'child',
      name: 'Sunrise Oaks',
      country: null,
      tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: null },
      details: { instanceUrl: 'https://sunrise.my.salesforce.com' },
    });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${base}/`);
    await openView(page, 'accounts');
    const section = page.locator('#change-capture-section');
    // One toggle: the Salesforce account's, none for the HubSpot accounts.
    expect(await section.locator('legend').allTextContents()).toEqual(['Sunrise Oaks']);
    const toggle = section.getByLabel('Real-time changes (Change Data Capture)');
    expect(await toggle.isChecked()).toBe(false);
    const status = section.locator('.capture-status');
    expect(await status.textContent()).toBe('Off: changes are picked up within a minute.');
    expect(await section.locator('.help').textContent()).toMatch(
      /^Changes show up in seconds instead of within a minute/,
    );

    await toggle.check();
    await expect
      .poll(() => status.textContent())
      .toBe('Starting: Community Sync turns it on within 30 seconds.');
    expect(await store.salesforceFeeds.changeCapture(tenantId, org.id)).toMatchObject({ enabled: true });
    expect(await page.evaluate('document.activeElement.name')).toBe('change-capture');

    // The org refused to select the entities: the page says why, as the server said it.
    const why = 'The connected user lacks Customize Application: ask an org admin to grant it.';
    await store.salesforceFeeds.reportChangeCapture(tenantId, org.id, 'unsupported', why);
    await page.reload();
    await openView(page, 'accounts');
    expect(await toggle.isChecked()).toBe(true);
    expect(await status.textContent()).toBe(`Not possible in this org: ${why}`);
    await screenshot(page, 'accounts-change-capture');

    await toggle.uncheck();
    await expect.poll(() => status.textContent()).toBe('Off: changes are picked up within a minute.');
    expect(await store.salesforceFeeds.changeCapture(tenantId, org.id)).toMatchObject({ enabled: false });
    await page.reload();
    await openView(page, 'accounts');
    expect(await page.locator('td[data-label=What]').first().textContent()).toContain(
      'turned off real-time changes (Change Data Capture) for Sunrise Oaks',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the new parts speak only their mode’s words, pass axe-core, and fit 375 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(`${base}/`);
    const problems: string[] = [];
    const parts = {
      overview: ['#privacy-attention'],
      accounts: ['#privacy-section', '#change-capture-section'],
    };
    for (const [mode, otherWords] of [
      ['b2b-b2c', /communit(y|ies)|prospect/i],
      ['senior-living', /child account|\bdeals?\b/i],
    ] as const) {
      await store.tenants.updateSettings(tenantId, { mode });
      await page.reload();
      for (const [view, selectors] of Object.entries(parts)) {
        await openView(page, view);
        for (const selector of selectors) {
          const text = (await page.locator(selector).innerText()).replaceAll('Community Sync', 'the app');
          expect(text.length, selector).toBeGreaterThan(0);
          expect(text, `${selector} in ${mode}`).not.toMatch(otherWords);
        }
      }
    }
    await openView(page, 'overview');
    expect(await page.locator('#privacy-attention').innerText()).toContain('North (community)');
    for (const width of [1100, 375]) {
      await page.setViewportSize({ width, height: 800 });
      for (const view of Object.keys(parts)) {
        await openView(page, view);
        for (const line of await seriousViolations(page)) problems.push(`${view} at ${width} px: ${line}`);
        const wide = await scrollWidth(page);
        if (wide > width) problems.push(`${view} is ${wide} px wide at ${width} px`);
        await screenshot(page, `${view}-privacy-capture-${width}`);
      }
    }
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('serves the favicon, also at /favicon.ico', async () => {
    const svg = await fetch(`${base}/favicon.svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const ico = await fetch(`${base}/favicon.ico`, { redirect: 'manual' });
    expect(ico.status).toBe(301);
    expect(ico.headers.get('location')).toBe('/favicon.svg');
    // Only the page's own files: no path from the request reaches the disk.
    expect((await fetch(`${base}/views/..%2Fadmin.html`)).status).toBe(404);
    expect((await fetch(`${base}/views/dom.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
  });
});
