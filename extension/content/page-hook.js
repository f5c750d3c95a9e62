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
  /** Wakes the worker as a watched request starts, so the reply's hand-overs later find it running. */
  const wake = () => {
    try {
      send({ tag: protocol.PAGE_TAG, type: protocol.WAKE });
    } catch {
      // the hand-overs wake it too, only later
    }
  };

  const track = registry.createTracker({ site, post, now });

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

  const hook = { site, matches, matchesPrompt, wake, track, requestInfo, parse, pendingPrompt: null };
  for (const transport of site.transports) {
    try {
      registry.transports[transport]?.(hook);
    } catch {
      // a missing API in an odd page leaves that transport unwrapped
    }
  }
})();
