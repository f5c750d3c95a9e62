// Names shared by the page hook, the relay, the service worker, the popup and the options page.
// A plain script with no import/export on purpose: the same file loads as a classic content script
// (which cannot be a module) and, imported for its side effect, in the worker, the pages and Node tests.
globalThis.LLM_USAGE_PROTOCOL = Object.freeze({
  // Marks the page hook's messages on the private channel.
  PAGE_TAG: 'llm-usage-collector/v1',
  // DOM events: PORT_EVENT hands the private channel (a detached element) from the page hook to the
  // relay, once; CHANNEL_EVENT carries each message on that element.
  PORT_EVENT: 'llm-usage-collector:port',
  CHANNEL_EVENT: 'llm-usage-collector:message',
  READY_EVENT: 'llm-usage-collector:ready',
  USAGE_PORT: 'usage', // name of the relay's runtime port to the worker
  MSG: Object.freeze({
    // relay -> worker, on the usage port: {id, site, prompt?, reply, model, conversation, final,
    // unreadable?}; the worker answers {ack: id} once a final message is recorded.
    USAGE: 'usage',
    // page hook -> relay -> worker, as a watched request starts: connects the port and wakes the
    // worker, so the reply's hand-overs later find it running (a closing tab leaves no time to wake it).
    WAKE: 'wake',
    STATUS: 'status', // popup -> worker: live probe of the collector, answers a classified status
    TEST_CONNECTION: 'test-connection', // options -> worker: probe a URL/key that is not saved yet
    FLUSH: 'flush', // popup -> worker: send what is pending now, ignoring the backoff
  }),
});
