// Helpers and the registry shared by the site parsers. Like every file in content/, this is a plain
// script (content scripts cannot be modules) that also imports cleanly in Node for the unit tests.
// The page hook reads the registry once and deletes it from the page's global scope.
//
// A site is {id, name, hosts, exact, transports, matchRequest(url, method), extractPrompt(body),
// requestInfo(body, url) -> {model, conversation}, createReplyParser()}; optionally
// matchPromptRequest(url, method) for an app that sends the prompt in a request of its own (Mistral).
// A reply parser is {push(chunk), peek() -> text so far, finish() -> text, info -> {model,
// conversation, refused}}: peek() lets the hook hand progress over while the reply streams.
(() => {
  const registry = (globalThis.__llmUsageSites ??= { sites: [], lib: {}, transports: {} });

  // The page hook's half of shared/protocol.js (a unit test keeps the two equal). Chrome injects a
  // file at most once per frame even when two content-script entries in different worlds list it,
  // so the MAIN world cannot load shared/protocol.js as well as the isolated relay.
  registry.protocol = Object.freeze({
    PAGE_TAG: 'llm-usage-collector/v1',
    USAGE: 'usage',
    WAKE: 'wake',
    PORT_EVENT: 'llm-usage-collector:port',
    CHANNEL_EVENT: 'llm-usage-collector:message',
    READY_EVENT: 'llm-usage-collector:ready',
  });

  /** Splits streamed text into complete lines; keeps the unfinished tail for the next chunk. */
  function createLineSplitter() {
    let rest = '';
    return {
      push(chunk) {
        const lines = (rest + chunk).split(/\r?\n/);
        rest = lines.pop();
        return lines;
      },
      flush() {
        const last = rest;
        rest = '';
        return last ? [last] : [];
      },
    };
  }

  /** Server-sent events: calls onData(dataString, eventName) once per complete event. */
  function createSseReader(onData) {
    const lines = createLineSplitter();
    let data = [];
    let name = 'message';
    const take = (line) => {
      if (line === '') {
        if (data.length) onData(data.join('\n'), name);
        data = [];
        name = 'message';
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line[5] === ' ' ? 6 : 5));
      } else if (line.startsWith('event:')) {
        name = line.slice(6).trim();
      } // ":" keep-alive comments, id: and retry: lines carry nothing we count
    };
    return {
      push: (chunk) => lines.push(chunk).forEach(take),
      // A stream may end without the blank line that closes its last event.
      finish: () => [...lines.flush(), ''].forEach(take),
    };
  }

  /** JSON.parse that answers undefined instead of throwing: streams carry non-JSON lines. */
  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  /** What a parser learned besides the text; filled in as the stream goes. */
  const newInfo = () => ({ model: null, conversation: null, refused: false });

  /** A reply parser for SSE streams whose events are handled by onEvent(json, eventName). */
  function sseReplyParser(onEvent, result, info = newInfo()) {
    const sse = createSseReader((data, name) => {
      const json = parseJson(data);
      if (json !== undefined) onEvent(json, name);
    });
    return {
      info,
      push: (chunk) => sse.push(chunk),
      peek: result,
      finish() {
        sse.finish();
        return result();
      },
    };
  }

  /** A reply parser for newline-delimited streams, each complete line given to onLine. */
  function lineReplyParser(onLine, result, info = newInfo()) {
    const lines = createLineSplitter();
    return {
      info,
      push: (chunk) => lines.push(chunk).forEach(onLine),
      peek: result,
      finish() {
        lines.flush().forEach(onLine);
        return result();
      },
    };
  }

  /**
   * Applies one JSON-Patch-like operation {op, path, value} to a plain object and answers it. Besides
   * add/replace/remove it knows "append" (string concatenation or array push), which Mistral and
   * Perplexity streams use. Unknown paths create plain containers; a bad op is ignored.
   */
  function applyPatch(doc, { op, path, value }) {
    if (typeof path !== 'string') return doc;
    const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (!keys.length) return op === 'add' || op === 'replace' ? value : doc;
    const root = doc && typeof doc === 'object' ? doc : {};
    let parent = root;
    for (const [i, key] of keys.slice(0, -1).entries()) {
      if (!parent[key] || typeof parent[key] !== 'object') parent[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
      parent = parent[key];
    }
    const last = keys.at(-1);
    const index = Array.isArray(parent) && last === '-' ? parent.length : last;
    if (op === 'add' && Array.isArray(parent) && /^\d+$/.test(index)) parent.splice(Number(index), 0, value);
    else if (op === 'add' || op === 'replace') parent[index] = value;
    else if (op === 'remove') Array.isArray(parent) ? parent.splice(Number(index), 1) : delete parent[index];
    else if (op === 'append') {
      if (Array.isArray(parent[index])) parent[index].push(value);
      else if (typeof value === 'string') parent[index] = (typeof parent[index] === 'string' ? parent[index] : '') + value;
    }
    return root;
  }

  /** The first non-empty string among values, or null: how a site says "the model is unknown". */
  const firstString = (...values) => values.find((v) => typeof v === 'string' && v) ?? null;

  Object.assign(registry.lib, {
    createLineSplitter,
    createSseReader,
    parseJson,
    newInfo,
    sseReplyParser,
    lineReplyParser,
    applyPatch,
    firstString,
  });
})();
