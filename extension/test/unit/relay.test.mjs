// The isolated-world relay (content/relay.js) in Node with a fake window and a fake chrome.runtime:
// it takes the first channel offered and no other, forwards at once on a runtime port, wakes the
// worker at start, and resends unacknowledged exchanges (with their prompt) when the worker goes away.
import test from 'node:test';
import assert from 'node:assert/strict';

const PORT_EVENT = 'llm-usage-collector:port';
const CHANNEL_EVENT = 'llm-usage-collector:message';
const ports = []; // every runtime port the relay opened: {sent, ...}

function fakePort() {
  const listeners = { message: [], disconnect: [] };
  const port = {
    sent: [],
    postMessage: (m) => port.sent.push(structuredClone(m)),
    onMessage: { addListener: (f) => listeners.message.push(f) },
    onDisconnect: { addListener: (f) => listeners.disconnect.push(f) },
    answer: (m) => listeners.message.forEach((f) => f(m)),
    disconnect: () => listeners.disconnect.forEach((f) => f()),
  };
  return port;
}

const target = new EventTarget();
globalThis.window = globalThis;
globalThis.addEventListener = target.addEventListener.bind(target);
globalThis.dispatchEvent = target.dispatchEvent.bind(target);
globalThis.Element = class Element extends EventTarget {
  isConnected = false;
};
globalThis.MouseEvent ??= class MouseEvent extends Event {
  constructor(type, init = {}) {
    super(type, init);
    this.relatedTarget = init.relatedTarget ?? null;
  }
};
globalThis.chrome = { runtime: { connect: () => ports[ports.push(fakePort()) - 1] } };
await import('../../shared/protocol.js');
await import('../../content/relay.js');

const channel = new Element();
const offer = (node) => !dispatchEvent(new MouseEvent(PORT_EVENT, { relatedTarget: node, cancelable: true }));
const send = (node, message) => node.dispatchEvent(new CustomEvent(CHANNEL_EVENT, { detail: JSON.stringify(message) }));
const usage = (over) => ({ tag: 'llm-usage-collector/v1', type: 'usage', site: 'claude', id: 'e1', reply: '', model: null, conversation: null, final: false, ...over });
const settle = () => new Promise((r) => setTimeout(r, 10));

test('the relay wakes the worker at start and takes the first channel only', () => {
  assert.equal(ports.length, 1);
  assert.deepEqual(ports[0].sent, [{ type: 'wake' }]);
  assert.equal(offer(channel), true, 'taken');
  const intruder = new Element();
  assert.equal(offer(intruder), false, 'a second offer (a page script) is ignored');
  send(intruder, usage({ id: 'fake', prompt: 'injected', final: true }));
  assert.equal(ports[0].sent.length, 1, 'nothing forwarded from the intruder');
});

test('hand-overs leave at once; the prompt rides along on a resend until the final is acknowledged', async () => {
  send(channel, usage({ prompt: 'hello', reply: 'Hi' }));
  send(channel, usage({ reply: 'Hi there' }));
  assert.deepEqual(ports[0].sent.slice(1).map((m) => [m.prompt, m.reply]), [['hello', 'Hi'], [undefined, 'Hi there']]);
  ports[0].disconnect(); // the worker stopped before the final
  await settle();
  assert.equal(ports.length, 2, 'a new port');
  assert.deepEqual(ports[1].sent.map((m) => [m.id, m.prompt, m.reply]), [['e1', 'hello', 'Hi there']]);
  send(channel, usage({ reply: 'Hi there!', final: true }));
  ports[1].answer({ ack: 'e1' });
  ports[1].disconnect();
  await settle();
  assert.equal(ports.length, 2, 'nothing left to resend: no new port, the worker may sleep');
});

test('malformed messages are dropped; a wake is forwarded', () => {
  const before = ports[1].sent.length;
  send(channel, { tag: 'other', type: 'usage', id: 'x', reply: '' });
  send(channel, usage({ reply: 42 }));
  channel.dispatchEvent(new CustomEvent(CHANNEL_EVENT, { detail: '{not json' }));
  send(channel, { tag: 'llm-usage-collector/v1', type: 'wake' });
  const added = ports.at(-1).sent.slice(ports.at(-1) === ports[1] ? before : 0);
  assert.deepEqual(added, [{ type: 'wake' }]);
});
