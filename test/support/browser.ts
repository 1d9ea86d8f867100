import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

// Debian's Chromium driven by playwright-core (never a downloaded browser), and what the admin page tests check
// on every view: no serious accessibility violation (axe-core), no sideways scrolling, a screenshot to look at.

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM)
  ? null
  : `${CHROMIUM} is not installed (apt-get install -y chromium)`;
if (chromiumMissing && process.env.CI === 'true')
  throw new Error(`CI needs Chromium for the admin page tests: ${chromiumMissing}`);
if (chromiumMissing) console.warn(`skipping the admin page browser tests: ${chromiumMissing}`);

/** Screenshots for people to look at (never compared): test/artifacts/, ignored by git. */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Script errors and Content-Security-Policy violations the page reports. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A refused request (a bad setting, an endpoint this server does not have yet) is an answer the page shows.
    if (message.type() === 'error' && !/^Failed to load resource/.test(message.text()))
      errors.push(message.text());
  });
  return errors;
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol: the page's CSP (rightly) refuses addScriptTag's inline script.
  // (Browser-side code is given as text: this project's TypeScript has no DOM types.)
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Opens a view of the admin page and waits until it has been drawn. */
export async function openView(page: Page, view: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(view)}`);
  // The page marks the view busy while it loads (networkidle never comes: the live-progress stream stays open).
  await page.locator(`#view:not([aria-busy]) > .view-${view.split('?')[0]}`).waitFor();
}

export const VIEWS = ['overview', 'people', 'preview', 'history', 'accounts', 'settings'] as const;

/** The page's visible text (what a person reads), for word checks. */
export const visibleText = (page: Page) => page.evaluate('document.body.innerText') as Promise<string>;

/** The document's width in CSS pixels (wider than the viewport: the page scrolls sideways). */
export const scrollWidth = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
