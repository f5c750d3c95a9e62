// End to end in real headless Chromium with the unpacked extension, against the real collector:
// fake ChatGPT (TLS), Claude and Gemini pages reached by their real names; the collector's counters
// must equal the token counts computed here with the same tokenizer. Then: the collector down and
// back up, a 503 then a 200 for the same seq, and the service worker killed with a batch in flight.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { countText } from '../../tokenizer-entry.js';
import { CHROMIUM, EXT, cleanupAll, closedPort, getJson, makeCert, onCleanup, startCollector, startProxy, startSites, tempDir, waitFor } from './harness.mjs';
import { fakeSites, moreSites } from './pages.mjs';

const missing = !fs.existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`${CHROMIUM} not found (CI=true): apt-get install chromium`);
const suite = missing ? { skip: `${CHROMIUM} not found: apt-get install chromium to run the browser tests` } : {};

describe('extension in Chromium', { ...suite, timeout: 110000 }, () => {
  const apiKey = crypto.randomBytes(16).toString('hex');
  const sites = fakeSites();
  const others = moreSites();
  const expected = {}; // host -> tokens the collector must hold
  const pages = {};
  let stateDir, collector, proxy, ctx, control, extId;

  before(async () => {
    if (!fs.existsSync(path.join(EXT, 'dist', 'tokenizer.js'))) throw new Error('extension/dist/tokenizer.js missing: run npm run build');
    const tmp = tempDir('llm-usage-e2e-');
    stateDir = path.join(tmp, 'collector');
    fs.mkdirSync(stateDir);
    collector = await startCollector({ apiKey, stateDir });
    proxy = await startProxy(collector.port);
    const tlsPort = await startSites({ 'chatgpt.com': sites['chatgpt.com'] }, { tls: makeCert(tmp) });
    const httpPort = await startSites({ 'claude.ai': sites['claude.ai'], 'gemini.google.com': sites['gemini.google.com'], ...others });
    const otherRules = Object.keys(others).map((h) => `, MAP ${h} 127.0.0.1:${httpPort}`).join('');
    ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM, headless: true, ignoreHTTPSErrors: true,
      args: [`--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--no-sandbox', '--disable-gpu',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        `--host-resolver-rules=MAP chatgpt.com 127.0.0.1:${tlsPort}, MAP claude.ai 127.0.0.1:${httpPort}, MAP gemini.google.com 127.0.0.1:${httpPort}${otherRules}`],
    });
    onCleanup(() => ctx.close());
    const sw = ctx.serviceWorkers()[0] || (await ctx.waitForEvent('serviceworker', { timeout: 10000 }));
    extId = new URL(sw.url()).host;
    if (process.env.E2E_DEBUG) sw.on('console', (m) => console.error('SW:', m.text()));
    // An extension page to read and write chrome.storage: it outlives service worker restarts.
    control = await ctx.newPage();
    await control.goto(`chrome-extension://${extId}/options/options.html`);
    await waitFor('the install seed', () => storage('clientId'));
    await control.evaluate(([url, key]) => chrome.storage.local.set({ collectorUrl: url, apiKey: key }), [proxy.url, apiKey]);
    for (const [host, site] of Object.entries(sites)) {
      pages[host] = await ctx.newPage();
      await pages[host].goto(site.pageUrl);
    }
  });

  after(cleanupAll);

  const storage = (key) => control.evaluate((k) => chrome.storage.local.get(k).then((s) => s[k]), key);

  /** Runs one prompt and streamed reply on host's page; the page must receive the reply unchanged. */
  async function chat(host) {
    const { fixture } = sites[host] ?? others[host];
    const received = await pages[host].evaluate(() => window.chat());
    assert.equal(received, fixture.reply, `${host}: the page received its reply unchanged`);
    expected[host] = (expected[host] ?? 0) + countText(fixture.expected.prompt) + countText(fixture.expected.reply);
    // The hook posts after the stream ends; wait until the worker has counted both parts.
    await waitFor(`${host} counted by the worker`, async () => (await storage('today'))?.counts[host] === expected[host]);
  }

  /** Waits until everything is delivered, then checks the counters equal what we expect, exactly. */
  async function assertDelivered(timeoutMs = 20000) {
    await waitFor('pending and in-flight to drain', async () => {
      const [pending, inflight] = [await storage('pending'), await storage('inflight')];
      return !inflight && Object.keys(pending ?? {}).length === 0;
    }, { timeoutMs }).catch(async (error) => {
      const state = await control.evaluate(() => chrome.storage.local.get(null));
      throw new Error(`${error.message}\nextension storage: ${JSON.stringify(state)}`);
    });
    const { counters } = await getJson(`${collector.url}/counters`, apiKey);
    assert.deepEqual(counters, expected);
  }

  test('ChatGPT (TLS), Claude and Gemini counts reach the collector exactly', async () => {
    for (const host of Object.keys(sites)) await chat(host);
    await assertDelivered();
    const today = await storage('today');
    assert.deepEqual(today.counts, expected, 'the popup shows the same counts for today');
  });

  test('Perplexity, DeepSeek, Grok and Mistral counts reach the collector exactly', async () => {
    for (const [host, site] of Object.entries(others)) {
      pages[host] = await ctx.newPage();
      await pages[host].goto(site.pageUrl);
      await chat(host);
      await pages[host].close();
    }
    await assertDelivered();
  });

  test('the popup and the options page show a classified live status', async () => {
    const popup = await ctx.newPage();
    await popup.goto(`chrome-extension://${extId}/popup/popup.html`);
    await waitFor('the popup status', async () => (await popup.textContent('#status')) === 'connected');
    const rows = await popup.$$eval('#today tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    const labels = Object.fromEntries(Object.keys(expected).map((h) => [h, h === 'chatgpt.com' ? 'exact' : 'estimate']));
    assert.deepEqual(Object.fromEntries(rows.map(([host, , label]) => [host, label])), labels);
    assert.deepEqual(Object.fromEntries(rows.map(([host, n]) => [host, Number(n.replace(/\D/g, ''))])), expected);
    await popup.close();
    const options = await ctx.newPage();
    await options.goto(`chrome-extension://${extId}/options/options.html`);
    const probe = async (url, key) => {
      await options.fill('#url', url);
      await options.fill('#key', key);
      await options.click('#test');
      return waitFor('the test result', async () => {
        const text = await options.textContent('#status');
        return text && text !== 'Testing…' ? text : null;
      });
    };
    assert.match(await probe(proxy.url, apiKey), /^connected/);
    assert.match(await probe(proxy.url, 'wrong-key'), /^auth error/);
    assert.match(await probe(`http://127.0.0.1:${await closedPort()}`, apiKey), /^unreachable/);
    assert.match(await probe('', apiKey), /^misconfigured/);
    assert.equal(await storage('apiKey'), apiKey, 'testing does not save');
    await options.close();
  });

  test('collector down, then back up: the counts arrive once', async () => {
    await collector.stop('SIGKILL');
    await chat('claude.ai');
    await waitFor('a failed send', async () => (await storage('lastError'))?.kind === 'unreachable');
    collector = await startCollector({ apiKey, stateDir }); // same state: it replays its journal
    proxy.state.upstreamPort = collector.port;
    await assertDelivered(30000);
  });

  test('a 503 then a 200: the same batch is resent unchanged', async () => {
    const first = proxy.state.adds.length;
    proxy.state.next = 'fail503';
    await chat('chatgpt.com');
    await assertDelivered();
    const adds = proxy.state.adds.slice(first);
    // The prompt and the reply are counted as they come, so a second batch may follow the retried one.
    assert.deepEqual(adds.slice(0, 2).map((a) => a.answer), [503, 200]);
    assert.deepEqual(adds[1].body, adds[0].body, 'same seq, deltas and ts');
    assert.ok(adds.slice(2).every((a) => a.answer === 200 && a.body.seq > adds[0].body.seq));
  });

  test('service worker killed with a batch in flight: the frozen batch is resent', async () => {
    const first = proxy.state.adds.length;
    proxy.state.next = 'hang';
    await chat('gemini.google.com');
    await waitFor('the held /add', () => proxy.state.held.length === 1);
    const held = proxy.state.adds[first].body;
    const inflight = await storage('inflight');
    assert.deepEqual({ seq: inflight.seq, deltas: inflight.deltas, ts: inflight.ts }, { seq: held.seq, deltas: held.deltas, ts: held.ts });

    const cdp = await ctx.browser().newBrowserCDPSession();
    const workers = async () => (await cdp.send('Target.getTargets')).targetInfos
      .filter((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extId}/`));
    const [worker] = await workers();
    await cdp.send('Target.closeTarget', { targetId: worker.targetId });
    await waitFor('the worker to stop', async () => (await workers()).length === 0);
    proxy.release(); // the old connection dies; nobody is left to read its answer

    await chat('claude.ai'); // new usage wakes the worker, which first resends the frozen batch
    await waitFor('the worker to restart', async () => (await workers()).length === 1);
    await assertDelivered();
    const adds = proxy.state.adds.slice(first);
    assert.deepEqual(adds[1].body, held, 'the frozen batch was resent unchanged');
    assert.equal(adds[1].answer, 200);
    assert.ok(adds.slice(2).every((a) => a.body.seq > held.seq), 'later batches have later seqs');
  });
});
