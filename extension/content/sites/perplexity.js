// Perplexity (www.perplexity.ai). Prompt: POST /rest/sse/perplexity_ask, JSON {params, query_str}.
// Reply: SSE whose events carry the answer cumulatively, either as blocks[].markdown_block (a full
// "answer", or "chunks" from "chunk_starting_offset") or, in older events, as a top-level "answer".
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function createReplyParser() {
    let text = '';
    const onEvent = (ev) => {
      const blocks = Array.isArray(ev?.blocks) ? ev.blocks : [];
      const md = blocks.find((b) => b?.markdown_block)?.markdown_block;
      if (typeof md?.answer === 'string') text = md.answer;
      else if (Array.isArray(md?.chunks)) {
        const from = Number.isInteger(md.chunk_starting_offset) ? md.chunk_starting_offset : 0;
        text = text.slice(0, from) + md.chunks.filter((c) => typeof c === 'string').join('');
      } else if (typeof ev?.answer === 'string') text = ev.answer;
    };
    return lib.sseReplyParser(onEvent, () => text);
  }

  sites.push({
    id: 'perplexity',
    name: 'Perplexity',
    hosts: ['www.perplexity.ai', 'perplexity.ai'],
    exact: false,
    transports: ['fetch'],
    matchRequest: (url, method) => method === 'POST' && url.pathname === '/rest/sse/perplexity_ask',
    extractPrompt: (body) => {
      const q = lib.parseJson(body)?.query_str;
      return typeof q === 'string' ? q : '';
    },
    createReplyParser,
  });
})();
