// What the e2e tests expect of the usage detail, and where they read it: from the worker's real POST
// /add bodies (recorded by the pass-through proxy in front of the real collector: the wire contract,
// `exact` included) and from what the collector kept (GET /counters "usage" and "unparsed").
import { countText } from '../../tokenizer-entry.js';

/** The batches the collector accepted: answered 200, each seq once (a resend is the same batch). */
function acceptedBodies(adds) {
  const bySeq = new Map();
  for (const a of adds) if (a.answer === 200 && !bySeq.has(a.body.seq)) bySeq.set(a.body.seq, a.body);
  return [...bySeq.values()];
}

/** {host: {model: {input, output, context, turns, exact}}} summed over what the worker sent. */
export function sentUsage(adds) {
  const out = {};
  for (const body of acceptedBodies(adds)) {
    for (const u of body.usage ?? []) {
      const row = ((out[u.host] ??= {})[String(u.model)] ??= { input: 0, output: 0, context: 0, turns: 0, exact: true });
      row.input += u.input;
      row.output += u.output;
      row.context += u.context;
      row.turns += u.turns;
      row.exact &&= u.exact;
    }
  }
  return out;
}

/** {host: replies} summed over what the worker sent. */
export function sentUnparsed(adds) {
  const out = {};
  for (const body of acceptedBodies(adds)) {
    for (const [host, n] of Object.entries(body.unparsed ?? {})) out[host] = (out[host] ?? 0) + n;
  }
  return out;
}

/** The collector's `/counters` usage list as {host: {model: {input, output, context, turns}}}. */
export function storedUsage(counters) {
  const out = {};
  for (const u of counters.usage ?? []) {
    (out[u.host] ??= {})[String(u.model)] = { input: u.input, output: u.output, context: u.context, turns: u.turns };
  }
  return out;
}

/** The expected usage without `exact` (the collector checks it but does not keep it). */
export function withoutExact(usage) {
  return Object.fromEntries(Object.entries(usage).map(([host, models]) => [host,
    Object.fromEntries(Object.entries(models).map(([model, { exact: _exact, ...counts }]) => [model, counts]))]));
}

/** For every accepted batch: each host's usage entries add up to its delta (the collector's rule). */
export function usageMismatches(adds) {
  const bad = [];
  for (const body of acceptedBodies(adds)) {
    for (const [host, tokens] of Object.entries(body.deltas)) {
      const entries = (body.usage ?? []).filter((u) => u.host === host);
      const sum = entries.reduce((n, u) => n + u.input + u.output, 0);
      if (entries.length && sum !== tokens) bad.push({ seq: body.seq, host, tokens, sum });
    }
  }
  return bad;
}

/**
 * The expected side, computed here from the fixture text with o200k_base: counters per host, usage
 * per host and model, and each conversation's running total for `context`.
 */
export function createExpectations() {
  const counters = {};
  const usage = {};
  const conversations = {};
  return {
    counters,
    usage,
    /** One exchange on host: prompt and reply as the page showed them, in conversation conv. */
    exchange(host, { prompt, reply, model, conversation, exact }) {
      const input = countText(prompt);
      const output = reply ? countText(reply) : 0;
      counters[host] = (counters[host] ?? 0) + input + output;
      const key = `${host}\n${conversation}`;
      const row = ((usage[host] ??= {})[String(model)] ??= { input: 0, output: 0, context: 0, turns: 0, exact });
      row.input += input;
      row.output += output;
      row.context += conversation ? conversations[key] ?? 0 : 0;
      row.turns += 1;
      if (conversation) conversations[key] = (conversations[key] ?? 0) + input + output;
    },
  };
}
