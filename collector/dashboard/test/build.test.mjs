import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

import { CHART_FILE, build } from '../build.mjs';

test('build copies the pinned chart.js, a UMD bundle that defines window.Chart', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dash-vendor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const version = build(dir);
  const pinned = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url))).devDependencies['chart.js'];
  assert.equal(version, pinned);
  const code = readFileSync(join(dir, CHART_FILE), 'utf8');
  assert.match(code, /Chart\.js v4/);
  assert.ok(readFileSync(join(dir, 'chart.js-LICENSE.md'), 'utf8').includes('MIT'));
});
