// First-run set-up: a random client id, and the collector settings pre-filled from the generated
// extension/config.local.json when the user has not saved any.
import { DEFAULT_COLLECTOR_URL, KEY } from './constants.js';

chrome.runtime.onInstalled.addListener(() => {
  seed();
});

async function readLocalConfig() {
  try {
    const res = await fetch(chrome.runtime.getURL('config.local.json'), { cache: 'no-store' });
    return res.ok ? await res.json() : null;
  } catch {
    return null; // the file is optional
  }
}

async function seed() {
  const stored = await chrome.storage.local.get([KEY.CLIENT_ID, KEY.URL, KEY.API_KEY]);
  const write = {};
  if (!stored[KEY.CLIENT_ID]) write[KEY.CLIENT_ID] = crypto.randomUUID();
  // Each setting is filled only where empty, so nothing the user (or a test) saved is overwritten.
  if (!stored[KEY.URL] || !stored[KEY.API_KEY]) {
    const local = await readLocalConfig();
    if (!stored[KEY.URL]) {
      write[KEY.URL] = typeof local?.collectorUrl === 'string' ? local.collectorUrl : DEFAULT_COLLECTOR_URL;
    }
    if (!stored[KEY.API_KEY] && typeof local?.apiKey === 'string' && local.apiKey) {
      write[KEY.API_KEY] = local.apiKey;
    }
  }
  if (Object.keys(write).length) await chrome.storage.local.set(write);
}
