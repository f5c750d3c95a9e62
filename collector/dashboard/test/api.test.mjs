import assert from 'node:assert/strict';
import test from 'node:test';

import { AuthError, HttpError, NetworkError, getJson, getText, usagePath } from '../static/js/api.js';
import { fileNameOf } from '../static/js/download.js';
import { KEY_NAME, forgetKey, loadKey, saveKey } from '../static/js/keystore.js';

// A stand-in for fetch that answers with a real Response and records what it was asked.
function fakeFetch(status, body) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return Object.assign(fn, { calls });
}

test('getJson sends the key as X-API-KEY and returns the body', async () => {
  const fetch = fakeFetch(200, { rows: [] });
  assert.deepEqual(await getJson('/usage', 'k1', fetch), { rows: [] });
  assert.equal(fetch.calls[0].init.headers['X-API-KEY'], 'k1');
});

test('a 401 is an AuthError, so the page asks for the key again', async () => {
  await assert.rejects(getJson('/usage', 'bad', fakeFetch(401, { error: 'unauthorized' })), AuthError);
});

test('other errors carry the collector\'s code and detail', async () => {
  const err = await getJson('/usage', 'k', fakeFetch(400, { error: 'bad_date', detail: 'from: ...' })).catch((e) => e);
  assert.ok(err instanceof HttpError);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'bad_date');
});

test('a refused connection is a NetworkError', async () => {
  const down = async () => { throw new TypeError('fetch failed'); };
  await assert.rejects(getJson('/usage', 'k', down), NetworkError);
});

test('usagePath builds the query', () => {
  assert.equal(usagePath({ from: '2026-11-01', to: '2026-11-25' }), '/usage?from=2026-11-01&to=2026-11-25&group=day');
  assert.equal(usagePath({ from: '2026-01-01', to: '2026-12-31', group: 'month' }, 'csv'),
    '/usage?from=2026-01-01&to=2026-12-31&group=month&format=csv');
});

test('the key is saved, read back and forgotten', () => {
  const data = new Map();
  const storage = {
    getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, v), removeItem: (k) => data.delete(k),
  };
  assert.equal(loadKey(storage), '');
  saveKey(storage, 'secret');
  assert.equal(data.get(KEY_NAME), 'secret');
  assert.equal(loadKey(storage), 'secret');
  forgetKey(storage);
  assert.equal(loadKey(storage), '');
});

test('getText returns the CSV and its headers; a 401 is still an AuthError', async () => {
  const csv = async () => new Response('period,a\n2026-11-01,3\n', {
    status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'inline; filename="u.csv"' },
  });
  const { text, headers } = await getText('/usage?format=csv', 'k', csv);
  assert.equal(text, 'period,a\n2026-11-01,3\n');
  assert.equal(fileNameOf(headers.get('Content-Disposition'), 'x.csv'), 'u.csv');
  assert.equal(fileNameOf(null, 'x.csv'), 'x.csv');
  await assert.rejects(getText('/usage', 'bad', fakeFetch(401, { error: 'unauthorized' })), AuthError);
});
