// The page hook's WebSocket wrapper (Copilot). The constructor becomes a Proxy, so statics, prototype
// and instanceof stay native; frames are read by an extra message listener, never taken from the page.
(() => {
  const { transports } = globalThis.__llmUsageSites;

  function watch({ site, post }, ws, parsers) {
    parsers.set(ws, site.createReplyParser());
    ws.addEventListener('message', (event) => {
      try {
        if (typeof event.data !== 'string') return;
        const parser = parsers.get(ws);
        parser.push(event.data);
        if (parser.done?.()) {
          post('reply', parser.finish());
          parsers.set(ws, site.createReplyParser()); // one socket carries many replies
        }
      } catch {
        // a parser bug must not reach the page
      }
    });
  }

  transports.websocket = (hook) => {
    const Native = window.WebSocket;
    const parsers = new WeakMap(); // watched socket -> parser of the reply being streamed
    window.WebSocket = new Proxy(Native, {
      construct(target, args, newTarget) {
        const ws = Reflect.construct(target, args, newTarget);
        try {
          if (hook.matches(args[0], 'GET')) watch(hook, ws, parsers);
        } catch {
          // never break the page's socket
        }
        return ws;
      },
    });
    const nativeSend = Native.prototype.send;
    Native.prototype.send = function (data) {
      try {
        if (parsers.has(this) && typeof data === 'string') hook.post('prompt', hook.site.extractPrompt(data));
      } catch {
        // never break the page's socket
      }
      return nativeSend.apply(this, arguments);
    };
  };
})();
