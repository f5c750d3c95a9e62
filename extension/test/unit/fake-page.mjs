// A fake page for the MAIN-world hook tests in Node: window is an EventTarget, and a stand-in for the
// isolated relay takes the private channel the hook offers at start, as content/relay.js does. Any
// "message" event on the window (where window.postMessage traffic lands) is recorded too, so tests can
// check that page scripts see nothing.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXT, mainWorldFiles } from './load.mjs';

const PORT_EVENT = 'llm-usage-collector:port';
const CHANNEL_EVENT = 'llm-usage-collector:message';

export function fakePage(href) {
  const target = new EventTarget();
  globalThis.window = globalThis;
  globalThis.addEventListener = target.addEventListener.bind(target);
  globalThis.removeEventListener = target.removeEventListener.bind(target);
  globalThis.dispatchEvent = target.dispatchEvent.bind(target);
  globalThis.location = new URL(href);
  const page = { received: [], wakes: 0, windowMessages: [], channel: null };
  globalThis.postMessage = (data) => page.windowMessages.push(data);
  globalThis.document = { createElement: () => new EventTarget() };
  globalThis.MouseEvent ??= class MouseEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      this.relatedTarget = init.relatedTarget ?? null;
    }
  };
  addEventListener('message', (e) => page.windowMessages.push(e.data));
  addEventListener(PORT_EVENT, (event) => {
    if (page.channel) return;
    page.channel = event.relatedTarget;
    event.preventDefault();
    page.channel.addEventListener(CHANNEL_EVENT, (e) => {
      const data = JSON.parse(e.detail);
      if (data?.type === 'wake') page.wakes++;
      else page.received.push(data);
    });
  });
  return page;
}

/** Loads the MAIN-world content scripts, the page hook last, as Chrome does at document_start. */
export async function loadHook() {
  for (const file of mainWorldFiles) await import(pathToFileURL(path.join(EXT, file)).href);
}

/**
 * Folds the hand-overs into one record per exchange: the prompt (sent once), the text of the final
 * hand-over, model, conversation, unreadable, and how many hand-overs there were.
 */
export function exchanges(received) {
  const byId = new Map();
  for (const m of received) {
    const e = byId.get(m.id) ?? { prompt: undefined, reply: '', final: false, handOvers: 0, replies: [] };
    if (m.prompt !== undefined) e.prompt = m.prompt;
    e.reply = m.reply;
    e.replies.push(m.reply);
    e.final = m.final;
    e.model = m.model;
    e.conversation = m.conversation;
    e.unreadable = m.unreadable;
    e.site = m.site;
    e.handOvers++;
    byId.set(m.id, e);
  }
  return [...byId.values()];
}

export const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
