// Browser-side benchmark of the extension (not a test): in real headless Chromium with the unpacked
// extension loaded, measures
//   1. what the MAIN-world fetch wrapper adds to a request, as the page sees it: the same page and
//      requests on claude.ai (hooked) and on bench.test (not a chat site, so not hooked), alternating;
//   2. how long the service worker takes to count a 100,000-character reply (o200k_base), read from
//      the lastCount figure the worker stores (sizes and milliseconds only).
// Usage: npm run build && node bench/extension/run.mjs [--rounds 5] [--requests 60] [--calls 5000]
import { chromium } from 'playwright-core';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, EXT, cleanupAll, onCleanup, startSites, tempDir, waitFor } from '../../extension/test/e2e/harness.mjs';
import { countText } from '../../extension/tokenizer-entry.js';
import { makeReply, sse } from './text.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 5);
const REQUESTS = arg('requests', 60);
const COUNT_RUNS = arg('count-runs', 10);
const COMPLETION = '/api/organizations/o/chat_conversations/c/completion';
const OTHER = '/api/organizations/o/chat_conversations/c'; // same site, not a chat send: not watched
const CALLS = arg('calls', 5000);
const CHAT_GAP_MS = 100;

const small = sse(['Hello', ' there', ', this is a short reply.']);
const bigText = makeReply(100000);
const big = sse(bigText.match(/[\s\S]{1,50}/g));

// The page measures three things. callCost: the mean synchronous cost of one fetch() call over
// many calls made with an already-aborted signal (no network, so the wrapper's own CPU work is all
// that differs between pages). run: per request, the time until the whole streamed body has been
// read, with a pause between requests so each starts from idle, as a person's chat sends do.
const page = `<!doctype html><meta charset="utf-8"><script>
window.callCost = (n, path) => {
  const signal = AbortSignal.abort();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fetch(path, { method: 'POST', body: '{"prompt":"hi"}', signal }).catch(() => {});
  return ((performance.now() - t0) / n) * 1000; // microseconds per call
};
window.run = async (n, path, gapMs) => {
  const total = [];
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    const t0 = performance.now();
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"prompt":"hi"}' });
    await res.text();
    total.push(performance.now() - t0);
  }
  return total;
};
window.chatBig = async () => (await fetch('${COMPLETION}?big=1', { method: 'POST', body: '{"prompt":"Write a long essay."}' })).text();
</script>`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function main() {
  const tmp = tempDir('llm-usage-bench-');
  const site = { page, reply: { method: 'POST', match: (p) => p.startsWith('/api/'), contentType: 'text/event-stream' } };
  const sites = {
    'claude.ai': { ...site, reply: { ...site.reply, bodyFor: (url) => (url.searchParams.has('big') ? big : small) } },
    'bench.test': { ...site, reply: { ...site.reply, bodyFor: () => small } },
  };
  const port = await startSites(sites, { pieces: 1 });
  const ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: [`--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      `--host-resolver-rules=MAP claude.ai 127.0.0.1:${port}, MAP bench.test 127.0.0.1:${port}`],
  });
  onCleanup(() => ctx.close());
  const sw = ctx.serviceWorkers()[0] || (await ctx.waitForEvent('serviceworker', { timeout: 10000 }));
  const hooked = await ctx.newPage();
  const plain = await ctx.newPage();
  await hooked.goto('http://claude.ai/');
  await plain.goto('http://bench.test/');
  const isHooked = (p) => p.evaluate(() => !String(window.fetch).includes('[native code]'));
  if (!(await isHooked(hooked)) || (await isHooked(plain))) throw new Error('the hook is not where expected');

  const kinds = { chat: [COMPLETION, CHAT_GAP_MS], other: [OTHER, 0] };
  const results = {};
  for (const name of ['plain', 'hooked']) {
    results[name] = { chat: [], other: [], callChat: [], callOther: [] };
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, p] of [['plain', plain], ['hooked', hooked]]) {
      const callChat = await p.evaluate(([n, u]) => window.callCost(n, u), [CALLS, COMPLETION]);
      const callOther = await p.evaluate(([n, u]) => window.callCost(n, u), [CALLS, OTHER]);
      const runs = {};
      for (const [kind, [url, gap]] of Object.entries(kinds)) {
        runs[kind] = await p.evaluate(([n, u, g]) => window.run(n, u, g), [REQUESTS, url, gap]);
      }
      if (r === 0) continue; // the first round warms up both pages
      Object.assign(results[name], {
        chat: [...results[name].chat, ...runs.chat],
        other: [...results[name].other, ...runs.other],
        callChat: [...results[name].callChat, callChat],
        callOther: [...results[name].callOther, callOther],
      });
    }
  }

  const counts = [];
  for (let i = 0; i < COUNT_RUNS; i++) {
    await sw.evaluate(() => chrome.storage.local.remove('lastCount'));
    const text = await hooked.evaluate(() => window.chatBig());
    if (text !== big) throw new Error('the page did not receive the big reply unchanged');
    const last = await waitFor('the worker to count the big reply', () =>
      sw.evaluate(() => chrome.storage.local.get('lastCount').then((s) => (s.lastCount?.chars === 100000 ? s.lastCount : null))));
    counts.push(last.ms);
  }
  const expectedTokens = countText(bigText);
  const t0 = performance.now();
  countText(bigText);
  const nodeMs = performance.now() - t0;

  const h = results.hooked;
  const b = results.plain;
  const us = (x) => `${x.toFixed(1)} µs`;
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
  console.log(`browser: Chromium ${ctx.browser()?.version() ?? '?'}; ${ROUNDS - 1} measured rounds (after 1 warm-up) x ${REQUESTS} requests per kind and page`);
  console.log(`fetch() call, CPU only   chat URL: plain ${us(median(b.callChat))}, hooked ${us(median(h.callChat))} | other URL: plain ${us(median(b.callOther))}, hooked ${us(median(h.callOther))} (median of per-round means over ${CALLS} calls)`);
  for (const kind of ['chat', 'other']) {
    const label = kind === 'chat' ? `chat send (${CHAT_GAP_MS} ms apart)` : 'other request      ';
    console.log(`${label} request to body read: plain median ${fmt(median(b[kind]))} p95 ${fmt(p95(b[kind]))} | hooked median ${fmt(median(h[kind]))} p95 ${fmt(p95(h[kind]))} | added ${fmt(median(h[kind]) - median(b[kind]))}`);
  }
  console.log(`count 100,000 chars (${expectedTokens} tokens) in the worker: median ${fmt(median(counts))}, max ${fmt(Math.max(...counts))} over ${COUNT_RUNS} runs; runs: ${counts.join(', ')}`);
  console.log(`same text in Node (one cold run, for comparison): ${fmt(nodeMs)}`);
}

try {
  await main();
} finally {
  await cleanupAll();
}
