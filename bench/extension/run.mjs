// Browser-side benchmark of the extension (not a test): in real headless Chromium with the unpacked
// extension loaded, measures
//   1. what the MAIN-world fetch wrapper adds to a request, as the page sees it. On the hooked page
//      (claude.ai, mapped to a local server), each request is made twice, alternately with the
//      page's wrapped fetch and with the native fetch of a same-origin about:blank iframe (where no
//      content script runs): same page, same server, same connections, so only the wrapper differs;
//   2. how long the service worker takes to count a 100,000-character reply (o200k_base), read from
//      the lastCount figure the worker stores (sizes and milliseconds only).
//   3. long tasks (> 50 ms) on the hooked page's main thread, from a PerformanceObserver, over the
//      whole run (the 100,000-character replies included).
// Usage: npm run build && node bench/extension/run.mjs [--rounds 11] [--requests 40] [--calls 2000]
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, launchWithExtension, startSites, tempDir, waitFor } from '../../extension/test/e2e/harness.mjs';
import { countText } from '../../extension/tokenizer-entry.js';
import { makeReply, sse } from './text.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 11);
const REQUESTS = arg('requests', 40);
const CALLS = arg('calls', 2000);
const COUNT_RUNS = arg('count-runs', 10);
const COMPLETION = '/api/organizations/o/chat_conversations/c/completion';
const OTHER = '/api/organizations/o/chat_conversations/c'; // same site, not a chat send: not watched
const CHAT_GAP_MS = 100; // chat sends start from idle, as a person's do

const small = sse(['Hello', ' there', ', this is a short reply.']);
const bigText = makeReply(100000);
const big = sse(bigText.match(/[\s\S]{1,50}/g));

const page = `<!doctype html><meta charset="utf-8"><script>
// Long tasks, and the spans of the phases that stand for real use (chat sends, the big reply): the
// synthetic call loops above are long tasks by design and are left out.
window.longTasks = [];
window.spans = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push({ start: e.startTime, ms: Math.round(e.duration) }); }).observe({ type: 'longtask', buffered: true });
window.span = async (kind, fn) => { const start = performance.now(); try { return await fn(); } finally { spans.push({ kind, start, end: performance.now() }); } };
const frame = document.createElement('iframe');
document.documentElement.append(frame);
const fetchers = { hooked: (...a) => window.fetch(...a), plain: (...a) => frame.contentWindow.fetch(...a) };
const init = (signal) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"prompt":"hi"}', signal });
// Mean synchronous cost of one fetch() call, in microseconds, over n calls with an aborted signal
// (no network at all, so only the wrapper's own CPU work differs).
window.callCost = (kind, n, path) => {
  const url = location.origin + path, signal = AbortSignal.abort(), f = fetchers[kind];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f(url, init(signal)).catch(() => {});
  return ((performance.now() - t0) / n) * 1000;
};
// Added CPU of the wrapper on one URL, paired: blocks of n calls alternate native and wrapped;
// answers the per-call difference (wrapped - native) of each pair of blocks, in microseconds.
window.pairedCost = (blocks, n, path) => {
  const diffs = [];
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 ? ['hooked', 'plain'] : ['plain', 'hooked'];
    const us = {};
    for (const kind of order) us[kind] = window.callCost(kind, n, path);
    diffs.push(us.hooked - us.plain);
  }
  return diffs;
};
// Request to whole body read, alternating wrapped and native fetch request by request.
window.run = async (n, path, gapMs) => {
  const url = location.origin + path, out = { hooked: [], plain: [] };
  for (let i = 0; i < n; i++) {
    for (const kind of i % 2 ? ['hooked', 'plain'] : ['plain', 'hooked']) {
      await new Promise((r) => setTimeout(r, gapMs));
      const t0 = performance.now();
      const res = await fetchers[kind](url, init());
      await res.text();
      out[kind].push(performance.now() - t0);
    }
  }
  return out;
};
window.chatBig = () => span('big reply', async () => (await fetch('${COMPLETION}?big=1', { method: 'POST', body: '{"prompt":"Write a long essay."}' })).text());
</script>`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function main() {
  const tmp = tempDir('llm-usage-bench-');
  const reply = { method: 'POST', match: (p) => p.startsWith('/api/'), contentType: 'text/event-stream' };
  const sites = { 'claude.ai': { page, reply: { ...reply, bodyFor: (url) => (url.searchParams.has('big') ? big : small) } } };
  const port = await startSites(sites, { pieces: 1 });
  const { ctx, sw } = await launchWithExtension(path.join(tmp, 'profile'), `MAP claude.ai 127.0.0.1:${port}`);
  const hooked = await ctx.newPage();
  await hooked.goto('http://claude.ai/');
  const natives = await hooked.evaluate(() => [window.fetch, document.querySelector('iframe').contentWindow.fetch].map((f) => String(f).includes('[native code]')));
  if (natives.join() !== 'false,true') throw new Error(`expected a wrapped page fetch and a native frame fetch, got ${natives}`);

  const results = { chat: { hooked: [], plain: [], diffs: [] }, other: { hooked: [], plain: [], diffs: [] } };
  const calls = { chat: { hooked: [], plain: [] }, other: { hooked: [], plain: [] } };
  const paired = { chat: [], other: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [kind, url, gap] of [['chat', COMPLETION, CHAT_GAP_MS], ['other', OTHER, 0]]) {
      const cost = {};
      for (const f of ['plain', 'hooked']) cost[f] = await hooked.evaluate(([k, n, u]) => window.callCost(k, n, u), [f, CALLS, url]);
      const diffs = await hooked.evaluate(([b, n, u]) => window.pairedCost(b, n, u), [20, Math.ceil(CALLS / 10), url]);
      const run = await hooked.evaluate(([n, u, g, k]) => window.span(k, () => window.run(n, u, g)), [REQUESTS, url, gap, kind]);
      if (r === 0) continue; // the first round warms up
      paired[kind].push(...diffs);
      for (const f of ['plain', 'hooked']) {
        calls[kind][f].push(cost[f]);
        results[kind][f].push(...run[f]);
      }
      results[kind].diffs.push(...run.hooked.map((x, i) => x - run.plain[i]));
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

  const us = (x) => `${x.toFixed(1)} µs`;
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
  console.log(`browser: Chromium ${ctx.browser()?.version() ?? '?'}; ${ROUNDS - 1} measured rounds (after 1 warm-up) x ${REQUESTS} request pairs per kind`);
  for (const kind of ['chat', 'other']) {
    const label = kind === 'chat' ? `chat send (${CHAT_GAP_MS} ms apart)` : 'other request (not watched)';
    const c = calls[kind];
    const r = results[kind];
    console.log(`${label}: added CPU per fetch() call, median of ${paired[kind].length} paired blocks: ${us(median(paired[kind]))} (p95 ${us(p95(paired[kind]))})`);
    console.log(`${label}: fetch() call CPU native ${us(median(c.plain))}, wrapped ${us(median(c.hooked))} (+${us(median(c.hooked) - median(c.plain))}); ` +
      `request to body read native median ${fmt(median(r.plain))}, wrapped ${fmt(median(r.hooked))}; added, median of paired differences: ${fmt(median(r.diffs))}`);
  }
  console.log(`count 100,000 chars (${expectedTokens} tokens) in the worker: median ${fmt(median(counts))}, max ${fmt(Math.max(...counts))} over ${COUNT_RUNS} runs; runs: ${counts.join(', ')}`);
  console.log(`same text in Node (one cold run, for comparison): ${fmt(nodeMs)}`);
  await new Promise((r) => setTimeout(r, 500)); // the observer reports a little later
  const { longTasks, spans } = await hooked.evaluate(() => ({ longTasks: window.longTasks, spans: window.spans }));
  for (const kind of ['chat', 'other', 'big reply']) {
    const mine = spans.filter((s) => s.kind === kind);
    const inside = longTasks.filter((t) => mine.some((s) => t.start >= s.start && t.start < s.end)).map((t) => t.ms);
    const seconds = mine.reduce((n, s) => n + s.end - s.start, 0) / 1000;
    console.log(`long tasks (> 50 ms) on the page during ${kind} (${mine.length} spans, ${seconds.toFixed(1)} s): ${inside.length}${inside.length ? ` (${inside.join(', ')} ms)` : ''}`);
  }
  console.log(`long tasks over the whole run, synthetic call loops included: ${longTasks.length}`);
}

try {
  await main();
} finally {
  await cleanupAll();
}
