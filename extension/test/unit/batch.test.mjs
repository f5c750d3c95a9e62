// The delivery state machine: ack, duplicate, 409, timeout and restarts, as pure functions.
import test from 'node:test';
import assert from 'node:assert/strict';
import { addBody, addPending, backoffMs, checkAddAnswer, freeze, handshake, settle } from '../../sw/batch.js';
import { STATUS } from '../../sw/constants.js';

const empty = { seq: 0, pending: {}, usage: {}, unparsed: {}, inflight: null };
const settled = (seq) => ({ seq, pending: {}, usage: {}, unparsed: {}, inflight: null });
const ok = (last_seq, duplicate = false) => ({ kind: STATUS.CONNECTED, status: 200, body: { ok: true, last_seq, ...(duplicate && { duplicate }) } });
const conflict = (expected_next) => ({ kind: STATUS.SERVER, status: 409, body: { error: 'out_of_order', expected_next } });
const fail = (kind, status = 0) => ({ kind, status, body: null });

test('pending accumulates per host and freezes into one batch with the next seq', () => {
  let s = addPending(addPending(addPending(empty, 'chatgpt.com', 5), 'claude.ai', 3), 'chatgpt.com', 2);
  assert.deepEqual(s.pending, { 'chatgpt.com': 7, 'claude.ai': 3 });
  s = freeze(s, 1000, 'b1');
  assert.deepEqual(s.inflight, { id: 'b1', seq: 1, deltas: { 'chatgpt.com': 7, 'claude.ai': 3 }, ts: 1000 });
  assert.deepEqual(s.pending, {});
});

test('nothing is frozen when pending is empty, and a batch in flight is never replaced', () => {
  assert.equal(freeze(empty, 1, 'x'), empty);
  let s = freeze(addPending(empty, 'a.com', 1), 1, 'b1');
  s = addPending(s, 'a.com', 4);
  const again = freeze(s, 2, 'b2');
  assert.equal(again, s);
  assert.equal(again.inflight.id, 'b1');
  assert.deepEqual(again.pending, { 'a.com': 4 });
});

test('a 200 clears the batch and moves seq; a duplicate answer clears it too', () => {
  const s = freeze(addPending({ ...empty, seq: 4 }, 'a.com', 9), 1, 'b');
  const applied = settle(s, s.inflight, ok(5));
  assert.equal(applied.next, 'sent');
  assert.deepEqual(applied.state, settled(5));
  // The collector already had it (our earlier answer was lost) and is even further ahead.
  const dup = settle(s, s.inflight, ok(7, true));
  assert.deepEqual(dup.state, settled(7));
});

test('a 409 renumbers the same batch to expected_next, unchanged otherwise', () => {
  const s = freeze(addPending({ ...empty, seq: 10 }, 'a.com', 9), 123, 'b');
  const r = settle(s, s.inflight, conflict(3));
  assert.equal(r.next, 'resend');
  assert.deepEqual(r.state.inflight, { id: 'b', seq: 3, deltas: { 'a.com': 9 }, ts: 123 });
  assert.equal(r.state.seq, 2);
  assert.deepEqual(addBody('c', r.state.inflight), { client_id: 'c', seq: 3, deltas: { 'a.com': 9 }, ts: 123 });
  // A 409 without a usable expected_next is a server error: back off, keep the batch.
  assert.equal(settle(s, s.inflight, conflict('x')).next, 'retry');
});

test('timeouts, network errors and 5xx keep the batch for an identical resend', () => {
  const s = freeze(addPending(empty, 'a.com', 2), 5, 'b');
  for (const outcome of [fail(STATUS.TIMEOUT), fail(STATUS.UNREACHABLE), fail(STATUS.SERVER, 503)]) {
    const r = settle(s, s.inflight, outcome);
    assert.equal(r.next, 'retry');
    assert.equal(r.state, s);
  }
  assert.equal(settle(s, s.inflight, fail(STATUS.AUTH, 401)).next, 'stop');
  assert.equal(settle(s, s.inflight, fail(STATUS.MISCONFIGURED, 404)).next, 'stop');
});

test('an answer for a batch no longer in flight changes nothing', () => {
  const s = freeze(addPending(empty, 'a.com', 2), 5, 'b');
  const r = settle(s, { ...s.inflight, id: 'other' }, ok(1));
  assert.equal(r.next, 'stale');
  assert.equal(r.state, s);
});

test('handshake only moves seq up, and a resent batch then settles as duplicate', () => {
  assert.equal(handshake({ ...empty, seq: 5 }, 3).seq, 5);
  assert.equal(handshake({ ...empty, seq: 5 }, 'x').seq, 5);
  // Restart after "sent, applied, answer lost": local seq 4, batch 5 in flight, collector at 5.
  let s = freeze(addPending({ ...empty, seq: 4 }, 'a.com', 8), 1, 'b');
  s = handshake(s, 5);
  assert.equal(s.seq, 5);
  assert.equal(s.inflight.seq, 5, 'the handshake never renumbers the frozen batch');
  const r = settle(s, s.inflight, ok(5, true));
  assert.deepEqual(r.state, settled(5));
});

test('a restart between any two steps neither loses nor doubles a count', () => {
  // Each step's state is what one storage.set call wrote; a restart resumes from any of them.
  const collector = { last: 0, total: 0 };
  const post = (b) => {
    if (b.seq === collector.last + 1) {
      collector.last = b.seq;
      collector.total += Object.values(b.deltas).reduce((x, y) => x + y, 0);
      return ok(b.seq);
    }
    return b.seq <= collector.last ? ok(collector.last, true) : conflict(collector.last + 1);
  };
  let s = addPending(empty, 'a.com', 10);
  s = freeze(s, 1, 'b1');
  post(s.inflight); // applied, then the worker dies before settling
  s = addPending(s, 'a.com', 5); // new usage after the restart
  s = handshake(s, collector.last);
  for (let i = 0; i < 5 && (s.inflight || Object.keys(s.pending).length); i++) {
    s = freeze(s, 2, `b${i + 2}`);
    s = settle(s, s.inflight, post(s.inflight)).state;
  }
  assert.equal(collector.total, 15);
  assert.deepEqual(s, settled(2));
});

test('backoff doubles from 1 s and stops at 60 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 50].map((a) => backoffMs(a)), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test('a 200 that is not the collector answer does not clear the batch', () => {
  const s = freeze(addPending(empty, 'a.com', 2), 5, 'b');
  const html = checkAddAnswer({ kind: STATUS.CONNECTED, status: 200, body: null });
  assert.equal(html.kind, STATUS.MISCONFIGURED);
  assert.equal(settle(s, s.inflight, html).next, 'stop');
  assert.equal(checkAddAnswer(ok(1)).kind, STATUS.CONNECTED);
});
