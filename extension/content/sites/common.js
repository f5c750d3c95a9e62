// Helpers and the registry shared by the site parsers. Like every file in content/, this is a plain
// script (content scripts cannot be modules) that also imports cleanly in Node for the unit tests.
// The page hook reads the registry once and deletes it from the page's global scope.
(() => {
  const registry = (globalThis.__llmUsageSites ??= { sites: [], lib: {}, transports: {} });

  // The page hook's half of shared/protocol.js (a unit test keeps the two equal). Chrome injects a
  // file at most once per frame even when two content-script entries in different worlds list it,
  // so the MAIN world cannot load shared/protocol.js as well as the isolated relay.
  registry.protocol = Object.freeze({ PAGE_TAG: 'llm-usage-collector/v1', USAGE: 'usage' });

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
      }
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

  /** A reply parser for SSE streams whose events are handled by onEvent(json, eventName). */
  function sseReplyParser(onEvent, result) {
    const sse = createSseReader((data, name) => {
      const json = parseJson(data);
      if (json !== undefined) onEvent(json, name);
    });
    return {
      push: (chunk) => sse.push(chunk),
      finish() {
        sse.finish();
        return result();
      },
    };
  }

  /** A reply parser for newline-delimited streams, each complete line given to onLine. */
  function lineReplyParser(onLine, result) {
    const lines = createLineSplitter();
    return {
      push: (chunk) => lines.push(chunk).forEach(onLine),
      finish() {
        lines.flush().forEach(onLine);
        return result();
      },
    };
  }

  Object.assign(registry.lib, {
    createLineSplitter,
    createSseReader,
    parseJson,
    sseReplyParser,
    lineReplyParser,
  });
})();
