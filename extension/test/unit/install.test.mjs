// sw/install.js: a random client id once, and settings pre-filled only where empty, from
// config.local.json when the set-up step wrote one.
import test from 'node:test';
import assert from 'node:assert/strict';

const local = {};
let onInstalled;
let localConfig = null; // what fetching config.local.json answers; null: the file does not exist
globalThis.chrome = {
  runtime: {
    onInstalled: { addListener: (fn) => (onInstalled = fn) },
    getURL: (p) => `chrome-extension://id/${p}`,
  },
  storage: {
    local: {
      get: async (keys) => Object.fromEntries(keys.filter((k) => k in local).map((k) => [k, local[k]])),
      set: async (items) => void Object.assign(local, items),
    },
  },
};
globalThis.fetch = async () => {
  if (!localConfig) throw new TypeError('net::ERR_FILE_NOT_FOUND');
  return new Response(JSON.stringify(localConfig));
};
await import('../../sw/install.js');

async function install(storage, config) {
  for (const k of Object.keys(local)) delete local[k];
  Object.assign(local, storage);
  localConfig = config;
  onInstalled({ reason: 'install' });
  for (let i = 0; i < 20 && !local.clientId; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 10));
  return { ...local };
}

test('a fresh install gets a client id and the default URL, no key', async () => {
  const s = await install({}, null);
  assert.match(s.clientId, /^[0-9a-f-]{36}$/);
  assert.equal(s.collectorUrl, 'http://127.0.0.1:9000');
  assert.equal(s.apiKey, undefined);
});

test('config.local.json pre-fills both settings', async () => {
  const s = await install({}, { collectorUrl: 'http://127.0.0.1:9100', apiKey: 'k-local' });
  assert.deepEqual([s.collectorUrl, s.apiKey], ['http://127.0.0.1:9100', 'k-local']);
});

test('saved settings and the client id are never replaced', async () => {
  const s = await install({ clientId: 'keep', apiKey: 'mine' }, { collectorUrl: 'http://127.0.0.1:9100', apiKey: 'k-local' });
  assert.deepEqual([s.clientId, s.collectorUrl, s.apiKey], ['keep', 'http://127.0.0.1:9100', 'mine']);
});
