// The API key lives in the browser's localStorage (this page is served by the user's own collector).

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
