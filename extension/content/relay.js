// Isolated-world relay: the page hook (MAIN world) cannot call chrome.runtime, so it posts to the
// window and this script forwards to the service worker. Only messages from this same window carrying
// our tag are forwarded, so other frames cannot inject counts through us.
(() => {
  const { PAGE_TAG, MSG } = globalThis.LLM_USAGE_PROTOCOL;
  const PARTS = new Set(['prompt', 'reply']);

  window.addEventListener('message', (event) => {
    const data = event.data;
    if (event.source !== window || data?.tag !== PAGE_TAG || data.type !== MSG.USAGE) return;
    if (typeof data.text !== 'string' || !data.text || !PARTS.has(data.part)) return;
    const message = { type: MSG.USAGE, site: String(data.site), part: data.part, text: data.text };
    try {
      chrome.runtime.sendMessage(message).catch(() => {});
    } catch {
      // the extension was reloaded or removed: this old relay has nowhere to send
    }
  });
})();
