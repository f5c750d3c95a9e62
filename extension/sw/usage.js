// Receives prompt and reply text from the content-script relay (a runtime port per tab), counts it,
// and adds the count to the pending total of the page's hostname, with its usage detail (model,
// prompt vs reply, context), and to today's totals shown by the popup. The text itself is dropped
// here: only numbers are stored. A final hand-over is acknowledged once recorded, so the relay can
// resend it if the worker stopped first.
import { EXACT_HOSTS, KEY, MSG, USAGE_PORT } from './constants.js';
import { addUnparsed, addUsage } from './batch.js';
import { handOver } from './exchanges.js';
import { count, ESTIMATE, warmUp } from './tokens.js';
import { localDay, updateState } from './store.js';
import { flush } from './sync.js';

chrome.runtime.onConnect.addListener((port) => {
  // Only our own content scripts, in a tab: the hostname comes from Chrome, not from the page.
  const { sender } = port;
  if (port.name !== USAGE_PORT || sender?.id !== chrome.runtime.id || !sender.tab || !sender.url) return;
  const host = new URL(sender.url).hostname.toLowerCase();
  port.onMessage.addListener((message) => {
    // MSG.WAKE needs nothing more: receiving it started (or kept) this worker.
    if (message?.type !== MSG.USAGE || typeof message.id !== 'string') return;
    recordUsage(host, sender.tab.id, message).then(
      () => {
        try {
          if (message.final) port.postMessage({ ack: message.id });
        } catch {
          // the tab is gone: the count is recorded, nobody is left to tell
        }
      },
      () => {}, // not acknowledged: the relay resends it on its next port
    );
  });
});

warmUp();

/** Counts text, answering {tokens, method, ms}; empty text is 0 tokens. ms excludes loading the table. */
async function measure(text) {
  if (typeof text !== 'string' || !text) return { tokens: 0, method: null, ms: 0 };
  await count(''); // the rank table is loaded (or failed) before the clock starts
  const started = performance.now();
  const { tokens, method } = await count(text);
  return { tokens, method, ms: Math.round((performance.now() - started) * 100) / 100 };
}

async function recordUsage(host, tabId, message) {
  const prompt = typeof message.prompt === 'string' ? await measure(message.prompt) : null;
  const reply = await measure(message.reply);
  const estimated = prompt?.method === ESTIMATE || reply.method === ESTIMATE;
  const method = estimated ? ESTIMATE : prompt?.method ?? reply.method;
  const msg = {
    id: message.id,
    tabId,
    host,
    model: message.model,
    conversation: message.conversation,
    final: message.final === true,
    unreadable: message.unreadable === true,
    exact: EXACT_HOSTS.includes(host) && !estimated,
  };
  await updateState(
    (state, stored) => {
      const out = handOver(stored, msg, { prompt: prompt ? prompt.tokens : null, reply: reply.tokens }, Date.now());
      let next = out.usage ? addUsage(state, out.usage) : state;
      next = addUnparsed(next, host, out.unparsed);
      const day = localDay();
      const today = stored[KEY.TODAY]?.day === day ? stored[KEY.TODAY] : { day, counts: {}, unparsed: {} };
      const counts = { ...today.counts };
      const unparsed = { ...today.unparsed };
      if (out.usage) counts[host] = (counts[host] ?? 0) + out.usage.input + out.usage.output;
      if (out.unparsed) unparsed[host] = (unparsed[host] ?? 0) + out.unparsed;
      const extra = {
        [KEY.EXCHANGES]: out.exchanges,
        [KEY.CONVERSATIONS]: out.conversations,
        [KEY.TODAY]: { day, counts, unparsed },
      };
      if (method) extra[KEY.COUNTING] = method;
      // Sizes and timing only, for the popup and the benchmark: never the text.
      if (reply.method) extra[KEY.LAST_COUNT] = { chars: message.reply.length, tokens: reply.tokens, ms: reply.ms };
      return { state: next, extra };
    },
    { [KEY.TODAY]: null, [KEY.EXCHANGES]: {}, [KEY.CONVERSATIONS]: {} },
  );
  // Not awaited: the relay's hand-over must not wait for the network. Progress of a reply still
  // streaming is sent a little later, in one batch with whatever follows it.
  if (message.final) flush('usage');
  else scheduleFlush();
}

const PROGRESS_FLUSH_MS = 2000;
let flushTimer = null; // a lost timer (worker stopped) is covered by the one-minute alarm

function scheduleFlush() {
  if (flushTimer) return;
  flushTimer = setTimeout(() => {
    flushTimer = null;
    flush('usage');
  }, PROGRESS_FLUSH_MS);
}
