// Names shared by the page hook, the relay, the service worker, the popup and the options page.
// A plain script with no import/export on purpose: the same file loads as a classic content script
// (which cannot be a module) and, imported for its side effect, in the worker, the pages and Node tests.
globalThis.LLM_USAGE_PROTOCOL = Object.freeze({
  // Marks the page hook's window.postMessage traffic so the relay ignores the page's own messages.
  PAGE_TAG: 'llm-usage-collector/v1',
  MSG: Object.freeze({
    USAGE: 'usage', // relay -> worker: {site, part: 'prompt'|'reply', text}
    STATUS: 'status', // popup -> worker: live probe of the collector, answers a classified status
    TEST_CONNECTION: 'test-connection', // options -> worker: probe a URL/key that is not saved yet
    FLUSH: 'flush', // popup -> worker: send what is pending now, ignoring the backoff
  }),
});
