// End to end in real headless Chromium with the unpacked extension, against the real collector: the
// eight chat apps' fake pages, reached by their real names (TLS for chatgpt.com and Copilot's wss:),
// each on its app's own transport. The collector's counters, and the usage detail the worker sent,
// must equal the o200k_base counts computed here from the fixture text. Then: a site whose format
// changed (unparsed, shown in the popup), the collector down and back up, a 503 then a 200 for the
// same seq, the service worker killed with a batch in flight, the tab closed right after a reply with
// the worker asleep, and no prompt text on the page's message events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM, EXT, cleanupAll, closedPort, getJson, launchWithExtension, makeCert, startCollector, startProxy, startSites, tempDir, waitFor } from './harness.mjs';
import { httpSites, tlsSites } from './pages.mjs';
import { createExpectations, sentUnparsed, sentUsage, storedUsage, usageMismatches, withoutExact } from './usage.mjs';

const missing = !fs.existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`${CHROMIUM} not found (CI=true): apt-get install chromium`);
const suite = missing ? { skip: `${CHROMIUM} not found: apt-get install chromium to run the browser tests` } : {};

describe('extension in Chromium', { ...suite, timeout: 150000 }, () => {
  const apiKey = crypto.randomBytes(16).toString('hex');
  const sites = { ...tlsSites(), ...httpSites() };
  const expect = createExpectations();
  const pages = {};
  let stateDir, collector, proxy, ctx, control, extId, cdp;

  before(async () => {
    if (!fs.existsSync(path.join(EXT, 'dist', 'tokenizer.js'))) throw new Error('extension/dist/tokenizer.js missing: run npm run build');
    const tmp = tempDir('llm-usage-e2e-');
    stateDir = path.join(tmp, 'collector');
    fs.mkdirSync(stateDir);
    collector = await startCollector({ apiKey, stateDir });
    proxy = await startProxy(collector.port);
    const tls = tlsSites();
    const tlsPort = await startSites(tls, { tls: makeCert(tmp, Object.keys(tls)) });
    const httpPort = await startSites(httpSites());
    const rules = Object.keys(sites).map((h) => `MAP ${h} 127.0.0.1:${h in tls ? tlsPort : httpPort}`).join(', ');
    let sw;
    ({ ctx, sw, extId } = await launchWithExtension(path.join(tmp, 'profile'), rules, { ignoreHTTPSErrors: true }));
    if (process.env.E2E_DEBUG) sw.on('console', (m) => console.error('SW:', m.text()));
    cdp = await ctx.browser().newBrowserCDPSession();
    // An extension page to read and write chrome.storage: it outlives service worker restarts.
    control = await ctx.newPage();
    await control.goto(`chrome-extension://${extId}/options/options.html`);
    await waitFor('the install seed', () => storage('clientId'));
    await control.evaluate(([url, key]) => chrome.storage.local.set({ collectorUrl: url, apiKey: key }), [proxy.url, apiKey]);
  });

  after(cleanupAll);

  const storage = (key) => control.evaluate((k) => chrome.storage.local.get(k).then((s) => s[k]), key);
  const workers = async () => (await cdp.send('Target.getTargets')).targetInfos
    .filter((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extId}/`));

  async function stopWorker() {
    const [worker] = await workers();
    if (worker) await cdp.send('Target.closeTarget', { targetId: worker.targetId });
    await waitFor('the worker to stop', async () => (await workers()).length === 0);
  }

  async function open(host) {
    pages[host] = await ctx.newPage();
    await pages[host].goto(sites[host].pageUrl);
    return pages[host];
  }

  /** What the worker sees as the conversation of host's fixture exchange. */
  const conversationOf = (host) => (host === 'chat.mistral.ai' ? 'mc-new-1' : sites[host].fixture.expected.conversation);

  /** Runs one prompt and streamed reply on host's page; the page must receive the reply unchanged. */
  async function chat(host, { query, reply, close = false } = {}) {
    const { fixture } = sites[host];
    const page = pages[host] ?? (await open(host));
    const received = await page.evaluate((q) => window.chat(q), query);
    if (close) await page.close({ runBeforeUnload: false }); // right after the page got the last byte
    if (!query) assert.equal(received.trim(), fixture.reply.trim(), `${host}: the page received its reply unchanged`);
    const { prompt, model } = fixture.expected;
    expect.exchange(host, { prompt, reply: reply ?? fixture.expected.reply, model, conversation: conversationOf(host), exact: host === 'chatgpt.com' });
    if (close) delete pages[host];
    // Counted as it streams; wait until the worker has counted the whole exchange.
    await waitFor(`${host} counted by the worker`, async () => (await storage('today'))?.counts[host] === expect.counters[host]);
  }

  /** Waits until everything is delivered, then checks counters and usage detail, exactly. */
  async function assertDelivered(timeoutMs = 20000) {
    await waitFor('pending and in-flight to drain', async () => {
      const [pending, inflight] = [await storage('pending'), await storage('inflight')];
      return !inflight && Object.keys(pending ?? {}).length === 0;
    }, { timeoutMs }).catch(async (error) => {
      const state = await control.evaluate(() => chrome.storage.local.get(null));
      throw new Error(`${error.message}\nextension storage: ${JSON.stringify(state)}`);
    });
    const stored = await getJson(`${collector.url}/counters`, apiKey);
    assert.deepEqual(stored.counters, expect.counters);
    assert.deepEqual(sentUsage(proxy.state.adds), expect.usage, 'usage per host and model, as sent');
    assert.deepEqual(storedUsage(stored), withoutExact(expect.usage), 'usage per host and model, as the collector kept it');
    assert.deepEqual(usageMismatches(proxy.state.adds), [], 'usage adds up to deltas in every batch');
  }

  const transports = { 'chatgpt.com': 'fetch, TLS', 'copilot.microsoft.com': 'WebSocket over TLS', 'claude.ai': 'fetch with a Request',
    'gemini.google.com': 'XHR', 'chat.mistral.ai': 'newChat, then fetch' };
  for (const host of Object.keys(sites)) {
    test(`${host} (${transports[host] ?? 'fetch'}): counters and usage exact; no chat text on the page's message events`, async () => {
      await chat(host);
      await assertDelivered();
      const seen = await pages[host].evaluate(() => window.__seenMessages);
      const { prompt, reply } = sites[host].fixture.expected;
      assert.ok(!seen.some((m) => m.includes(prompt) || (reply && m.includes(reply.slice(0, 20)))), `a page script saw chat text: ${seen}`);
      if (!['chatgpt.com', 'claude.ai', 'gemini.google.com', 'chat.deepseek.com'].includes(host)) {
        await pages[host].close(); // the later tests use the others again
        delete pages[host];
      }
    });
  }

  test('the popup and the options page show a classified live status', async () => {
    const popup = await ctx.newPage();
    await popup.goto(`chrome-extension://${extId}/popup/popup.html`);
    await waitFor('the popup status', async () => (await popup.textContent('#status')) === 'connected');
    const rows = await popup.$$eval('#today tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    const labels = Object.fromEntries(Object.keys(expect.counters).map((h) => [h, h === 'chatgpt.com' ? 'exact' : 'estimate']));
    assert.deepEqual(Object.fromEntries(rows.map(([host, , label]) => [host, label])), labels);
    assert.deepEqual(Object.fromEntries(rows.map(([host, n]) => [host, Number(n.replace(/\D/g, ''))])), expect.counters);
    assert.equal(await popup.textContent('#unparsed'), '', 'no warning while every reply was read');
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

  test('a site whose format changed: its prompt counts, the reply is reported unparsed in the popup and the batch', async () => {
    await chat('chat.deepseek.com', { query: '?changed=1', reply: '' });
    await waitFor('the unparsed reply', async () => (await storage('today'))?.unparsed?.['chat.deepseek.com'] === 1);
    await assertDelivered();
    assert.deepEqual(sentUnparsed(proxy.state.adds), { 'chat.deepseek.com': 1 });
    const { unparsed } = await getJson(`${collector.url}/counters`, apiKey);
    assert.deepEqual(unparsed, { 'chat.deepseek.com': 1 }, 'the collector kept the unparsed reply');
    const popup = await ctx.newPage();
    await popup.goto(`chrome-extension://${extId}/popup/popup.html`);
    const warning = await popup.textContent('#unparsed');
    assert.match(warning, /DeepSeek \(chat\.deepseek\.com\): 1 reply today could not be read/);
    assert.match(warning, /Update the extension/);
    await popup.close();
    await pages['chat.deepseek.com'].close();
    delete pages['chat.deepseek.com'];
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
    // Progress is counted as the reply streams, so a second batch may follow the retried one.
    assert.deepEqual(adds.slice(0, 2).map((a) => a.answer), [503, 200]);
    assert.deepEqual(adds[1].body, adds[0].body, 'same seq, deltas, usage and ts');
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
    await stopWorker();
    proxy.release(); // the old connection dies; nobody is left to read its answer

    await chat('claude.ai'); // new usage wakes the worker, which first resends the frozen batch
    await waitFor('the worker to restart', async () => (await workers()).length === 1);
    await assertDelivered();
    const adds = proxy.state.adds.slice(first);
    assert.deepEqual(adds[1].body, held, 'the frozen batch was resent unchanged');
    assert.equal(adds[1].answer, 200);
    assert.ok(adds.slice(2).every((a) => a.body.seq > held.seq), 'later batches have later seqs');
  });

  test('the tab closed right after a reply, with the worker asleep: nothing is lost', async () => {
    for (const host of ['claude.ai', 'chatgpt.com']) {
      await open(host);
      await stopWorker();
      await chat(host, { close: true });
    }
    await assertDelivered();
  });
});
