// Debian's Chromium for the dashboard's browser tests: where it is, whether to skip, how to start it.
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
