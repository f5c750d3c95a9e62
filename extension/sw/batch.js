// The delivery state machine, as pure functions over plain objects so Node can test it without a
// browser. State: {seq, pending, inflight}. Invariants: a count is in exactly one of pending or
// inflight until the collector acknowledges it; a frozen batch is resent unchanged (only its seq may
// change, and only when the collector says 409); seq never moves down except on that 409.
import { STATUS } from './constants.js';

const isEmpty = (deltas) => !deltas || Object.keys(deltas).length === 0;

/** Adds tokens to the pending count of host. */
export function addPending(state, host, tokens) {
  const pending = { ...state.pending };
  pending[host] = (pending[host] ?? 0) + tokens;
  return { ...state, pending };
}

/** Freezes pending into a batch, only when none is in flight: the old batch must settle first. */
export function freeze(state, now, id) {
  if (state.inflight || isEmpty(state.pending)) return state;
  const batch = { id, seq: state.seq + 1, deltas: state.pending, ts: now };
  return { ...state, pending: {}, inflight: batch };
}

/** The start-up handshake: the collector's last_seq can only move our seq up. */
export function handshake(state, lastSeq) {
  if (!Number.isInteger(lastSeq) || lastSeq <= state.seq) return state;
  return { ...state, seq: lastSeq };
}

/**
 * Applies the collector's answer to `batch`. Returns {state, next}: next is 'sent' (acknowledged,
 * send more), 'resend' (renumbered after a 409), 'retry' (back off) or 'stop' (needs the user).
 * An answer for a batch that is no longer in flight (settled meanwhile) changes nothing.
 */
export function settle(state, batch, outcome) {
  if (state.inflight?.id !== batch.id) return { state, next: 'stale' };
  if (outcome.kind === STATUS.CONNECTED) {
    // 200 applied or duplicate: either way the collector has these counts.
    const lastSeq = Number.isInteger(outcome.body?.last_seq) ? outcome.body.last_seq : 0;
    const seq = Math.max(state.seq, state.inflight.seq, lastSeq);
    return { state: { ...state, seq, inflight: null }, next: 'sent' };
  }
  const expected = outcome.body?.expected_next;
  if (outcome.status === 409 && Number.isInteger(expected) && expected >= 1) {
    const inflight = { ...state.inflight, seq: expected };
    return { state: { ...state, seq: expected - 1, inflight }, next: 'resend' };
  }
  if (outcome.kind === STATUS.AUTH || outcome.kind === STATUS.MISCONFIGURED) {
    return { state, next: 'stop' };
  }
  return { state, next: 'retry' };
}

/**
 * A 2xx from /add counts as delivered only if it is the collector's answer ({"ok": true, ...}): a
 * wrong URL that happens to answer 200 (some other web server) must not swallow a batch.
 */
export function checkAddAnswer(outcome) {
  if (outcome.kind !== STATUS.CONNECTED || outcome.body?.ok === true) return outcome;
  return { ...outcome, kind: STATUS.MISCONFIGURED, detail: `POST /add: HTTP ${outcome.status} is not a collector answer` };
}

/** Delay before retry number `attempt` (0-based): 1 s doubling up to 60 s. */
export function backoffMs(attempt, firstMs = 1000, maxMs = 60000) {
  return Math.min(maxMs, firstMs * 2 ** Math.min(attempt, 30));
}

/** The body POSTed to /add: the batch without its local id. */
export function addBody(clientId, batch) {
  return { client_id: clientId, seq: batch.seq, deltas: batch.deltas, ts: batch.ts };
}
