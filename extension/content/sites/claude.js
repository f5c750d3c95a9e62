// Claude (claude.ai). Prompt: POST .../chat_conversations/{id}/completion (or retry_completion), body
// {prompt, attachments[].extracted_content}. Reply: Anthropic-style SSE; the visible text is the
// text_delta events (the older {"completion": "..."} events are deltas too). A refused send answers
// JSON, not SSE, and yields no text.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function extractPrompt(body) {
    const json = lib.parseJson(body);
    const texts = [json?.prompt];
    for (const a of Array.isArray(json?.attachments) ? json.attachments : []) {
      texts.push(a?.extracted_content);
    }
    return texts.filter((t) => typeof t === 'string' && t).join('\n');
  }

  function createReplyParser() {
    let text = '';
    const onEvent = (ev) => {
      if (ev?.type === 'content_block_delta' && ev.delta?.type === 'text_delta') {
        text += typeof ev.delta.text === 'string' ? ev.delta.text : '';
      } else if (typeof ev?.completion === 'string') {
        text += ev.completion;
      }
    };
    return lib.sseReplyParser(onEvent, () => text);
  }

  sites.push({
    id: 'claude',
    name: 'Claude',
    hosts: ['claude.ai'],
    exact: false,
    transports: ['fetch'],
    matchRequest: (url, method) =>
      method === 'POST' &&
      /^\/api\/organizations\/[^/]+\/chat_conversations\/[^/]+\/(retry_)?completion$/.test(url.pathname),
    extractPrompt,
    createReplyParser,
  });
})();
