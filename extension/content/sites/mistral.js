// Mistral Le Chat (chat.mistral.ai). The current app starts a chat with a tRPC call,
// POST /api/trpc/message.newChat?batch=1 {"0": {"json": {content: [{type: "text", text}], model, ...}}},
// which carries the prompt of a new chat, and then streams the reply from POST /api/chat
// {chatId, mode: "start", ...}. The reply lines are "<n>:<JSON>": the current stream sends
// {"json": {"patches": [{op, path: "/contentChunks/0/text", value}, ...]}} on the message; the older
// one sends 0:"text" lines. Follow-ups send the prompt in /api/chat's messageInput. Only text chunks
// are counted: reasoning ("thinking") chunks are collapsed in the page.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function textOfContent(content) {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return '';
    return content
      .map((part) => (typeof part === 'string' ? part : part?.type === 'text' ? part.text : ''))
      .filter((t) => typeof t === 'string' && t)
      .join('\n');
  }

  function extractPrompt(body) {
    const json = lib.parseJson(body);
    if (json && 'messageInput' in json) return textOfContent(json.messageInput);
    return textOfContent(json?.['0']?.json?.content); // message.newChat
  }

  function requestInfo(body) {
    const json = lib.parseJson(body);
    const call = json?.['0']?.json;
    return { model: lib.firstString(json?.model, call?.model), conversation: lib.firstString(json?.chatId) };
  }

  function createReplyParser() {
    const info = lib.newInfo();
    let message = { contentChunks: [] };
    let legacy = '';
    const onLine = (line) => {
      const colon = line.indexOf(':');
      if (colon < 1) return;
      const json = lib.parseJson(line.slice(colon + 1));
      if (typeof json === 'string') {
        if (line.startsWith('0:')) legacy += json;
        return;
      }
      const body = json?.json;
      if (!body || typeof body !== 'object') return;
      info.model = lib.firstString(body.model, info.model);
      for (const patch of Array.isArray(body.patches) ? body.patches : []) {
        message = lib.applyPatch(message, patch);
        if (patch?.path === '/model') info.model = lib.firstString(patch.value, info.model);
      }
    };
    const result = () => {
      const chunks = Array.isArray(message?.contentChunks) ? message.contentChunks : [];
      const text = chunks
        .filter((c) => typeof c?.text === 'string' && (c.type === 'text' || c.type === undefined))
        .map((c) => c.text)
        .join('');
      return text || legacy;
    };
    return lib.lineReplyParser(onLine, result, info);
  }

  sites.push({
    id: 'mistral',
    name: 'Mistral Le Chat',
    hosts: ['chat.mistral.ai'],
    exact: false,
    transports: ['fetch'],
    matchRequest: (url, method) => method === 'POST' && url.pathname === '/api/chat',
    // The prompt of a new chat goes in its own request; the hook keeps it for the reply that follows.
    matchPromptRequest: (url, method) => method === 'POST' && url.pathname === '/api/trpc/message.newChat',
    extractPrompt,
    requestInfo,
    createReplyParser,
  });
})();
