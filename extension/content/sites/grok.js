// Grok (grok.com). Prompt: POST /rest/app-chat/conversations/new or .../conversations/{id}/responses,
// JSON {message, modelName}. Reply: one JSON object a line; tokens arrive as result.response.token (new
// conversation) or result.token (follow-up); isThinking tokens are hidden reasoning and not counted.
// A final modelResponse.message, when present, is the whole visible reply and wins.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function createReplyParser() {
    let tokens = '';
    let final;
    const onLine = (line) => {
      const result = lib.parseJson(line)?.result;
      const r = result?.response ?? result;
      if (typeof r?.token === 'string' && !r.isThinking) tokens += r.token;
      if (typeof r?.modelResponse?.message === 'string') final = r.modelResponse.message;
    };
    return lib.lineReplyParser(onLine, () => final ?? tokens);
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
    createReplyParser,
  });
})();
