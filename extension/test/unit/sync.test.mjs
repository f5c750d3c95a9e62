// sw/sync.js against a fake chrome.storage, Web Locks and network: the requests it really sends for
// ack, duplicate, 409, timeout, 401 and a worker restart with a batch in flight.
import test from 'node:test';
import assert from 'node:assert/strict';

const local = {};
const session = {};
function area(store) {
  return {
    async get(keys) {
      if (keys === null) return structuredClone(store);
      if (typeof keys === 'string') keys = [keys];
      if (Array.isArray(keys)) return structuredClone(Object.fromEntries(keys.filter((k) => k in store).map((k) => [k, store[k]])));
      return structuredClone(Object.fromEntries(Object.entries(keys).map(([k, d]) => [k, k in store ? store[k] : d])));
    },
    async set(items) {
      Object.assign(store, structuredClone(items));
    },
    async remove(keys) {
      for (const k of [keys].flat()) delete store[k];
    },
  };
}
globalThis.chrome = { storage: { local: area(local), session: area(session) } };

/** Web Locks with FIFO queues; a "restart" swaps in a fresh manager, as a new worker gets. */
function lockManager() {
  const tails = new Map();
  return {
    request(name, fn) {
      const prev = tails.get(name) ?? Promise.resolve();
      const run = prev.then(() => fn());
      tails.set(name, run.catch(() => {}));
      return run;
    },
  };
}
Object.defineProperty(globalThis, 'navigator', { value: { locks: lockManager() }, configurable: true, writable: true });

// The fake network: each call is recorded and answered by the next scripted reply.
const calls = [];
const replies = [];
globalThis.fetch = async (url, init) => {
  const u = new URL(url);
  calls.push({ path: u.pathname, body: init.body ? JSON.parse(init.body) : null });
  const reply = replies.shift() ?? [200, { ok: true }];
  if (reply instanceof Error) throw reply;
  if (reply === 'hang') return new Promise(() => {});
  return new Response(JSON.stringify(reply[1]), { status: reply[0] });
};

const { flush } = await import('../../sw/sync.js');
const { STATUS } = await import('../../sw/constants.js');

function reset(extra = {}) {
  for (const k of Object.keys(local)) delete local[k];
  for (const k of Object.keys(session)) delete session[k];
  Object.assign(local, { clientId: 'c-1', collectorUrl: 'http://127.0.0.1:9', apiKey: 'k', seq: 0, pending: { 'chatgpt.com': 5 }, inflight: null }, extra);
  calls.length = 0;
  replies.length = 0;
}
const adds = () => calls.filter((c) => c.path === '/add').map((c) => c.body);
const timeout = () => Object.assign(new Error('signal timed out'), { name: 'TimeoutError' });

test('ack: handshake, then one batch; the duplicate answer of a retry also clears it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  reset();
  replies.push([200, { client_id: 'c-1', last_seq: 10 }], timeout());
  await flush('usage');
  assert.deepEqual(calls.map((c) => c.path), ['/client_status', '/add']);
  const [first] = adds();
  assert.equal(first.seq, 11, 'the handshake moved seq up from 0 to 10');
  assert.equal(local.status.kind, STATUS.TIMEOUT);
  assert.deepEqual(local.retry, { attempt: 1, nextAt: local.retry.nextAt, stopped: false });
  await flush('usage'); // still backing off: sends nothing
  assert.equal(adds().length, 1);
  replies.push([200, { ok: true, applied: 0, last_seq: 11, duplicate: true }]);
  await flush('alarm');
  assert.deepEqual(adds()[1], first, 'resent unchanged');
  assert.equal(local.inflight, null);
  assert.equal(local.seq, 11);
  assert.deepEqual(local.retry, { attempt: 0, nextAt: 0, stopped: false });
});

test('409: the same batch is renumbered to expected_next and resent', async () => {
  reset({ seq: 7 });
  session.handshakeDone = 'http://127.0.0.1:9';
  replies.push([409, { error: 'out_of_order', expected_next: 2 }], [200, { ok: true, applied: 5, last_seq: 2 }]);
  await flush('usage');
  const [a, b] = adds();
  assert.equal(a.seq, 8);
  assert.deepEqual({ ...b, seq: 8 }, a);
  assert.equal(b.seq, 2);
  assert.equal(local.seq, 2);
  assert.equal(local.inflight, null);
});

test('401 stops until the settings change', async () => {
  reset();
  session.handshakeDone = 'http://127.0.0.1:9';
  replies.push([401, { error: 'unauthorized' }]);
  await flush('usage');
  assert.equal(local.status.kind, STATUS.AUTH);
  assert.equal(local.retry.stopped, true);
  await flush('alarm');
  assert.equal(adds().length, 1, 'no retry loop on a wrong key');
  await flush('config');
  assert.equal(adds().length, 2);
  assert.deepEqual(adds()[1], adds()[0]);
  assert.equal(local.inflight, null);
});

test('restart with a batch in flight: the new worker resends it unchanged, then the new counts', async () => {
  reset();
  session.handshakeDone = 'http://127.0.0.1:9';
  replies.push('hang');
  flush('usage'); // this worker "dies" while its POST hangs
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 50 && adds().length === 0; i++) await new Promise((r) => setImmediate(r));
  const [held] = adds();
  local.pending = { 'claude.ai': 3 }; // usage recorded by the restarted worker
  navigator.locks = lockManager(); // the dead worker's locks are released
  await flush('startup');
  const [, resent, next] = adds();
  assert.deepEqual(resent, held);
  assert.deepEqual(next.deltas, { 'claude.ai': 3 });
  assert.equal(next.seq, held.seq + 1);
  assert.deepEqual([local.inflight, local.pending], [null, {}]);
});
