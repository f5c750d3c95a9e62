// Mistral Le Chat (chat.mistral.ai). Prompt: POST /api/chat {chatId, messageInput, ...}, where
// messageInput is a string or a list of {type:"text", text} parts. Reply: a data stream of lines
// "<code>:<JSON>"; the 0: lines are JSON strings of reply text, other codes are metadata.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function extractPrompt(body) {
    const input = lib.parseJson(body)?.messageInput;
    if (typeof input === 'string') return input;
    if (!Array.isArray(input)) return '';
    return input
      .map((part) => (typeof part === 'string' ? part : part?.type === 'text' ? part.text : ''))
      .filter((t) => typeof t === 'string' && t)
      .join('\n');
  }

  function createReplyParser() {
    let text = '';
    const onLine = (line) => {
      if (!line.startsWith('0:')) return;
      const piece = lib.parseJson(line.slice(2));
      if (typeof piece === 'string') text += piece;
    };
    return lib.lineReplyParser(onLine, () => text);
  }

  sites.push({
    id: 'mistral',
    name: 'Mistral Le Chat',
    hosts: ['chat.mistral.ai'],
    exact: false,
    transports: ['fetch'],
    matchRequest: (url, method) => method === 'POST' && url.pathname === '/api/chat',
    extractPrompt,
    createReplyParser,
  });
})();
