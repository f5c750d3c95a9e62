// Debian's Chromium for the dashboard's browser tests: where it is, whether to skip, how to start it,
// and how a test opens the dashboard and enters the key.
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Why the suite skips (false when Chromium is there); in CI a missing browser is a failure. */
export const chromiumMissing = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}: apt-get install chromium`;
if (chromiumMissing && process.env.CI === 'true') throw new Error(chromiumMissing);

/** Headless, with the flags a closed network needs (shared/browser-testing.md). */
export async function launchBrowser() {
  // Imported here, so a machine without the package can still load the file and skip.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

export const WAIT = { timeout: 10_000 };

/** A new context and page on the dashboard at `url` (plus `hash`); `errors` collects the page's errors
 * and console errors, which a test expects to stay empty. */
export async function openDashboard(browser, url, options = {}, hash = '') {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(`console: ${msg.text()}`));
  await page.goto(`${url}/${hash}`, WAIT);
  return { context, page, errors };
}

/** Type the API key into the page's key form and send it. */
export async function enterKey(page, key) {
  await page.waitForSelector('#key-input', { state: 'visible', ...WAIT });
  await page.fill('#key-input', key);
  await page.click('#key-form button[type=submit]');
}
