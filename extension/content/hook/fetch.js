// The page hook's fetch wrapper (ChatGPT, Claude, Perplexity, DeepSeek, Grok, Mistral). The page gets
// the very promise the real fetch returned; a watched reply is read from response.clone(), taken in a
// reaction registered before the caller's own, so the clone exists before the page reads the body.
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

  // Posts the prompt and the reply together once the stream ends, so the worker's counting and
  // storage writes never compete with the page while it is still reading the reply.
  async function readReply({ site, post }, body, prompt) {
    const parser = site.createReplyParser();
    try {
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      // the user stopped the reply or the network failed: what arrived was still shown
    }
    try {
      post('prompt', site.extractPrompt(await prompt));
    } catch {
      // an unreadable request body: the reply still counts
    }
    post('reply', parser.finish());
  }

  transports.fetch = (hook) => {
    const nativeFetch = window.fetch;
    window.fetch = function fetch(input, init) {
      let prompt = null;
      try {
        const isRequest = input instanceof Request;
        const method = init?.method ?? (isRequest ? input.method : 'GET');
        if (hook.matches(isRequest ? input.url : input, method)) prompt = bodyText(input, init);
      } catch {
        prompt = null;
      }
      const promise = nativeFetch.apply(this, arguments);
      if (prompt) {
        promise.then((response) => {
          if (response.ok && response.body) readReply(hook, response.clone().body, prompt);
        }, noop);
      }
      return promise;
    };
  };
})();
