// The page hook's exchange tracker (content/hook/exchange.js) with stand-in parsers: a parser that
// throws never reaches the page and never loses the prompt; the reply is then reported unreadable;
// a refusal is not; the first hand-over waits for reply text.
import test from 'node:test';
import assert from 'node:assert/strict';

globalThis.__llmUsageSites ??= { sites: [], lib: {}, transports: {} };
await import('../../content/hook/exchange.js');
const { createTracker } = globalThis.__llmUsageSites;

function setup() {
  const posted = [];
  let clock = 0;
  const track = createTracker({ post: (m) => posted.push(m), now: () => clock });
  return { posted, track, tick: (ms) => (clock += ms) };
}

const parser = (over = {}) => {
  let text = '';
  return { info: { model: null, conversation: null, refused: false }, push: (c) => (text += c), peek: () => text, finish: () => text, ...over };
};

test('a parser that throws: the page is untouched, the prompt still counts, the reply is unreadable', () => {
  const { posted, track } = setup();
  const exchange = track('the prompt', { model: 'm-1', conversation: 'c-1' });
  const broken = parser({ push: () => { throw new Error('new format'); }, peek: () => '' });
  assert.doesNotThrow(() => exchange.push(broken, 'data: {"x":1}\n\n'));
  assert.doesNotThrow(() => exchange.end(broken));
  assert.deepEqual(posted.map((m) => [m.prompt, m.reply, m.final, m.unreadable, m.model]), [['the prompt', '', true, true, 'm-1']]);
});

test('a refusal with no text is not unreadable; an empty reply with no content is not either', () => {
  const { posted, track } = setup();
  const refused = parser({ push: () => {} }); // a refusal: content, but no reply text
  refused.info.refused = true;
  const a = track('p');
  a.push(refused, '{"type":"error"}');
  a.end(refused);
  const b = track('q');
  b.end(parser());
  assert.deepEqual(posted.map((m) => m.unreadable), [false, false]);
});

test('the first hand-over waits for reply text, then progress follows the clock', () => {
  const { posted, track, tick } = setup();
  const p = parser();
  const exchange = track('hello', {});
  exchange.push(p, '');
  assert.equal(posted.length, 0, 'no text yet: nothing handed over');
  exchange.push(p, 'Hi');
  assert.deepEqual(posted.map((m) => [m.prompt, m.reply]), [['hello', 'Hi']]);
  tick(100);
  exchange.push(p, ' there');
  assert.equal(posted.length, 1, 'within 250 ms: not yet');
  tick(200);
  exchange.push(p, '!');
  assert.deepEqual(posted.map((m) => m.reply), ['Hi', 'Hi there!']);
  exchange.end(p);
  assert.deepEqual(posted.at(-1), { id: posted[0].id, reply: 'Hi there!', model: null, conversation: null, final: true, unreadable: false });
  assert.equal(new Set(posted.map((m) => m.id)).size, 1);
});
