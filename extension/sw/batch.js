// The delivery state machine, as pure functions over plain objects so Node can test it without a
// browser. State: {seq, pending, usage, unparsed, inflight}. Invariants: a count is in exactly one of
// pending or inflight until the collector acknowledges it; a frozen batch is resent unchanged (only
// its seq may change, and only when the collector says 409); seq never moves down except on that
// 409. pending is {host: tokens} (the batch's deltas); usage refines it per host and model, and for
// every host its input + output add up to pending[host]; unparsed is {host: replies}.
import { STATUS } from './constants.js';

const isEmpty = (map) => !map || Object.keys(map).length === 0;
const usageKey = (host, model) => `${host}\n${model ?? ''}`;

/** Adds tokens to the pending count of host (no usage detail: the original body). */
export function addPending(state, host, tokens) {
  const pending = { ...state.pending };
  pending[host] = (pending[host] ?? 0) + tokens;
  return { ...state, pending };
}

/** Adds one usage entry {host, model, input, output, context, turns, exact} and its tokens. */
export function addUsage(state, entry) {
  const next = addPending(state, entry.host, entry.input + entry.output);
  const usage = { ...state.usage };
  const key = usageKey(entry.host, entry.model);
  const old = usage[key] ?? { host: entry.host, model: entry.model, input: 0, output: 0, context: 0, turns: 0, exact: entry.exact };
  usage[key] = {
    ...old,
    input: old.input + entry.input,
    output: old.output + entry.output,
    context: old.context + entry.context,
    turns: old.turns + entry.turns,
    exact: old.exact && entry.exact, // one estimated count makes the entry an estimate
  };
  return { ...next, usage };
}

/** Counts one reply on host that could not be read. */
export function addUnparsed(state, host, n = 1) {
  if (!n) return state;
  const unparsed = { ...state.unparsed };
  unparsed[host] = (unparsed[host] ?? 0) + n;
  return { ...state, unparsed };
}

/**
 * The usage entries of hosts whose entries add up to their delta. A host whose pending count also
 * holds tokens counted without detail (by an older version of the extension, before an update) is
 * sent without entries: the collector refuses entries that do not add up, and counts matter more.
 */
function consistentUsage(deltas, usage) {
  const entries = Object.values(usage ?? {});
  const sums = {};
  for (const u of entries) sums[u.host] = (sums[u.host] ?? 0) + u.input + u.output;
  return entries.filter((u) => sums[u.host] === deltas[u.host]);
}

/** Freezes pending into a batch, only when none is in flight: the old batch must settle first. */
export function freeze(state, now, id) {
  if (state.inflight || (isEmpty(state.pending) && isEmpty(state.unparsed))) return state;
  const batch = { id, seq: state.seq + 1, deltas: state.pending ?? {}, ts: now };
  const usage = consistentUsage(batch.deltas, state.usage);
  if (usage.length) batch.usage = usage;
  if (!isEmpty(state.unparsed)) batch.unparsed = state.unparsed;
  return { ...state, pending: {}, usage: {}, unparsed: {}, inflight: batch };
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

/**
 * The body POSTed to /add: the batch without its local id. usage and unparsed are sent only when
 * present, so a batch without them is exactly the original body.
 */
export function addBody(clientId, batch) {
  const body = { client_id: clientId, seq: batch.seq, deltas: batch.deltas, ts: batch.ts };
  if (batch.usage?.length) body.usage = batch.usage;
  if (!isEmpty(batch.unparsed)) body.unparsed = batch.unparsed;
  return body;
}
