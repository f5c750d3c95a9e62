// Claude (claude.ai). Prompt: POST .../chat_conversations/{id}/completion (or retry_completion), body
// {prompt, attachments[].extracted_content}. Reply: Anthropic-style SSE; the visible text is the
// text_delta events (the older {"completion": "..."} events are deltas too). A refused send answers
// JSON, not SSE, and yields no text. Thinking blocks are not counted: the page shows only a short
// summary of them (thinking_summary_delta), not the thinking itself. The model is message_start's.
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

  function requestInfo(body, url) {
    const conversation = /\/chat_conversations\/([^/]+)\//.exec(url?.pathname ?? '')?.[1];
    return { model: lib.firstString(lib.parseJson(body)?.model), conversation: conversation ?? null };
  }

  function createReplyParser() {
    const info = lib.newInfo();
    let text = '';
    const onEvent = (ev) => {
      if (ev?.type === 'message_start') info.model = lib.firstString(ev.message?.model, info.model);
      else if (ev?.type === 'error') info.refused = true; // a refusal or limit, not a format change
      if (ev?.type === 'content_block_delta' && ev.delta?.type === 'text_delta') {
        text += typeof ev.delta.text === 'string' ? ev.delta.text : '';
      } else if (typeof ev?.completion === 'string') {
        text += ev.completion;
      }
    };
    const parser = lib.sseReplyParser(onEvent, () => text, info);
    // A refused send is one JSON object, not SSE: keep the start of the body to recognise it.
    let head = '';
    return {
      ...parser,
      push(chunk) {
        if (head.length < 4096) head += chunk.slice(0, 4096);
        parser.push(chunk);
      },
      finish() {
        const out = parser.finish();
        if (!out && lib.parseJson(head.trim())?.type === 'error') info.refused = true;
        return out;
      },
    };
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
    requestInfo,
    createReplyParser,
  });
})();
