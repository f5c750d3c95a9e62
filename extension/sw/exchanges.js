// What the worker remembers between the hand-overs of one exchange (a prompt and its reply), and the
// running token total of each conversation, as pure functions over plain objects (Node tests them).
// Numbers only: no text, and conversations are kept under a hash of host and conversation id.
//
// A reply is handed over several times while it streams (its whole text so far each time), maybe
// again after a worker restart; each hand-over credits only what the earlier ones did not, so an
// exchange is never counted twice. The prompt is credited once, with the exchange's first hand-over.

export const MAX_EXCHANGES = 200;
export const EXCHANGE_TTL_MS = 60 * 60 * 1000; // a reply streams for minutes, not hours
export const MAX_CONVERSATIONS = 500;
export const CONVERSATION_TTL_MS = 7 * 24 * 60 * 60 * 1000; // context is a lower bound after that

const MODEL = /^[A-Za-z0-9._:/@-]{1,100}$/;

/** The model id as the collector accepts it, or null. */
export function cleanModel(model) {
  return typeof model === 'string' && MODEL.test(model) ? model : null;
}

/** FNV-1a of host and conversation id: a key that does not keep the id itself. */
export function conversationKey(host, conversation) {
  if (typeof conversation !== 'string' || !conversation) return null;
  let h = 0x811c9dc5;
  for (const ch of `${host}\n${conversation}`) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Drops expired entries, then the oldest beyond max. Answers a new object. */
export function prune(map, now, ttlMs, max) {
  const live = Object.entries(map ?? {}).filter(([, v]) => now - v.t < ttlMs);
  live.sort((a, b) => b[1].t - a[1].t);
  return Object.fromEntries(live.slice(0, max));
}

/**
 * Applies one hand-over. An exchange keeps the model of its first hand-over (the page hook sends
 * it once the reply has begun, when the stream has named its model), so its counts stay together. msg: {id, host, model, conversation, final, unreadable, exact};
 * tokens: {prompt: n | null (no prompt in this message), reply: n}.
 * Answers {exchanges, conversations, usage: {host, model, input, output, context, turns, exact} | null,
 * unparsed: 0 | 1}.
 */
export function handOver(stored, msg, tokens, now) {
  const exchanges = { ...stored.exchanges };
  const conversations = prune(stored.conversations, now, CONVERSATION_TTL_MS, MAX_CONVERSATIONS + 1);
  const key = `${msg.tabId}:${msg.id}`;
  const known = exchanges[key];
  const rec = known ? { ...known } : { i: 0, o: 0, p: false, f: false, c: null, m: cleanModel(msg.model) };
  const isNew = !known;
  const input = !rec.p && tokens.prompt !== null ? tokens.prompt : 0;
  if (tokens.prompt !== null) rec.p = true;
  const output = Math.max(0, tokens.reply - rec.o);
  rec.o = Math.max(rec.o, tokens.reply);
  rec.i += input;

  // Context: what this conversation had counted before this exchange began.
  const convKey = conversationKey(msg.host, msg.conversation);
  let context = 0;
  if (isNew && convKey) context = conversations[convKey]?.n ?? 0;
  let credit = input + output;
  if (!rec.c && convKey) {
    credit = rec.i + rec.o; // the id became known mid-exchange (a new chat): all of it so far
    rec.c = convKey;
  }
  if (rec.c) conversations[rec.c] = { n: (conversations[rec.c]?.n ?? 0) + credit, t: now };

  const unparsed = msg.final && msg.unreadable && !rec.f ? 1 : 0;
  if (msg.final) rec.f = true;
  rec.t = now;
  exchanges[key] = rec;
  const kept = {
    exchanges: prune(exchanges, now, EXCHANGE_TTL_MS, MAX_EXCHANGES),
    conversations: prune(conversations, now, CONVERSATION_TTL_MS, MAX_CONVERSATIONS),
  };
  const counted = input + output > 0 || isNew;
  const usage = counted
    ? { host: msg.host, model: rec.m, input, output, context, turns: isNew ? 1 : 0, exact: msg.exact }
    : null;
  return { ...kept, usage, unparsed };
}
