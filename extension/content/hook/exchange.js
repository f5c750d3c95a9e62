// One watched exchange (a prompt and its reply) as the page hook hands it over: a plain script in the
// MAIN world, loaded before page-hook.js, which calls createTracker once. The first hand-over carries
// the prompt and waits for reply text (by then the stream has named its model, so the whole exchange
// is counted under one model); while the reply streams, its whole text so far is handed over every
// PROGRESS_MS (plus a little per character already sent, so the worker's recounting of a long reply
// stays a small cost); the last hand-over says final, and unreadable when the reply had content but
// the parser found no text in it (or threw): the site changed its format.
(() => {
  const registry = globalThis.__llmUsageSites;
  const PROGRESS_MS = 250;
  const PROGRESS_MS_PER_CHAR = 0.01; // 1 ms per 100 characters

  registry.createTracker = ({ post, now }) => {
    let counter = 0;
    const newId = () => `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

    return function track(prompt, requestInfo = {}) {
      const id = newId();
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
          let text;
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
    };
  };
})();
