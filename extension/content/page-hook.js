// Runs in the page's own JavaScript world at document_start, before the chat app's code, so it can
// wrap fetch, XMLHttpRequest and WebSocket. Rules: the page receives exactly what it would without
// us (we read a clone or a listener copy, never the page's stream), nothing here may throw into the
// page (every step is inside try/catch), and unmatched requests cost one URL parse and a regex.
// The text found goes to the isolated-world relay by window.postMessage; it is never stored.
(() => {
  const registry = globalThis.__llmUsageSites;
  delete globalThis.__llmUsageSites; // leave the page's global scope as we found it
  const { PAGE_TAG, USAGE } = registry?.protocol ?? {};
  const site = registry?.sites.find((s) => s.hosts.includes(location.hostname));
  if (!site || !PAGE_TAG) return;

  const noop = () => {};
  const postMessage = window.postMessage.bind(window);
  const origin = location.origin;
  const post = (part, text) => {
    try {
      if (typeof text === 'string' && text) {
        postMessage({ tag: PAGE_TAG, type: USAGE, site: site.id, part, text }, origin);
      }
    } catch {
      // a page that broke postMessage loses this count, nothing more
    }
  };
  const matches = (url, method) => {
    try {
      return site.matchRequest(new URL(String(url), location.href), String(method).toUpperCase());
    } catch {
      return false;
    }
  };

  // Posts the prompt and the reply together once the stream ends, so the worker's counting and
  // storage writes never compete with the page while it is still reading the reply.
  async function readReply(body, prompt) {
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

  function bodyText(input, init) {
    const body = init?.body;
    if (typeof body === 'string') return Promise.resolve(body);
    if (body instanceof URLSearchParams) return Promise.resolve(body.toString());
    // A Request carries its own body: clone it now, before the real fetch consumes it.
    if (body == null && input instanceof Request) return input.clone().text();
    return Promise.resolve('');
  }

  function wrapFetch() {
    const nativeFetch = window.fetch;
    window.fetch = function fetch(input, init) {
      let prompt = null;
      try {
        const isRequest = input instanceof Request;
        const method = init?.method ?? (isRequest ? input.method : 'GET');
        if (matches(isRequest ? input.url : input, method)) prompt = bodyText(input, init);
      } catch {
        prompt = null;
      }
      const promise = nativeFetch.apply(this, arguments);
      if (prompt) {
        // Registered before the caller's own .then, so the clone is taken before the page reads.
        promise.then((response) => {
          if (!response.ok || !response.body) return;
          readReply(response.clone().body, prompt);
        }, noop);
      }
      return promise;
    };
  }

  function wrapXhr() {
    const proto = XMLHttpRequest.prototype;
    const { open, send } = proto;
    const watched = new WeakSet();
    proto.open = function (method, url) {
      try {
        if (matches(url, method)) watched.add(this);
        else watched.delete(this);
      } catch {
        // never break the page's request
      }
      return open.apply(this, arguments);
    };
    proto.send = function (body) {
      try {
        if (watched.has(this)) watchXhr(this, body);
      } catch {
        // never break the page's request
      }
      return send.apply(this, arguments);
    };
  }

  function watchXhr(xhr, body) {
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

  function wrapWebSocket() {
    const Native = window.WebSocket;
    const parsers = new WeakMap(); // socket -> reply parser of the reply being streamed
    window.WebSocket = new Proxy(Native, {
      construct(target, args, newTarget) {
        const ws = Reflect.construct(target, args, newTarget);
        try {
          if (matches(args[0], 'GET')) watchSocket(ws, parsers);
        } catch {
          // never break the page's socket
        }
        return ws;
      },
    });
    const nativeSend = Native.prototype.send;
    Native.prototype.send = function (data) {
      try {
        if (parsers.has(this) && typeof data === 'string') post('prompt', site.extractPrompt(data));
      } catch {
        // never break the page's socket
      }
      return nativeSend.apply(this, arguments);
    };
  }

  function watchSocket(ws, parsers) {
    parsers.set(ws, site.createReplyParser());
    ws.addEventListener('message', (event) => {
      try {
        if (typeof event.data !== 'string') return;
        const parser = parsers.get(ws);
        parser.push(event.data);
        if (parser.done?.()) {
          post('reply', parser.finish());
          parsers.set(ws, site.createReplyParser());
        }
      } catch {
        // a parser bug must not reach the page
      }
    });
  }

  const installers = { fetch: wrapFetch, xhr: wrapXhr, websocket: wrapWebSocket };
  for (const transport of site.transports) {
    try {
      installers[transport]?.();
    } catch {
      // a missing API in an odd page leaves that transport unwrapped
    }
  }
})();
