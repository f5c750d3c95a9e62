// Measures the window a closing tab leaves (not a test): how much of a reply is counted when the tab
// closes d ms after the page received the reply's last byte, with the service worker stopped before
// the request (the worst case: it must be started) and running. The chat page closes itself
// (window.close() of a window the control page opened), so d is exact on the page's own clock.
// The reply (Claude-style SSE, about 1,000 tokens) streams in 12 pieces over about 200 ms; with
// --pieces 1 it arrives at once, right after the request: the worker has no reply time to start in.
// Usage: npm run build && node bench/extension/tabclose.mjs [--runs 4] [--delays 0,1,5,20,100] [--pieces 12]
//        node bench/extension/tabclose.mjs --pieces 100 --mid 60      # a tab closed mid-reply
import path from 'node:path';
import { cleanupAll, launchWithExtension, sleep, startSites, tempDir, waitFor } from '../../extension/test/e2e/harness.mjs';
import { countText } from '../../extension/tokenizer-entry.js';
import { makeReply, sse } from './text.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', 4));
const DELAYS = String(arg('delays', '0,1,5,20,100')).split(',').map(Number);
const PIECES = Number(arg('pieces', 12)); // 1: the whole reply at once, the floor case
// --mid K: instead, close the tab in the middle of the reply, after its K-th piece, and compare what
// was counted with what the page had shown (the text of the complete events it had received).
const MID = Number(arg('mid', 0));
const PROMPT = 'Write about tokenizers.';
const replyText = makeReply(5000);
const body = sse(replyText.match(/[\s\S]{1,40}/g));
const expected = countText(PROMPT) + countText(replyText);

const page = `<!doctype html><meta charset="utf-8"><script>
window.chatAndClose = async (delay) => {
  const res = await fetch('/api/organizations/o/chat_conversations/c/completion', { method: 'POST', body: ${JSON.stringify(JSON.stringify({ prompt: PROMPT }))} });
  const reader = res.body.getReader();
  for (;;) { const { done } = await reader.read(); if (done) break; }
  if (delay === 0) window.close(); else setTimeout(() => window.close(), delay);
};
window.chatAndCloseMid = async (pieces) => {
  const res = await fetch('/api/organizations/o/chat_conversations/c/completion', { method: 'POST', body: ${JSON.stringify(JSON.stringify({ prompt: PROMPT }))} });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let raw = '';
  for (let i = 0; i < pieces; i++) { const { done, value } = await reader.read(); if (done) break; raw += dec.decode(value, { stream: true }); }
  const shown = raw.split('\\n\\n').slice(0, -1).map((ev) => /^data: (.*)$/m.exec(ev)?.[1]).filter(Boolean)
    .map((d) => JSON.parse(d)).filter((d) => d.type === 'content_block_delta').map((d) => d.delta.text).join('');
  try { opener.postMessage({ shown }, '*'); } finally { window.close(); }
};
</script>`;

async function main() {
  const tmp = tempDir('llm-usage-tabclose-');
  const port = await startSites({ 'claude.ai': { page, reply: { method: 'POST', match: (p) => p.endsWith('/completion'), body, contentType: 'text/event-stream' } } }, { pieces: PIECES });
  const { ctx, extId } = await launchWithExtension(path.join(tmp, 'profile'), `MAP claude.ai 127.0.0.1:${port}`);
  const control = await ctx.newPage();
  await control.goto(`chrome-extension://${extId}/options/options.html`);
  // No collector: counts stay pending in storage, which is what we read.
  await control.evaluate(() => chrome.storage.local.set({ collectorUrl: 'http://127.0.0.1:9', apiKey: 'x' }));
  const cdp = await ctx.browser().newBrowserCDPSession();
  const workers = async () => (await cdp.send('Target.getTargets')).targetInfos
    .filter((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extId}/`));
  const counted = () => control.evaluate(() => chrome.storage.local.get('today').then((s) => s.today?.counts?.['claude.ai'] ?? 0));

  console.log(`reply: ${replyText.length} characters, ${expected} tokens with the prompt, in ${PIECES} pieces; ${RUNS} runs per case`);
  if (MID) return midStream({ ctx, control, counted });
  for (const asleep of [true, false]) {
    for (const delay of DELAYS) {
      const got = [];
      for (let r = 0; r < RUNS; r++) {
        const before = await counted();
        const [chatPage] = await Promise.all([
          ctx.waitForEvent('page'),
          control.evaluate(() => { window.open('http://claude.ai/', '_blank'); }),
        ]);
        await chatPage.waitForLoadState('load');
        // The page's load woke the worker: stop it now, so it is asleep when the request starts.
        if (asleep) {
          // Target.closeTarget is sometimes ignored while the worker is busy: ask again until it stops.
          await waitFor('the worker to stop', async () => {
            for (const w of await workers()) await cdp.send('Target.closeTarget', { targetId: w.targetId }).catch(() => {});
            await sleep(300);
            return (await workers()).length === 0;
          }, { timeoutMs: 30000 });
        } else {
          await control.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }).catch(() => null)); // wakes it
        }
        const closed = chatPage.waitForEvent('close', { timeout: 15000 });
        chatPage.evaluate((d) => window.chatAndClose(d), delay).catch(() => {}); // the page closes under it
        await closed;
        // Give the worker time to record what reached it, then read the count.
        let last = -1;
        for (let i = 0; i < 30; i++) {
          await sleep(200);
          const now = await counted();
          if (now === last && now - before >= expected) break;
          if (i > 10 && now === last) break;
          last = now;
        }
        got.push((await counted()) - before);
      }
      const full = got.filter((n) => n === expected).length;
      console.log(`worker ${asleep ? 'asleep' : 'running'}, tab closed ${String(delay).padStart(3)} ms after the last byte: ` +
        `${full}/${RUNS} runs counted in full; counted ${got.join(', ')} of ${expected} tokens`);
    }
  }
}

/** Closes the tab after MID pieces of the reply: counted tokens against those the page had shown. */
async function midStream({ ctx, control, counted }) {
  await control.evaluate(() => { window.__shown = []; addEventListener('message', (e) => window.__shown.push(e.data.shown)); });
  for (let r = 0; r < RUNS; r++) {
    const before = await counted();
    const [chatPage] = await Promise.all([ctx.waitForEvent('page'), control.evaluate(() => { window.open('http://claude.ai/', '_blank'); })]);
    await chatPage.waitForLoadState('load');
    const closed = chatPage.waitForEvent('close', { timeout: 15000 });
    chatPage.evaluate((k) => window.chatAndCloseMid(k), MID).catch((e) => { if (!/closed/i.test(e.message)) console.error(e.message); });
    await closed;
    await sleep(3000);
    const shown = await control.evaluate((i) => window.__shown[i], r);
    const got = (await counted()) - before;
    const want = countText(PROMPT) + countText(shown);
    console.log(`closed after ${MID} of ${PIECES} pieces: the page showed ${shown.length} characters (${want} tokens with the prompt), counted ${got} (${(100 * got / want).toFixed(0)} %)`);
  }
}

try {
  await main();
} finally {
  await cleanupAll();
}
