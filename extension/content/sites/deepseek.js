// DeepSeek (chat.deepseek.com). Prompt: POST /api/v0/chat/completion {prompt, ...}. Reply: SSE of
// JSON-patch-like events: {"v":..., "p":"response/fragments/-1/content", "o":"APPEND"}, bare {"v":"txt"}
// continuing the previous path, "BATCH" ops, and new fragments appended to response/fragments. Visible
// thinking fragments are counted too, as the user sees them. Older replies used response/content and
// response/thinking_content. DeepSeek's page names no model id: the thinking flag ("DeepThink")
// picks between the two models its API calls deepseek-reasoner and deepseek-chat.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;
  const FRAGMENT = /^response\/fragments\/(-?\d+)\/content$/;

  function requestInfo(body) {
    const json = lib.parseJson(body);
    const thinking = json?.thinking_enabled;
    const model = typeof thinking === 'boolean' ? (thinking ? 'deepseek-reasoner' : 'deepseek-chat') : null;
    return { model, conversation: lib.firstString(json?.chat_session_id) };
  }

  function createReplyParser() {
    const info = lib.newInfo();
    const fragments = [];
    let path = '';
    const addFragments = (list) => {
      for (const f of Array.isArray(list) ? list : []) {
        fragments.push(typeof f?.content === 'string' ? f.content : '');
      }
    };
    const apply = (p, v) => {
      const m = FRAGMENT.exec(p);
      if (m && typeof v === 'string') {
        const i = Number(m[1]) < 0 ? fragments.length + Number(m[1]) : Number(m[1]);
        if (i >= 0) fragments[i] = (fragments[i] ?? '') + v;
      } else if (p === 'response/fragments') addFragments(v);
      else if ((p === 'response/content' || p === 'response/thinking_content') && typeof v === 'string') {
        fragments.push(v); // old format: each event is a delta of one of two texts
      }
    };
    const onEvent = (ev) => {
      if (typeof ev !== 'object' || ev === null || !('v' in ev)) return;
      if (ev.v?.response) return addFragments(ev.v.response.fragments);
      if (typeof ev.p === 'string') path = ev.p;
      if (ev.o === 'BATCH' && Array.isArray(ev.v)) {
        return ev.v.forEach((op) => apply(`${path}/${op?.p}`, op?.v));
      }
      apply(path, ev.v);
    };
    return lib.sseReplyParser(onEvent, () => fragments.join(''), info);
  }

  sites.push({
    id: 'deepseek',
    name: 'DeepSeek',
    hosts: ['chat.deepseek.com'],
    exact: false,
    transports: ['fetch'],
    matchRequest: (url, method) => method === 'POST' && url.pathname === '/api/v0/chat/completion',
    extractPrompt: (body) => {
      const p = lib.parseJson(body)?.prompt;
      return typeof p === 'string' ? p : '';
    },
    requestInfo,
    createReplyParser,
  });
})();
