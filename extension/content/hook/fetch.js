// The page hook's fetch wrapper (ChatGPT, Claude, Perplexity, DeepSeek, Grok, Mistral). The page gets
// the very promise the real fetch returned; a watched reply is read from response.clone(), taken in a
// reaction registered before the caller's own, so the clone exists before the page reads the body.
// The reply's text so far is handed over while it streams (see track() in page-hook.js), so a tab
// closed right after the reply loses at most the last moments of it.
(() => {
  const { transports } = globalThis.__llmUsageSites;
  const noop = () => {};

  function bodyText(input, init) {
    const body = init?.body;
    if (typeof body === 'string') return Promise.resolve(body);
    if (body instanceof URLSearchParams) return Promise.resolve(body.toString());
    // A Request carries its own body: clone it now, before the real fetch consumes it.
    if (body == null && input instanceof Request) return input.clone().text();
    return Promise.resolve('');
  }

  async function readReply(hook, url, body, request) {
    const { site } = hook;
    let prompt = '';
    let info = {};
    try {
      const text = await request;
      prompt = site.extractPrompt(text) || hook.pendingPrompt || '';
      info = hook.requestInfo(text, url);
    } catch {
      // an unreadable request body: the reply still counts
    }
    hook.pendingPrompt = null; // a prompt sent on its own belongs to this reply only
    const parser = site.createReplyParser();
    const exchange = hook.track(prompt, info);
    // A reader and a streaming TextDecoder (not pipeThrough): fewer hops per chunk, so our copy
    // keeps pace with the page's and the last hand-over leaves as soon as the reply ends.
    const decoder = new TextDecoder();
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (text) exchange.push(parser, text);
      }
    } catch {
      // the user stopped the reply or the network failed: what arrived was still shown
    }
    const tail = decoder.decode(); // an incomplete last character of a stopped reply
    if (tail) exchange.push(parser, tail);
    exchange.end(parser);
  }

  /** A request that only carries a prompt (Mistral's message.newChat): keep it for the reply. */
  async function keepPrompt(hook, request) {
    try {
      hook.pendingPrompt = hook.site.extractPrompt(await request) || null;
    } catch {
      // nothing to keep
    }
  }

  transports.fetch = (hook) => {
    const nativeFetch = window.fetch;
    window.fetch = function fetch(input, init) {
      let request = null;
      let url = null;
      let promptOnly = false;
      try {
        const isRequest = input instanceof Request;
        const method = init?.method ?? (isRequest ? input.method : 'GET');
        const target = isRequest ? input.url : input;
        if (hook.matches(target, method)) {
          hook.wake();
          request = bodyText(input, init);
          url = hook.parse(target);
        } else if (hook.matchesPrompt(target, method)) {
          request = bodyText(input, init);
          promptOnly = true;
        }
      } catch {
        request = null;
      }
      const promise = nativeFetch.apply(this, arguments);
      if (request && promptOnly) {
        keepPrompt(hook, request);
      } else if (request) {
        promise.then((response) => {
          if (response.ok && response.body) readReply(hook, url, response.clone().body, request);
        }, noop);
      }
      return promise;
    };
  };
})();
