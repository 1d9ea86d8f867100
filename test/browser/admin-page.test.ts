import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from '../../src/store/database.ts';
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
  let tenantId = '';
  const app = await startTestApp(opened, provider, { secret: SECRET, sandboxTenantId: () => tenantId });
  tenantId = (await app.store.tenants.create('Evergreen')).id;
  await provider.connectAll(app.store, tenantId);
  ({ base, close } = app);
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

    await page.fill('input[name=time]', '3 am');
    // The browser's own pattern check would stop the form; the server must refuse the value by itself.
    await page
      .locator('input[name=time]')
      .evaluate((input: { removeAttribute(name: string): void }) => input.removeAttribute('pattern'));
    await page.click('#settings button[type=submit]');
    await expect.poll(() => page.locator('#settings-error').textContent()).toMatch(/^schedule\.time: /);
  }, 60_000);
});
