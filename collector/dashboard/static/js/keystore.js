// The API key lives in the browser's localStorage (this page is served by the user's own collector).
// The page's storage holds nothing else secret.

export const KEY_NAME = 'llmUsageCollector.apiKey';

export function loadKey(storage) {
  return storage.getItem(KEY_NAME) || '';
}

export function saveKey(storage, key) {
  storage.setItem(KEY_NAME, key);
}

export function forgetKey(storage) {
  storage.removeItem(KEY_NAME);
}

// The collector's bucket time zone, remembered so the next visit asks for the right "today" at once.
export const ZONE_NAME = 'llmUsageCollector.bucketZone';

export function loadZone(storage) {
  return storage.getItem(ZONE_NAME) || '';
}

export function saveZone(storage, zone) {
  storage.setItem(ZONE_NAME, zone);
}
