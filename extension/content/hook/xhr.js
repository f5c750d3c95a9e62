// The page hook's XMLHttpRequest wrapper (Gemini). The reply is read from responseText as it grows,
// from our own progress listener; the page's request, its body and its events are untouched.
(() => {
  const { transports } = globalThis.__llmUsageSites;

  function watch({ site, post }, xhr, body) {
    const prompt = typeof body === 'string' ? body : body instanceof URLSearchParams ? String(body) : '';
    const parser = site.createReplyParser();
    let seen = 0;
    const feed = () => {
      try {
        const text = xhr.responseText; // throws for non-text response types: then we skip
        if (text.length > seen) parser.push(text.slice(seen));
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
        post('prompt', site.extractPrompt(prompt));
        post('reply', parser.finish());
      } catch {
        // a parser bug must not reach the page
      }
    });
  }

  transports.xhr = (hook) => {
    const proto = XMLHttpRequest.prototype;
    const { open, send } = proto;
    const watched = new WeakSet();
    proto.open = function (method, url) {
      try {
        if (hook.matches(url, method)) watched.add(this);
        else watched.delete(this);
      } catch {
        // never break the page's request
      }
      return open.apply(this, arguments);
    };
    proto.send = function (body) {
      try {
        if (watched.has(this)) watch(hook, this, body);
      } catch {
        // never break the page's request
      }
      return send.apply(this, arguments);
    };
  };
})();
