// The dashboard's coding-agents section in headless Chromium: a real collector reading a Claude Code
// transcript and a Codex rollout (shapes as in tests/agents/fixtures/README.md). Skips like
// dashboard.test.mjs when Chromium is missing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from '../build.mjs';
import { WAIT, enterKey, chromiumMissing as missing, launchBrowser, openDashboard } from './browser.mjs';
import { startCollector } from './collector-process.mjs';

const KEY = 'browser-test-key';
const when = new Date(Date.now() - 60_000).toISOString();

const claudeLine = (n) => JSON.stringify({
  type: 'assistant', timestamp: when, sessionId: 's', requestId: `req_${n}`, cwd: '/home/u/web',
  message: { id: `msg_${n}`, model: 'claude-haiku-4-5',
    usage: { input_tokens: 2, output_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 } },
});
const codexLines = [
  { timestamp: when, type: 'session_meta', payload: { id: '0199a000-0000-7000-8000-00000000000b', cli_version: '0.140.0' } },
  { timestamp: when, type: 'turn_context', payload: { cwd: '/home/u/web', model: 'gpt-5' } },
  { timestamp: when, type: 'event_msg', payload: { type: 'token_count', info: {
    total_token_usage: { input_tokens: 2000, cached_input_tokens: 0, output_tokens: 100, reasoning_output_tokens: 0, total_tokens: 2100 },
    last_token_usage: { input_tokens: 2000, cached_input_tokens: 0, output_tokens: 100, reasoning_output_tokens: 0, total_tokens: 2100 } } } },
].map((l) => JSON.stringify(l));

const rowsOf = (id) => [...document.querySelectorAll(`#${id} tbody tr`)]
  .map((tr) => [...tr.children].map((c) => c.textContent));

describe('dashboard coding-agents section in headless Chromium', { skip: missing, timeout: 30_000 }, () => {
  let dir;
  let collector;
  let browser;

  before(async () => {
    build();
    dir = mkdtempSync(join(tmpdir(), 'dashboard-agents-'));
    const claude = join(dir, 'home', '.claude', 'projects', '-home-u-web');
    const codex = join(dir, 'codex', 'sessions', '2026', '05', '01');
    mkdirSync(claude, { recursive: true });
    mkdirSync(codex, { recursive: true });
    writeFileSync(join(claude, 's.jsonl'), `${claudeLine(1)}\n${claudeLine(2)}\n`);
    writeFileSync(join(codex, 'rollout-x-0199a000-0000-7000-8000-00000000000b.jsonl'), `${codexLines.join('\n')}\n`);
    collector = await startCollector(dir, KEY, {
      AGENT_LOGS: 'claude-code,codex', HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg'),
      CODEX_HOME: join(dir, 'codex'),
    });
    const scan = await fetch(`${collector.url}/api/agents/scan`, { method: 'POST', headers: { 'X-API-KEY': KEY } });
    assert.equal((await scan.json()).requests, 3);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('daily report, 5-hour blocks and the source filter', async () => {
    const { context, page, errors } = await openDashboard(browser, collector.url);
    await enterKey(page, KEY);
    await page.waitForSelector('#agents', { state: 'visible', ...WAIT });
    await page.waitForSelector('#agents-daily tbody tr', WAIT);

    // haiku: 2 x (2*$1 + 10*$5 + 100*$0.10)/MTok = $0.000124; gpt-5: 2000*$1.25 + 100*$10 = $0.0035
    const daily = await page.evaluate(rowsOf, 'agents-daily');
    assert.deepEqual(daily.map((r) => r.slice(1)), [['claude-haiku-4-5, gpt-5', '2,004', '120', '200', '0', '2,324', '$0.0036']]);
    const blocks = await page.evaluate(rowsOf, 'agents-blocks');
    assert.deepEqual(blocks.map((r) => r.slice(1)), [['claude-haiku-4-5', '2', '4', '20', '200', '0', '$0.00012']]);

    await page.selectOption('#agents-source', 'codex');
    await page.waitForFunction(() => document.querySelector('#agents-daily tbody tr th + td')?.textContent === 'gpt-5', null, WAIT);
    assert.deepEqual((await page.evaluate(rowsOf, 'agents-daily'))[0].slice(2), ['2,000', '100', '0', '0', '2,100', '$0.0035']);
    assert.equal(await page.isVisible('#agents-blocks-box'), false); // blocks are Claude Code's
    assert.deepEqual(errors, []);
    await context.close();
  });
});
