// The worker's per-exchange and per-conversation bookkeeping (sw/exchanges.js) and the usage detail
// of a batch (sw/batch.js): hand-overs never count twice, context is what the conversation had before,
// and the usage entries of every host add up to its delta, as the collector checks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { addBody, addUnparsed, addUsage, freeze } from '../../sw/batch.js';
import { cleanModel, conversationKey, CONVERSATION_TTL_MS, handOver, MAX_EXCHANGES } from '../../sw/exchanges.js';

const empty = { seq: 0, pending: {}, usage: {}, unparsed: {}, inflight: null };
const msg = (over) => ({ id: 'x1', tabId: 7, host: 'chatgpt.com', model: 'gpt-5', conversation: 'c-1', final: false, unreadable: false, exact: true, ...over });

/** Runs hand-overs in order through handOver and addUsage, like sw/usage.js; answers the end state. */
function run(steps, stored = { exchanges: {}, conversations: {} }, state = empty, now = 1000) {
  const entries = [];
  for (const [message, tokens] of steps) {
    const out = handOver(stored, message, tokens, now++);
    stored = { exchanges: out.exchanges, conversations: out.conversations };
    if (out.usage) {
      entries.push(out.usage);
      state = addUsage(state, out.usage);
    }
    state = addUnparsed(state, message.host, out.unparsed);
  }
  return { stored, state, entries };
}

test('progress hand-overs credit only what is new; a resent final changes nothing', () => {
  const { state, entries } = run([
    [msg({}), { prompt: 12, reply: 5 }],
    [msg({}), { prompt: null, reply: 40 }],
    [msg({ final: true }), { prompt: null, reply: 55 }],
    [msg({ final: true }), { prompt: 12, reply: 55 }], // the relay resent it after a worker restart
  ]);
  assert.deepEqual(state.pending, { 'chatgpt.com': 67 });
  assert.deepEqual(Object.values(state.usage), [{ host: 'chatgpt.com', model: 'gpt-5', input: 12, output: 55, context: 0, turns: 1, exact: true }]);
  assert.equal(entries.length, 3, 'the resend produced no entry');
});

test('a late progress message after the final never counts backwards', () => {
  const { state } = run([
    [msg({ final: true }), { prompt: 3, reply: 50 }],
    [msg({}), { prompt: null, reply: 20 }],
  ]);
  assert.equal(state.pending['chatgpt.com'], 53);
});

test('context is what the conversation counted before this exchange; a new chat learns its id midway', () => {
  const first = msg({ id: 'a', conversation: null });
  const { stored, state } = run([
    [first, { prompt: 10, reply: 0 }],
    [{ ...first, conversation: 'c-9', final: true }, { prompt: null, reply: 30 }],
    [msg({ id: 'b', conversation: 'c-9' }), { prompt: 5, reply: 20 }],
    [msg({ id: 'c', conversation: 'c-9', final: true }), { prompt: 7, reply: 8 }],
  ]);
  const entry = Object.values(state.usage)[0];
  assert.equal(entry.context, 0 + 40 + 65, 'exchange b saw 40 tokens before it, exchange c 65');
  assert.equal(entry.turns, 3);
  assert.deepEqual(Object.keys(stored.conversations), [conversationKey('chatgpt.com', 'c-9')]);
  assert.equal(stored.conversations[conversationKey('chatgpt.com', 'c-9')].n, 80);
  assert.ok(!JSON.stringify(stored).includes('c-9'), 'conversation ids are not stored');
});

test('an unreadable final counts one unparsed reply, once, and its prompt still counts', () => {
  const { state } = run([
    [msg({ host: 'www.perplexity.ai', exact: false, final: true, unreadable: true }), { prompt: 9, reply: 0 }],
    [msg({ host: 'www.perplexity.ai', exact: false, final: true, unreadable: true }), { prompt: 9, reply: 0 }],
  ]);
  assert.deepEqual(state.unparsed, { 'www.perplexity.ai': 1 });
  assert.deepEqual(state.pending, { 'www.perplexity.ai': 9 });
});

test('bookkeeping is bounded and expires', () => {
  let stored = { exchanges: {}, conversations: {} };
  for (let i = 0; i < MAX_EXCHANGES + 50; i++) {
    const out = handOver(stored, msg({ id: `e${i}`, conversation: `c${i}` }), { prompt: 1, reply: 1 }, 1000 + i);
    stored = { exchanges: out.exchanges, conversations: out.conversations };
  }
  assert.equal(Object.keys(stored.exchanges).length, MAX_EXCHANGES);
  const later = handOver(stored, msg({ id: 'z', conversation: 'c0' }), { prompt: 1, reply: 1 }, 2000 + CONVERSATION_TTL_MS);
  assert.equal(later.usage.context, 0, 'an expired conversation starts again from 0 (a lower bound)');
  assert.equal(Object.keys(later.conversations).length, 1);
});

test('batches carry usage entries that add up to the deltas of each host; models are checked', () => {
  const { state } = run([
    [msg({ id: 'a', model: 'gpt-5', final: true }), { prompt: 4, reply: 6 }],
    [msg({ id: 'b', model: 'gpt-5-mini', final: true }), { prompt: 1, reply: 2 }],
    [msg({ id: 'c', host: 'claude.ai', model: 'bad model id!', exact: false, final: true }), { prompt: 3, reply: 3 }],
  ]);
  const batch = freeze(addUnparsed(state, 'chat.mistral.ai'), 5, 'b1').inflight;
  const body = addBody('client', batch);
  for (const [host, tokens] of Object.entries(body.deltas)) {
    const sum = body.usage.filter((u) => u.host === host).reduce((n, u) => n + u.input + u.output, 0);
    assert.equal(sum, tokens, host);
  }
  assert.deepEqual(body.usage.map((u) => u.model).sort(), ['gpt-5', 'gpt-5-mini', null].sort());
  assert.deepEqual(body.unparsed, { 'chat.mistral.ai': 1 });
  assert.equal(cleanModel('x'.repeat(101)), null);
  assert.equal(cleanModel('models/gemini-2.5-pro@001'), 'models/gemini-2.5-pro@001');
  // Without detail, the body is the original one.
  const plain = addBody('client', freeze({ ...empty, pending: { 'a.com': 3 } }, 1, 'p').inflight);
  assert.deepEqual(Object.keys(plain).sort(), ['client_id', 'deltas', 'seq', 'ts']);
});

test('after an update, tokens pending without detail go out without usage entries for that host', () => {
  // Pending from the previous version: 40 tokens on claude.ai, no usage detail.
  let state = { ...empty, pending: { 'claude.ai': 40 } };
  state = addUsage(state, { host: 'claude.ai', model: 'claude-sonnet-4-5', input: 3, output: 4, context: 0, turns: 1, exact: false });
  state = addUsage(state, { host: 'chatgpt.com', model: 'gpt-5', input: 1, output: 2, context: 0, turns: 1, exact: true });
  const body = addBody('c', freeze(state, 1, 'b').inflight);
  assert.deepEqual(body.deltas, { 'claude.ai': 47, 'chatgpt.com': 3 });
  assert.deepEqual(body.usage.map((u) => u.host), ['chatgpt.com'], 'claude.ai would not add up: sent without entries');
});
