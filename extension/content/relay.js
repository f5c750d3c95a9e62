// Isolated-world relay: the page hook (MAIN world) cannot call chrome.runtime, so it sends over a
// private channel (events on a detached element handed over at document start) and this script
// forwards to the service worker over a runtime port, synchronously. Only the first channel offered
// is taken (ours: content scripts run before any page script), so a page script can neither read
// the channel nor inject counts through it later.
// Hand-over needs no worker round-trip: messages go out on an open port at once. Final messages are
// kept until the worker acknowledges them and resent on a new port if the worker went away.
(() => {
  const { PAGE_TAG, PORT_EVENT, CHANNEL_EVENT, READY_EVENT, USAGE_PORT, MSG } = globalThis.LLM_USAGE_PROTOCOL;
  const MAX_OPEN = 64; // exchanges remembered for a resend, oldest dropped first
  const RESEND_WITHIN_MS = 120000; // an exchange silent for longer (a socket that never said done) is dropped
  const open = new Map(); // exchange id -> {message, at}: its latest message, until the final is acknowledged
  let channel = null;
  let workerPort = null;

  function connect() {
    try {
      workerPort = chrome.runtime.connect({ name: USAGE_PORT });
    } catch {
      workerPort = null; // the extension was reloaded or removed: nowhere to send
      return null;
    }
    workerPort.onMessage.addListener((answer) => {
      if (typeof answer?.ack === 'string') open.delete(answer.ack);
    });
    workerPort.onDisconnect.addListener(() => {
      workerPort = null;
      // The worker stopped (idle or killed): resend what it may not have recorded.
      if (open.size) setTimeout(resend, 0);
    });
    return workerPort;
  }

  // Resends each open exchange's latest message once per disconnect, and forgets exchanges silent for
  // long, so an exchange that never ends cannot keep waking the worker.
  function resend() {
    const now = Date.now();
    for (const [id, { message, at }] of open) {
      if (now - at > RESEND_WITHIN_MS) open.delete(id);
      else deliver(message);
    }
  }

  function deliver(message) {
    try {
      (workerPort ?? connect())?.postMessage(message);
    } catch {
      workerPort = null;
    }
  }

  function forward(data) {
    if (data?.tag === PAGE_TAG && data.type === MSG.WAKE) return deliver({ type: MSG.WAKE });
    if (data?.tag !== PAGE_TAG || data.type !== MSG.USAGE || typeof data.id !== 'string') return;
    if (typeof data.reply !== 'string' || (data.prompt !== undefined && typeof data.prompt !== 'string')) return;
    const message = {
      type: MSG.USAGE,
      id: data.id.slice(0, 64),
      site: String(data.site),
      reply: data.reply,
      model: typeof data.model === 'string' ? data.model : null,
      conversation: typeof data.conversation === 'string' ? data.conversation : null,
      final: data.final === true,
      unreadable: data.unreadable === true,
    };
    if (data.prompt !== undefined) message.prompt = data.prompt;
    // Keep the prompt with the exchange until acknowledged: a resend must still carry it (the worker
    // credits it once), while the hand-over itself goes without it.
    const kept = open.get(message.id)?.message;
    const resendable = kept?.prompt !== undefined && message.prompt === undefined ? { ...message, prompt: kept.prompt } : message;
    open.delete(message.id);
    open.set(message.id, { message: resendable, at: Date.now() });
    if (open.size > MAX_OPEN) open.delete(open.keys().next().value);
    deliver(message);
  }

  window.addEventListener(
    PORT_EVENT,
    (event) => {
      const target = event.relatedTarget;
      if (channel || !(target instanceof Element) || target.isConnected) return;
      channel = target;
      event.preventDefault(); // tells the page hook the channel was taken
      event.stopImmediatePropagation();
      channel.addEventListener(CHANNEL_EVENT, (e) => {
        let data;
        try {
          data = JSON.parse(e.detail);
        } catch {
          return;
        }
        forward(data);
      });
    },
    true,
  );
  // The page hook may have run first: tell it we are here, so it offers the channel again.
  window.dispatchEvent(new Event(READY_EVENT));
  // A chat page just loaded: start the worker now (cheap), so a first prompt sent soon finds it
  // running. It stops again after Chrome's idle time; each watched request wakes it again (MSG.WAKE).
  deliver({ type: MSG.WAKE });
})();
