// The MAIN-world fetch wrapper, run in Node with a fake page (window, location, fetch): the page gets
// exactly what the network gave it, the prompt and reply reach postMessage, and other requests are
// passed through untouched.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXT, mainWorldFiles, readFixture } from './load.mjs';

const fixture = readFixture('chatgpt');
const posted = [];
const nativeCalls = [];
let nativeResult; // what the fake network answers next

function streamOf(text, size = 37) {
  const bytes = new TextEncoder().encode(text);
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(i, (i += size))); // cuts through UTF-8 sequences too
    },
  });
}

// The fake page, set up before the content scripts load, as Chrome does at document_start.
globalThis.window = globalThis;
globalThis.location = new URL('https://chatgpt.com/c/123');
globalThis.postMessage = (message, origin) => posted.push({ message, origin });
globalThis.fetch = function fetch(input, init) {
  nativeCalls.push([input, init]);
  return nativeResult();
};
const pageFetchBefore = globalThis.fetch;
for (const file of mainWorldFiles) await import(pathToFileURL(path.join(EXT, file)).href);

const settle = () => new Promise((r) => setTimeout(r, 20));

test('the hook wraps fetch and leaves no globals behind', () => {
  assert.notEqual(globalThis.fetch, pageFetchBefore);
  assert.equal(globalThis.__llmUsageSites, undefined);
});

test('a chat send: the page reads the reply unchanged; prompt and reply are posted', async () => {
  posted.length = 0;
  nativeResult = async () => new Response(streamOf(fixture.reply), { headers: { 'Content-Type': 'text/event-stream' } });
  const res = await fetch('/backend-api/f/conversation', { method: 'POST', body: fixture.request });
  assert.equal(await res.text(), fixture.reply);
  await settle();
  assert.deepEqual(posted.map((p) => [p.message.part, p.message.text, p.origin]), [
    ['prompt', fixture.expected.prompt, 'https://chatgpt.com'],
    ['reply', fixture.expected.reply, 'https://chatgpt.com'],
  ]);
  assert.equal(posted[0].message.tag, 'llm-usage-collector/v1');
});

test('a Request object works, and its body still reaches the network', async () => {
  posted.length = 0;
  nativeResult = async () => new Response(streamOf(fixture.reply));
  const req = new Request('https://chatgpt.com/backend-api/conversation', { method: 'POST', body: fixture.request });
  const res = await fetch(req);
  assert.equal(await res.text(), fixture.reply);
  assert.equal(await nativeCalls.at(-1)[0].text(), fixture.request, 'the network got the unread body');
  await settle();
  assert.deepEqual(posted.map((p) => p.message.part), ['prompt', 'reply']);
});

test('other requests get the very promise the network gave, and nothing is posted', async () => {
  posted.length = 0;
  const promise = Promise.resolve(new Response('ok'));
  nativeResult = () => promise;
  assert.equal(fetch('/backend-api/f/conversation/prepare', { method: 'POST', body: '{}' }), promise);
  assert.equal(fetch('/backend-api/me'), promise);
  await settle();
  assert.equal(posted.length, 0);
});

test('failures reach the page exactly as they would without the hook', async () => {
  posted.length = 0;
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
  assert.equal(posted.length, 0);
});
