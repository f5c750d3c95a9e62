// Sending counts to the collector. One flush at a time (a Web Lock, released even if the worker dies):
// freeze pending into a batch when none is in flight, POST it, settle the answer, repeat. A failed
// send backs off 1 s, 2 s, ... 60 s with a timer; the chrome.alarms safety net (sw triggers.js)
// covers the timer dying with the worker.
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, KEY, MAX_BATCHES_PER_FLUSH, SEND_LOCK, STATUS } from './constants.js';
import { addBody, backoffMs, checkAddAnswer, freeze, settle } from './batch.js';
import { handshakeOnce } from './handshake.js';
import { request } from './http.js';
import { getConfig, updateState } from './store.js';

const NO_RETRY = { attempt: 0, nextAt: 0, stopped: false };

/**
 * reason: 'usage' | 'backoff' | 'alarm' | 'startup' (worker start) respect the backoff and a stop;
 * 'manual' | 'config' | 'session' (browser start) do not.
 */
export function flush(reason) {
  return navigator.locks.request(SEND_LOCK, () => flushLocked(reason)).catch(() => {});
}

async function flushLocked(reason) {
  const { [KEY.RETRY]: retry } = await chrome.storage.local.get({ [KEY.RETRY]: NO_RETRY });
  const forced = reason === 'manual' || reason === 'config' || reason === 'session';
  if (!forced && (retry.stopped || (reason !== 'alarm' && Date.now() < retry.nextAt))) return;
  const config = await getConfig();
  if (!config.clientId) return; // not installed yet: onInstalled will seed it
  if (!config.url || !config.apiKey) {
    return record({ kind: STATUS.MISCONFIGURED, latencyMs: 0, detail: 'collector URL or API key not set' }, 'stop');
  }
  const failed = await handshakeOnce(config);
  if (failed) return record(failed, nextAfter(failed));
  // The user acted (new settings, "Send now", a new session): an earlier stop or backoff is over.
  if (forced) await chrome.storage.local.set({ [KEY.RETRY]: NO_RETRY });
  for (let i = 0; i < MAX_BATCHES_PER_FLUSH; i++) {
    const batch = await updateState((state) => {
      const next = freeze(state, Date.now(), crypto.randomUUID());
      return { state: next, result: { batch: next.inflight } };
    }).then((r) => r.batch);
    if (!batch) return;
    const answer = await request(config.url, '/add', {
      apiKey: config.apiKey,
      method: 'POST',
      json: addBody(config.clientId, batch),
    });
    const outcome = checkAddAnswer(answer);
    const next = await updateState((state) => {
      const settled = settle(state, batch, outcome);
      return { state: settled.state, result: { next: settled.next } };
    }).then((r) => r.next);
    await record(outcome, next);
    if (next === 'retry' || next === 'stop') return;
  }
}

const nextAfter = (outcome) =>
  outcome.kind === STATUS.AUTH || outcome.kind === STATUS.MISCONFIGURED ? 'stop' : 'retry';

/** Stores the outcome for the popup and schedules the retry, if any. */
async function record(outcome, next) {
  const now = Date.now();
  const status = { kind: outcome.kind, latencyMs: outcome.latencyMs, at: now, detail: outcome.detail ?? '' };
  const write = { [KEY.STATUS]: status };
  if (next === 'retry' || next === 'stop') {
    const { [KEY.RETRY]: retry } = await chrome.storage.local.get({ [KEY.RETRY]: NO_RETRY });
    const delay = backoffMs(retry.attempt, BACKOFF_FIRST_MS, BACKOFF_MAX_MS);
    write[KEY.RETRY] = { attempt: retry.attempt + 1, nextAt: now + delay, stopped: next === 'stop' };
    write[KEY.LAST_ERROR] = status;
    if (next === 'retry') setTimeout(() => flush('backoff'), delay);
  } else {
    write[KEY.RETRY] = NO_RETRY;
  }
  await chrome.storage.local.set(write);
}
