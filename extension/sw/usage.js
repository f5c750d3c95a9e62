// Receives prompt and reply text from the content-script relay, counts it, and adds the count to the
// pending total of the page's hostname (and to today's total shown by the popup). The text itself
// is dropped here: only the number is stored.
import { KEY, MSG } from './constants.js';
import { addPending } from './batch.js';
import { count } from './tokens.js';
import { localDay, updateState } from './store.js';
import { flush } from './sync.js';

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.type !== MSG.USAGE) return false;
  // Only our own content scripts, in a tab: the hostname comes from Chrome, not from the page.
  if (sender.id !== chrome.runtime.id || !sender.tab || !sender.url) return false;
  recordUsage(new URL(sender.url).hostname.toLowerCase(), message.text).then(
    (tokens) => sendResponse({ ok: true, tokens }),
    (error) => sendResponse({ ok: false, error: String(error) }),
  );
  return true; // sendResponse is called asynchronously
});

async function recordUsage(host, text) {
  if (typeof text !== 'string' || !text) return 0;
  const started = performance.now();
  const { tokens, method } = count(text);
  const ms = Math.round((performance.now() - started) * 100) / 100;
  if (!tokens) return 0;
  await updateState(
    (state, stored) => {
      const day = localDay();
      const counts = stored[KEY.TODAY]?.day === day ? { ...stored[KEY.TODAY].counts } : {};
      counts[host] = (counts[host] ?? 0) + tokens;
      // Sizes and timing only, for the popup and the benchmark: never the text.
      const lastCount = { chars: text.length, tokens, ms };
      const extra = { [KEY.TODAY]: { day, counts }, [KEY.COUNTING]: method, [KEY.LAST_COUNT]: lastCount };
      return { state: addPending(state, host, tokens), extra };
    },
    { [KEY.TODAY]: null },
  );
  flush('usage'); // not awaited: the reply to the relay must not wait for the network
  return tokens;
}
