// The MAIN-world fetch wrapper, run in Node with a fake page (window, location, fetch): the page gets
// exactly what the network gave it, the prompt and reply reach the relay over the private channel
// (never window.postMessage), and other requests are passed through untouched.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from './load.mjs';
import { exchanges, fakePage, loadHook, settle } from './fake-page.mjs';

const fixture = readFixture('chatgpt');
const nativeCalls = [];
let nativeResult; // what the fake network answers next

function streamOf(text, size = 37, delayMs = 0) {
  const bytes = new TextEncoder().encode(text);
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (delayMs) await settle(delayMs);
      if (i >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(i, (i += size))); // cuts through UTF-8 sequences too
    },
  });
}

const page = fakePage('https://chatgpt.com/c/123');
globalThis.fetch = function fetch(input, init) {
  nativeCalls.push([input, init]);
  return nativeResult();
};
const pageFetchBefore = globalThis.fetch;
await loadHook();

test('the hook wraps fetch, hands over its private channel and leaves no globals behind', () => {
  assert.notEqual(globalThis.fetch, pageFetchBefore);
  assert.equal(globalThis.__llmUsageSites, undefined);
  assert.ok(page.channel, 'the relay got the channel at start');
});

test('a chat send: the page reads the reply unchanged; prompt, reply and model reach the relay privately', async () => {
  page.received.length = 0;
  nativeResult = async () => new Response(streamOf(fixture.reply), { headers: { 'Content-Type': 'text/event-stream' } });
  const res = await fetch('/backend-api/f/conversation', { method: 'POST', body: fixture.request });
  assert.equal(await res.text(), fixture.reply);
  await settle();
  const [one, ...more] = exchanges(page.received);
  assert.equal(more.length, 0);
  assert.deepEqual([one.prompt, one.reply, one.final, one.unreadable, one.model, one.site],
    [fixture.expected.prompt, fixture.expected.reply, true, false, fixture.expected.model, 'chatgpt']);
  assert.equal(page.received[0].tag, 'llm-usage-collector/v1');
  assert.equal(page.received.filter((m) => 'prompt' in m).length, 1, 'the prompt is handed over once');
  assert.deepEqual(page.windowMessages, [], 'nothing on window.postMessage');
  assert.ok(page.wakes >= 1, 'the worker is woken as the request starts');
});

test('a slow reply is handed over while it streams, each time its whole text so far', async () => {
  page.received.length = 0;
  nativeResult = async () => new Response(streamOf(fixture.reply, 64, 50));
  await (await fetch('/backend-api/f/conversation', { method: 'POST', body: fixture.request })).text();
  await settle();
  const [one] = exchanges(page.received);
  assert.ok(one.handOvers >= 3, `handed over ${one.handOvers} times`);
  for (const [i, text] of one.replies.entries()) assert.ok(fixture.expected.reply.startsWith(text) || i === one.replies.length - 1);
  assert.equal(one.reply, fixture.expected.reply);
});

test('a Request object works, and its body still reaches the network', async () => {
  page.received.length = 0;
  nativeResult = async () => new Response(streamOf(fixture.reply));
  const req = new Request('https://chatgpt.com/backend-api/conversation', { method: 'POST', body: fixture.request });
  const res = await fetch(req);
  assert.equal(await res.text(), fixture.reply);
  assert.equal(await nativeCalls.at(-1)[0].text(), fixture.request, 'the network got the unread body');
  await settle();
  assert.deepEqual(exchanges(page.received).map((e) => [e.prompt, e.reply]), [[fixture.expected.prompt, fixture.expected.reply]]);
});

test('a reply the parser cannot read is reported unreadable, with its prompt still counted', async () => {
  page.received.length = 0;
  nativeResult = async () => new Response(streamOf('data: {"totally":"new format"}\n\ndata: {"x":1}\n\n'));
  await (await fetch('/backend-api/f/conversation', { method: 'POST', body: fixture.request })).text();
  await settle();
  const [one] = exchanges(page.received);
  assert.deepEqual([one.prompt, one.reply, one.final, one.unreadable], [fixture.expected.prompt, '', true, true]);
});

test('other requests get the very promise the network gave, and nothing is handed over', async () => {
  page.received.length = 0;
  const promise = Promise.resolve(new Response('ok'));
  nativeResult = () => promise;
  assert.equal(fetch('/backend-api/f/conversation/prepare', { method: 'POST', body: '{}' }), promise);
  assert.equal(fetch('/backend-api/me'), promise);
  await settle();
  assert.equal(page.received.length, 0);
});

test('failures reach the page exactly as they would without the hook', async () => {
  page.received.length = 0;
  const error = new TypeError('Failed to fetch');
  nativeResult = () => Promise.reject(error);
  await assert.rejects(fetch('/backend-api/f/conversation', { method: 'POST', body: fixture.request }), (e) => e === error);
  nativeResult = async () => new Response('{"detail":"rate limited"}', { status: 429 });
  const res = await fetch('/backend-api/f/conversation', { method: 'POST', body: fixture.request });
  assert.equal(res.status, 429);
  assert.equal(await res.text(), '{"detail":"rate limited"}');
  // An odd argument the wrapper cannot inspect is still passed through to the network.
  nativeResult = async () => new Response('x');
  assert.equal(await (await fetch({ toString: () => { throw new Error('odd'); } })).text(), 'x');
  await settle();
  assert.equal(page.received.length, 0);
  assert.deepEqual(page.windowMessages, []);
});
