import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';
import type { Store } from '../../src/store/store.ts';
import { MemoryProvider } from '../support/memory-connector.ts';
import { account, person } from '../support/snapshot-builder.ts';
import { startTestApp } from '../support/test-app.ts';

// The admin page in a real browser (Debian's Chromium, driven by playwright-core; never a downloaded one).

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install -y chromium)`;
if (missing && process.env.CI === 'true')
  throw new Error(`CI needs Chromium for the admin page test: ${missing}`);
if (missing) console.warn(`skipping the admin page browser test: ${missing}`);

const SECRET = 'browser-test-secret-that-is-long-enough-0123456789';
let opened: OpenDatabase;
let browser: Browser;
let base: string;
let close: () => void;
let provider: MemoryProvider;
let store: Store;
let tenantId = '';
/** While false, the app signs nobody in (as outside the sandbox). */
let signedIn = true;
/** Screenshots for people to look at (not compared): test/browser/screenshots/, ignored by git. */
const SHOTS = join(import.meta.dirname, 'screenshots');

beforeAll(async () => {
  if (missing) return;
  provider = new MemoryProvider({
    children: [
      account('north', [person('n1', { emails: ['bob@example.com'], properties: { firstname: 'Bob' } })], {
        name: 'North',
      }),
      account('south', [person('s1', { emails: ['bob@example.com'] })], { name: 'South' }),
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
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  close?.();
  await opened?.close();
});

describe.skipIf(missing !== null)('the admin page', () => {
  it('lists the accounts, previews without writing, runs, and refuses bad settings with the field named', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('#accounts tr').count()).toBe(3);
    expect(await page.locator('#title').textContent()).toContain('Evergreen');

    await page.click('#preview');
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toMatch(/1 shared contacts; \d+ changes would be written/);
    expect(provider.writes).toBe(0);

    await page.click('#run');
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toMatch(/1 shared contacts; \d+ changes written/);
    expect(provider.writes).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#runs tr').count()).toBe(2);

    // A new tenant's settings save as they are: its time zone is UTC, never "undefined".
    expect(await page.inputValue('input[name=timeZone]')).toBe('UTC');
    await page.click('#settings button[type=submit]');
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Settings saved.');
    expect(await page.locator('#settings-error').textContent()).toBe('');

    await page.fill('input[name=time]', '3 am');
    // The browser's own pattern check would stop the form; the server must refuse the value by itself.
    await page
      .locator('input[name=time]')
      .evaluate((input: { removeAttribute(name: string): void }) => input.removeAttribute('pattern'));
    await page.click('#settings button[type=submit]');
    await expect.poll(() => page.locator('#settings-error').textContent()).toMatch(/^schedule\.time: /);
  }, 60_000);

  it('lists an account waiting for approval with who connected it, and approving it connects it', async () => {
    await provider.connectAll(store, tenantId);
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
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('#pending tr').count()).toBe(1);
    const pendingRow = await page.locator('#pending tr').textContent();
    expect(pendingRow).toContain('West');
    expect(pendingRow).toContain('HubSpot');
    expect(pendingRow).toContain('manager@west.example.com');
    await page.screenshot({ path: join(SHOTS, 'admin-pending.png'), fullPage: true });
    const asked: string[] = [];
    page.on('dialog', async (dialog) => {
      asked.push(dialog.message());
      await dialog.accept();
    });
    await page.click('#pending button:has-text("Approve")');
    expect(asked).toEqual(['Approve West (HubSpot account west)?']);
    await expect.poll(() => page.locator('#notice').textContent()).toBe('West is connected.');
    expect((await store.accounts.get(tenantId, west.id))?.status).toBe('connected');
    await expect.poll(() => page.locator('#pending-section').isHidden()).toBe(true);
    await expect.poll(() => page.locator('#actions tr').first().textContent()).toContain('approved West');
    await page.screenshot({ path: join(SHOTS, 'admin-approved.png'), fullPage: true });
    // The page runs under the Content-Security-Policy without a single violation or script error.
    expect(errors).toEqual([]);
  }, 60_000);

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
      await page.screenshot({ path: join(SHOTS, 'signed-out.png') });
    } finally {
      signedIn = true;
      await context.close();
    }
  }, 60_000);
});
