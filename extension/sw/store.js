// Storage helpers. Every read-modify-write of the delivery state runs under one Web Lock, so two
// events handled at once cannot lose an update, and ends in ONE chrome.storage.local.set call, so a
// worker killed between two writes can never leave a count both pending and in flight, or in neither.
import { DEFAULT_COLLECTOR_URL, KEY, STATE_LOCK } from './constants.js';

const STATE_DEFAULTS = {
  [KEY.SEQ]: 0,
  [KEY.PENDING]: {},
  [KEY.PENDING_USAGE]: {},
  [KEY.PENDING_UNPARSED]: {},
  [KEY.INFLIGHT]: null,
};

/** Local calendar day of `date` as YYYY-MM-DD (the popup shows "today" in the user's own zone). */
export function localDay(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * Runs fn({seq, pending, usage, unparsed, inflight}, stored) under the state lock; fn returns
 * {state, extra?, result}.
 * state and the extra keys are written together in one set() call.
 */
export async function updateState(fn, extraKeys = {}) {
  return navigator.locks.request(STATE_LOCK, async () => {
    const stored = await chrome.storage.local.get({ ...STATE_DEFAULTS, ...extraKeys });
    const state = {
      seq: stored[KEY.SEQ],
      pending: stored[KEY.PENDING],
      usage: stored[KEY.PENDING_USAGE],
      unparsed: stored[KEY.PENDING_UNPARSED],
      inflight: stored[KEY.INFLIGHT],
    };
    const out = fn(state, stored);
    const write = { ...(out.extra ?? {}) };
    if (out.state !== state) {
      Object.assign(write, {
        [KEY.SEQ]: out.state.seq,
        [KEY.PENDING]: out.state.pending,
        [KEY.PENDING_USAGE]: out.state.usage ?? {},
        [KEY.PENDING_UNPARSED]: out.state.unparsed ?? {},
        [KEY.INFLIGHT]: out.state.inflight,
      });
    }
    if (Object.keys(write).length) await chrome.storage.local.set(write);
    return out.result ?? out.state;
  });
}

/** The collector URL (the default when none is saved) and API key from the options page. */
export async function getConfig() {
  const { [KEY.URL]: url, [KEY.API_KEY]: apiKey, [KEY.CLIENT_ID]: clientId } =
    await chrome.storage.local.get([KEY.URL, KEY.API_KEY, KEY.CLIENT_ID]);
  return { url: url || DEFAULT_COLLECTOR_URL, apiKey, clientId };
}

/** True for the popup and options page (even opened in a tab), false for content scripts. */
export function fromExtensionPage(sender) {
  return sender.id === chrome.runtime.id && String(sender.url).startsWith(chrome.runtime.getURL(''));
}
