// Perplexity (www.perplexity.ai). Prompt: POST /rest/sse/perplexity_ask, JSON {params, query_str}.
// Reply: SSE whose events carry blocks. The answer is in one of:
// - a workflow_block (the current default): steps[].items[].payload.text_payload {text, chunks}, built
//   up by diff_block {field: "workflow_block", patches: [JSON-Patch ops]};
// - a markdown_block: "chunks" starting at chunk number "chunk_starting_offset" (it counts chunks,
//   not characters), a full "answer" in some models' last frame, or diff_block patches on it;
// - in older events, a top-level "answer".
// A reply stopped early has no last frame: the chunks shown so far are the count. The model is the
// request's model_preference (the stream's frames name none that public clients read).
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  /** Text of a workflow block: each text payload's full text, or its chunks while it streams. */
  function workflowText(workflow) {
    const texts = [];
    for (const step of Array.isArray(workflow?.steps) ? workflow.steps : []) {
      for (const item of Array.isArray(step?.items) ? step.items : []) {
        const t = item?.payload?.text_payload;
        if (!t) continue;
        const chunks = Array.isArray(t.chunks) ? t.chunks.filter((c) => typeof c === 'string').join('') : '';
        texts.push(typeof t.text === 'string' && t.text.length >= chunks.length ? t.text : chunks);
      }
    }
    return texts.filter(Boolean).join('\n\n');
  }

  function markdownText(md) {
    const chunks = Array.isArray(md?.chunks) ? md.chunks.filter((c) => typeof c === 'string').join('') : '';
    return typeof md?.answer === 'string' && md.answer.length >= chunks.length ? md.answer : chunks;
  }

  function createReplyParser() {
    const info = lib.newInfo();
    const state = { workflow_block: null, markdown_block: null };
    let answer = ''; // the older top-level "answer"
    const takeMarkdown = (md) => {
      const prev = Array.isArray(state.markdown_block?.chunks) ? state.markdown_block.chunks : [];
      const from = Number.isInteger(md.chunk_starting_offset) ? md.chunk_starting_offset : 0;
      const chunks = Array.isArray(md.chunks) ? [...prev.slice(0, from), ...md.chunks] : prev;
      state.markdown_block = { ...state.markdown_block, ...md, chunks };
    };
    const onBlock = (block) => {
      if (block?.markdown_block) takeMarkdown(block.markdown_block);
      if (block?.workflow_block) state.workflow_block = structuredClone(block.workflow_block);
      const diff = block?.diff_block;
      if (diff && diff.field in state && Array.isArray(diff.patches)) {
        for (const patch of diff.patches) state[diff.field] = lib.applyPatch(state[diff.field] ?? {}, patch);
      }
    };
    const onEvent = (ev) => {
      if (typeof ev !== 'object' || ev === null) return;
      info.conversation = lib.firstString(ev.context_uuid, info.conversation); // the thread's id
      if (Array.isArray(ev.blocks)) ev.blocks.forEach(onBlock);
      if (typeof ev.answer === 'string') answer = ev.answer;
    };
    const result = () => workflowText(state.workflow_block) || markdownText(state.markdown_block) || answer;
    return lib.sseReplyParser(onEvent, result, info);
  }

  function requestInfo(body) {
    const params = lib.parseJson(body)?.params;
    return { model: lib.firstString(params?.model_preference), conversation: null };
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
    requestInfo,
    createReplyParser,
  });
})();
