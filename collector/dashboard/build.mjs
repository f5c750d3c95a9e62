// Copies the pinned Chart.js (package.json devDependencies) into static/vendor/, which git ignores:
// the page then works offline, and no third-party code is committed. Run via `npm run build`.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const VENDOR_DIR = join(here, 'static', 'vendor');
export const CHART_FILE = 'chart.umd.min.js';

/** Copy the chart code and its licence; returns the version copied. Throws if npm was not run. */
export function build(vendorDir = VENDOR_DIR) {
  const require = createRequire(import.meta.url);
  let main; // chart.js exports no package.json, so find its folder from its main file (dist/chart.cjs)
  try {
    main = require.resolve('chart.js');
  } catch {
    throw new Error('chart.js is not installed: run `npm install` (or `npm ci`) in the project folder first');
  }
  const root = dirname(dirname(main));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  mkdirSync(vendorDir, { recursive: true });
  copyFileSync(join(root, 'dist', CHART_FILE), join(vendorDir, CHART_FILE));
  copyFileSync(join(root, 'LICENSE.md'), join(vendorDir, 'chart.js-LICENSE.md'));
  return version;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const version = build();
    console.log(`dashboard: copied chart.js ${version} to ${VENDOR_DIR}`);
  } catch (err) {
    console.error(`dashboard build failed: ${err.message}`);
    process.exit(1);
  }
}
