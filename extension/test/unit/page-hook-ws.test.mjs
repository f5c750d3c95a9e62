// The page hook's WebSocket wrapper (Copilot), in Node with a fake page and a fake WebSocket class:
// the socket still works and looks native to the page, and each reply is posted once it is done.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from './load.mjs';
import { exchanges, fakePage, loadHook, settle } from './fake-page.mjs';

const fixture = readFixture('copilot');
const sent = [];

class FakeWebSocket extends EventTarget {
  static OPEN = 1;
  constructor(url) {
    super();
    this.url = url;
  }
  send(data) {
    sent.push(data);
  }
  receive(data) {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
}

const page = fakePage('https://copilot.microsoft.com/chats/abc');
globalThis.WebSocket = FakeWebSocket;
await loadHook();

test('the chat socket: frames pass through; prompt and each finished reply are handed over', async () => {
  assert.notEqual(globalThis.WebSocket, FakeWebSocket, 'wrapped');
  const ws = new WebSocket(fixture.expected.url);
  assert.ok(ws instanceof FakeWebSocket);
  assert.equal(WebSocket.OPEN, 1, 'statics still readable');
  ws.send(fixture.request);
  assert.deepEqual(sent, [fixture.request]);
  const frames = fixture.reply.split('\n').filter(Boolean);
  let seen = 0;
  ws.addEventListener('message', () => seen++);
  for (const frame of frames) ws.receive(frame);
  assert.equal(seen, frames.length, 'the page got every frame');
  ws.send(fixture.request); // a second exchange on the same socket
  for (const frame of frames) ws.receive(frame);
  await settle();
  assert.deepEqual(exchanges(page.received).map((e) => [e.prompt, e.reply, e.final, e.conversation]), [
    [fixture.expected.prompt, fixture.expected.reply, true, 'cp-1'],
    [fixture.expected.prompt, fixture.expected.reply, true, 'cp-1'],
  ]);
  assert.deepEqual(page.windowMessages, []);
});

test('other sockets are not watched', async () => {
  page.received.length = 0;
  const ws = new WebSocket('wss://copilot.microsoft.com/c/api/other');
  ws.send(fixture.request);
  ws.receive('{"event":"appendText","text":"x"}');
  ws.receive('{"event":"done"}');
  await settle();
  assert.equal(page.received.length, 0);
});
