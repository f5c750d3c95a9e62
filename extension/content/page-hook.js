// Runs in the page's own JavaScript world at document_start, before the chat app's code, so it can
// wrap fetch, XMLHttpRequest and WebSocket. Rules: the page receives exactly what it would without
// us (we read a clone or a listener copy, never the page's stream), nothing here may throw into the
// page (every step is inside try/catch), and unmatched requests cost one URL parse and a regex.
// The text found goes to the isolated-world relay by window.postMessage; it is never stored.
// This file picks the site and runs its transports' wrappers (content/hook/*.js), loaded before it.
(() => {
  const registry = globalThis.__llmUsageSites;
  delete globalThis.__llmUsageSites; // leave the page's global scope as we found it
  const { PAGE_TAG, USAGE } = registry?.protocol ?? {};
  const site = registry?.sites.find((s) => s.hosts.includes(location.hostname));
  if (!site || !PAGE_TAG) return;

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

  for (const transport of site.transports) {
    try {
      registry.transports[transport]?.({ site, post, matches });
    } catch {
      // a missing API in an odd page leaves that transport unwrapped
    }
  }
})();
