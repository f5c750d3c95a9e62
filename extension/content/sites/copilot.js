// Copilot (copilot.microsoft.com) talks over a WebSocket: wss://copilot.microsoft.com/c/api/chat.
// The client frame {event:"send", content:[{type:"text", text}]} is the prompt; server frames
// {event:"appendText", text} build the reply until {event:"done"}. Because one socket carries many
// replies, the parser reports done() and the page hook starts a fresh parser after each reply.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function extractPrompt(frame) {
    const json = lib.parseJson(frame);
    if (json?.event !== 'send' || !Array.isArray(json.content)) return '';
    return json.content
      .filter((c) => c?.type === 'text' && typeof c.text === 'string')
      .map((c) => c.text)
      .join('\n');
  }

  // Copilot's frames name no model; the conversation id is in the client's send frame.
  function requestInfo(frame) {
    return { model: null, conversation: lib.firstString(lib.parseJson(frame)?.conversationId) };
  }

  function createReplyParser() {
    const info = lib.newInfo();
    let text = '';
    let done = false;
    return {
      info,
      // Each WebSocket message is one whole frame, so no line buffering is needed.
      push(frame) {
        const json = lib.parseJson(frame);
        if (json?.event === 'appendText' && typeof json.text === 'string') text += json.text;
        else if (json?.event === 'done') done = true;
      },
      done: () => done,
      peek: () => text,
      finish: () => text,
    };
  }

  sites.push({
    id: 'copilot',
    name: 'Copilot',
    hosts: ['copilot.microsoft.com'],
    exact: false,
    transports: ['websocket'],
    matchRequest: (url) => url.protocol === 'wss:' && url.pathname === '/c/api/chat',
    extractPrompt,
    requestInfo,
    createReplyParser,
  });
})();
