// Runs in the page's own JavaScript world at document_start, before the chat app's code, so it can
// wrap fetch, XMLHttpRequest and WebSocket. Rules: the page receives exactly what it would without
// us (we read a clone or a listener copy, never the page's stream), nothing here may throw into the
// page (every step is inside try/catch), and unmatched requests cost one URL parse and a regex.
//
// Text goes to the isolated-world relay over a private channel, never window.postMessage (which
// every script of the page can read): at document start, before any page script runs, we hand the
// relay a detached element that only the two of us hold (as the relatedTarget of one synchronous
// event), then dispatch our messages on it as events with a JSON string. DOM events cross the two
// worlds synchronously, so a hand-over reaches the relay, and leaves for the worker, before the page
// can act on the same chunk (close the tab, navigate). The relay marks the offer handled, so it is
// made exactly once. Nothing is stored here.
// This file picks the site and runs its transports' wrappers (content/hook/*.js), loaded before it.
(() => {
  const registry = globalThis.__llmUsageSites;
  delete globalThis.__llmUsageSites; // leave the page's global scope as we found it
  const protocol = registry?.protocol ?? {};
  const site = registry?.sites.find((s) => s.hosts.includes(location.hostname));
  if (!site || !protocol.PAGE_TAG) return;

  // How often a streaming reply's text so far is handed over: every 250 ms, plus 1 ms per 100
  // characters already sent, so the worker's recounting of a long reply stays a small cost.
  const PROGRESS_MS = 250;
  const PROGRESS_MS_PER_CHAR = 0.01;
  const now = performance.now.bind(performance);
  // Taken now, before page scripts run, so a page that later replaces them cannot see our traffic.
  const channel = document.createElement('span');
  const dispatch = EventTarget.prototype.dispatchEvent.bind(channel);
  const NativeCustomEvent = CustomEvent;
  const stringify = JSON.stringify;
  const send = (message) => dispatch(new NativeCustomEvent(protocol.CHANNEL_EVENT, { detail: stringify(message) }));

  // Offers the relay the channel; answers true once the relay took it.
  const offer = () => !window.dispatchEvent(new MouseEvent(protocol.PORT_EVENT, { relatedTarget: channel, cancelable: true }));
  try {
    if (!offer()) {
      // The relay is not listening yet: it announces itself when it starts.
      const onReady = () => offer() && window.removeEventListener(protocol.READY_EVENT, onReady, true);
      window.addEventListener(protocol.READY_EVENT, onReady, true);
    }
  } catch {
    return; // no private channel, no capture: never fall back to a channel the page can read
  }

  const post = (message) => {
    try {
      send({ tag: protocol.PAGE_TAG, type: protocol.USAGE, site: site.id, ...message });
    } catch {
      // a closed channel loses this count, nothing more
    }
  };
  let counter = 0;
  const newId = () => `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  /**
   * One watched exchange. The first hand-over carries the prompt; while the reply streams, its text
   * so far is handed over at most every PROGRESS_MS; the last one says final, and unreadable when the
   * reply had content but the parser found no text in it (or threw): the site changed its format.
   */
  function track(prompt, requestInfo = {}) {
    const id = newId();
    try {
      send({ tag: protocol.PAGE_TAG, type: protocol.WAKE });
    } catch {
      // the hand-overs below wake it too, only later
    }
    let promptSent = false;
    let lastAt = -Infinity;
    let lastLength = 0;
    let sawContent = false;
    let broken = false;
    const hand = (parser, reply, final, extra = {}) => {
      const info = parser?.info ?? {};
      const message = {
        id,
        reply: typeof reply === 'string' ? reply : '',
        model: info.model ?? requestInfo.model ?? null,
        conversation: info.conversation ?? requestInfo.conversation ?? null,
        final,
        ...extra,
      };
      if (!promptSent && typeof prompt === 'string') message.prompt = prompt;
      promptSent = true;
      post(message);
    };
    const peek = (parser) => {
      try {
        return parser.peek();
      } catch {
        broken = true;
        return '';
      }
    };
    return {
      /** Sends the prompt at once (WebSocket apps, whose reply may come much later). */
      start: () => hand(null, '', false),
      push(parser, chunk) {
        if (!sawContent && /\S/.test(chunk)) sawContent = true;
        if (!broken) {
          try {
            parser.push(chunk);
          } catch {
            broken = true; // a parser bug: keep what was read, report the reply as unreadable
          }
        }
        // The first hand-over waits for reply text: by then the stream has named its model, so the
        // whole exchange is counted under one model.
        if (now() - lastAt >= PROGRESS_MS + lastLength * PROGRESS_MS_PER_CHAR) {
          const text = peek(parser);
          if (!text) return;
          lastAt = now();
          lastLength = text.length;
          hand(parser, text, false);
        }
      },
      end(parser) {
        let text = '';
        try {
          text = broken ? peek(parser) : parser.finish();
        } catch {
          broken = true;
          text = peek(parser);
        }
        const unreadable = broken || (!text && sawContent && !parser.info?.refused);
        hand(parser, text, true, { unreadable });
      },
    };
  }

  const requestInfo = (body, url) => {
    try {
      return site.requestInfo?.(body, url) ?? {};
    } catch {
      return {};
    }
  };
  const parse = (url) => new URL(String(url), location.href);
  const matches = (url, method) => {
    try {
      return site.matchRequest(parse(url), String(method).toUpperCase());
    } catch {
      return false;
    }
  };
  const matchesPrompt = (url, method) => {
    try {
      return Boolean(site.matchPromptRequest?.(parse(url), String(method).toUpperCase()));
    } catch {
      return false;
    }
  };

  const hook = { site, matches, matchesPrompt, track, requestInfo, parse, pendingPrompt: null };
  for (const transport of site.transports) {
    try {
      registry.transports[transport]?.(hook);
    } catch {
      // a missing API in an odd page leaves that transport unwrapped
    }
  }
})();
