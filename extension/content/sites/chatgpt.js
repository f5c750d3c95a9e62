// ChatGPT (chatgpt.com, chat.openai.com). The prompt is the user message of POST
// /backend-api/f/conversation (or the older /backend-api/conversation; logged out: /backend-anon/...);
// the reply is SSE in one of two formats: "delta_encoding v1" (append/patch operations on the current
// message) or the legacy format that repeats the full message in every event. In v1 a list of
// operations arrives beside "o":"patch" or as a bare value {"v":[ops]}; text chunks and such lists
// interleave. Only assistant text messages are counted: tool calls, hidden reasoning ("thoughts",
// shown only as a collapsed summary) and system messages are not the visible reply.
// The model is the one the server resolved ("auto" in the request becomes e.g. "gpt-5-instant").
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;
  const PART_PATH = /^\/message\/content\/parts\/(\d+)$/;
  const FIRST_PART = '/message/content/parts/0';

  function extractPrompt(body) {
    const json = lib.parseJson(body);
    const messages = Array.isArray(json?.messages) ? json.messages : [];
    return messages
      .filter((m) => m?.author?.role === 'user')
      .flatMap((m) => (Array.isArray(m.content?.parts) ? m.content.parts : []))
      .filter((part) => typeof part === 'string')
      .join('\n');
  }

  function requestInfo(body) {
    const json = lib.parseJson(body);
    return { model: lib.firstString(json?.model), conversation: lib.firstString(json?.conversation_id) };
  }

  function createReplyParser() {
    const info = lib.newInfo();
    const messages = new Map(); // message id -> {role, type, parts}; insertion order = reply order
    let current = null;
    let last = { p: '', o: '' }; // a bare {"v": "text"} continues the previous path and operation

    const upsert = (message, conversation) => {
      const id = message.id ?? `#${messages.size}`;
      current = {
        role: message.author?.role,
        type: message.content?.content_type,
        parts: (message.content?.parts ?? []).map((p) => (typeof p === 'string' ? p : '')),
      };
      messages.set(id, current);
      if (current.role === 'assistant') {
        const meta = message.metadata ?? {};
        info.model = lib.firstString(meta.resolved_model_slug, meta.model_slug, info.model);
      }
      info.conversation = lib.firstString(conversation, info.conversation);
    };
    const apply = (op) => {
      if (typeof op?.p === 'string' || typeof op?.o === 'string') last = { p: op.p ?? last.p, o: op.o ?? last.o };
      const match = PART_PATH.exec(op?.p ?? '');
      if (!current || !match) return;
      const i = Number(match[1]);
      // "truncate" cuts a part to a length (the v1 format's operations per lanqian528/chat2api).
      if (op.o === 'truncate' && Number.isInteger(op.v)) current.parts[i] = (current.parts[i] ?? '').slice(0, op.v);
      if (typeof op.v !== 'string') return;
      if (op.o === 'append') current.parts[i] = (current.parts[i] ?? '') + op.v;
      else if (op.o === 'replace') current.parts[i] = op.v;
    };
    const onEvent = (ev) => {
      if (typeof ev !== 'object' || ev === null) return; // "v1", [DONE] and friends
      if (ev.type === 'server_ste_metadata') info.model = lib.firstString(ev.metadata?.model_slug, info.model);
      if (ev.message) return upsert(ev.message, ev.conversation_id); // legacy: full message every time
      if (ev.v?.message) return upsert(ev.v.message, ev.v.conversation_id); // delta: a new message begins
      if (Array.isArray(ev.v) && (ev.o === 'patch' || !('o' in ev))) return ev.v.forEach(apply);
      if (!('v' in ev)) return;
      const p = ev.p ?? last.p;
      const o = ev.o ?? last.o;
      // A bare text chunk after an operation on something else (status, metadata) is reply text.
      if (!('p' in ev) && typeof ev.v === 'string' && !PART_PATH.test(p)) return apply({ p: FIRST_PART, o: 'append', v: ev.v });
      apply({ p, o, v: ev.v });
    };
    const result = () =>
      [...messages.values()]
        .filter((m) => m.role === 'assistant' && m.type === 'text')
        .map((m) => m.parts.join(''))
        .filter(Boolean)
        .join('\n\n');
    return lib.sseReplyParser(onEvent, result, info);
  }

  sites.push({
    id: 'chatgpt',
    name: 'ChatGPT',
    hosts: ['chatgpt.com', 'chat.openai.com'],
    exact: true, // o200k_base is ChatGPT's own encoding
    transports: ['fetch'],
    matchRequest: (url, method) =>
      method === 'POST' && /^\/backend-(api|anon)\/(f\/)?conversation$/.test(url.pathname),
    extractPrompt,
    requestInfo,
    createReplyParser,
  });
})();
