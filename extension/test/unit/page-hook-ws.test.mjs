// The page hook's WebSocket wrapper (Copilot), in Node with a fake page and a fake WebSocket class:
// the socket still works and looks native to the page, and each reply is posted once it is done.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXT, mainWorldFiles, readFixture } from './load.mjs';

const fixture = readFixture('copilot');
const posted = [];
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

globalThis.window = globalThis;
globalThis.location = new URL('https://copilot.microsoft.com/chats/abc');
globalThis.postMessage = (message) => posted.push(message);
globalThis.WebSocket = FakeWebSocket;
for (const file of mainWorldFiles) await import(pathToFileURL(path.join(EXT, file)).href);

test('the chat socket: frames pass through; prompt and each finished reply are posted', () => {
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
  for (const frame of frames) ws.receive(frame); // a second reply on the same socket
  assert.deepEqual(posted.map((m) => [m.part, m.text]), [
    ['prompt', fixture.expected.prompt],
    ['reply', fixture.expected.reply],
    ['reply', fixture.expected.reply],
  ]);
});

test('other sockets are not watched', () => {
  posted.length = 0;
  const ws = new WebSocket('wss://copilot.microsoft.com/c/api/other');
  ws.send(fixture.request);
  ws.receive('{"event":"appendText","text":"x"}');
  ws.receive('{"event":"done"}');
  assert.equal(posted.length, 0);
});
