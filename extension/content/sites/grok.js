// Grok (grok.com). Prompt: POST /rest/app-chat/conversations/new or .../conversations/{id}/responses,
// JSON {message, modelName}. Reply: one JSON object a line; tokens arrive as result.response.token (new
// conversation) or result.token (follow-up); isThinking tokens are hidden reasoning and not counted.
// A final modelResponse.message, when present, is the whole visible reply and wins. The model is the
// request's modelName (or the stream's, when it says); the conversation id comes from the URL or,
// for a new conversation, from the stream's first line.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function requestInfo(body, url) {
    const conversation = /\/conversations\/([^/]+)\/responses$/.exec(url?.pathname ?? '')?.[1];
    return { model: lib.firstString(lib.parseJson(body)?.modelName), conversation: conversation ?? null };
  }

  function createReplyParser() {
    const info = lib.newInfo();
    let tokens = '';
    let final;
    const onLine = (line) => {
      const result = lib.parseJson(line)?.result;
      info.conversation = lib.firstString(result?.conversation?.conversationId, info.conversation);
      const r = result?.response ?? result;
      info.model = lib.firstString(r?.modelResponse?.model, info.model);
      if (typeof r?.token === 'string' && !r.isThinking) tokens += r.token;
      if (typeof r?.modelResponse?.message === 'string') final = r.modelResponse.message;
    };
    return lib.lineReplyParser(onLine, () => final ?? tokens, info);
  }

  sites.push({
    id: 'grok',
    name: 'Grok',
    hosts: ['grok.com'],
    exact: false,
    transports: ['fetch'],
    matchRequest: (url, method) =>
      method === 'POST' &&
      /^\/rest\/app-chat\/conversations\/(new|[^/]+\/responses)$/.test(url.pathname),
    extractPrompt: (body) => {
      const m = lib.parseJson(body)?.message;
      return typeof m === 'string' ? m : '';
    },
    requestInfo,
    createReplyParser,
  });
})();
