// Live status for the popup and the options page's "Test connection": /health for reachability and
// latency, then an authenticated /client_status to check the key. The result is classified as
// connected, unreachable, timeout, auth error, server error or misconfigured.
import { KEY, MSG, STATUS } from './constants.js';
import { request } from './http.js';
import { fromExtensionPage, getConfig } from './store.js';

const PROBE_TIMEOUT_MS = 5000;

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!fromExtensionPage(sender)) return false;
  if (message?.type === MSG.STATUS) {
    getConfig()
      .then((c) => probe(c.url, c.apiKey, c.clientId))
      .then(async (status) => {
        await chrome.storage.local.set({ [KEY.STATUS]: status });
        sendResponse(status);
      });
    return true;
  }
  if (message?.type === MSG.TEST_CONNECTION) {
    getConfig()
      .then((c) => probe(message.url, message.apiKey, c.clientId))
      .then(sendResponse);
    return true;
  }
  return false;
});

async function probe(url, apiKey, clientId) {
  const at = Date.now();
  if (!url || !apiKey) {
    return { kind: STATUS.MISCONFIGURED, latencyMs: 0, at, detail: 'set the collector URL and API key in Options' };
  }
  const health = await request(url, '/health', { timeoutMs: PROBE_TIMEOUT_MS });
  if (health.kind !== STATUS.CONNECTED) return { ...pick(health), at };
  const path = `/client_status?client_id=${encodeURIComponent(clientId ?? 'probe')}`;
  const auth = await request(url, path, { apiKey, timeoutMs: PROBE_TIMEOUT_MS });
  return { ...pick(auth), latencyMs: health.latencyMs, at };
}

const pick = ({ kind, latencyMs, detail }) => ({ kind, latencyMs, detail: detail ?? '' });
