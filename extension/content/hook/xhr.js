// The page hook's XMLHttpRequest wrapper (Gemini). The reply is read from responseText as it grows,
// from our own progress listener; the page's request, its body and its events are untouched.
(() => {
  const { transports } = globalThis.__llmUsageSites;

  function watch(hook, xhr, body, url) {
    const { site } = hook;
    const request = typeof body === 'string' ? body : body instanceof URLSearchParams ? String(body) : '';
    const parser = site.createReplyParser();
    let prompt = '';
    try {
      prompt = site.extractPrompt(request);
    } catch {
      // an unreadable request body: the reply still counts
    }
    hook.wake();
    const exchange = hook.track(prompt, hook.requestInfo(request, url));
    let seen = 0;
    const feed = () => {
      try {
        const text = xhr.responseText; // throws for non-text response types: then we skip
        if (text.length > seen) exchange.push(parser, text.slice(seen));
        seen = text.length;
      } catch {
        seen = Infinity;
      }
    };
    xhr.addEventListener('progress', feed);
    xhr.addEventListener('loadend', () => {
      if (xhr.status < 200 || xhr.status >= 300) return;
      feed();
      try {
        exchange.end(parser);
      } catch {
        // a parser bug must not reach the page
      }
    });
  }

  transports.xhr = (hook) => {
    const proto = XMLHttpRequest.prototype;
    const { open, send } = proto;
    const watched = new WeakMap(); // xhr -> URL of a watched request
    proto.open = function (method, url) {
      try {
        if (hook.matches(url, method)) watched.set(this, hook.parse(url));
        else watched.delete(this);
      } catch {
        // never break the page's request
      }
      return open.apply(this, arguments);
    };
    proto.send = function (body) {
      try {
        if (watched.has(this)) watch(hook, this, body, watched.get(this));
      } catch {
        // never break the page's request
      }
      return send.apply(this, arguments);
    };
  };
})();
