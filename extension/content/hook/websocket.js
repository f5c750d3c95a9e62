// The page hook's WebSocket wrapper (Copilot). The constructor becomes a Proxy, so statics, prototype
// and instanceof stay native; frames are read by an extra message listener, never taken from the page.
// One socket carries many exchanges: each client "send" frame starts one (its prompt is handed over at
// once), and the reply frames that follow belong to it until the parser says done().
(() => {
  const { transports } = globalThis.__llmUsageSites;

  function watch(hook, ws, exchanges) {
    exchanges.set(ws, null);
    ws.addEventListener('message', (event) => {
      try {
        const current = exchanges.get(ws);
        if (typeof event.data !== 'string' || !current) return;
        current.exchange.push(current.parser, event.data);
        if (current.parser.done?.()) {
          current.exchange.end(current.parser);
          exchanges.set(ws, null);
        }
      } catch {
        // a parser bug must not reach the page
      }
    });
  }

  transports.websocket = (hook) => {
    const Native = window.WebSocket;
    const exchanges = new WeakMap(); // watched socket -> {exchange, parser} of the reply under way
    window.WebSocket = new Proxy(Native, {
      construct(target, args, newTarget) {
        const ws = Reflect.construct(target, args, newTarget);
        try {
          if (hook.matches(args[0], 'GET')) watch(hook, ws, exchanges);
        } catch {
          // never break the page's socket
        }
        return ws;
      },
    });
    const nativeSend = Native.prototype.send;
    Native.prototype.send = function (data) {
      try {
        const prompt = exchanges.has(this) && typeof data === 'string' ? hook.site.extractPrompt(data) : '';
        if (prompt) {
          const previous = exchanges.get(this);
          if (previous) previous.exchange.end(previous.parser); // a new send ends the last reply
          hook.wake();
          const exchange = hook.track(prompt, hook.requestInfo(data));
          exchange.start();
          exchanges.set(this, { exchange, parser: hook.site.createReplyParser() });
        }
      } catch {
        // never break the page's socket
      }
      return nativeSend.apply(this, arguments);
    };
  };
})();
