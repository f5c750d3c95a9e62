// ChatGPT (chatgpt.com, chat.openai.com). The prompt is the user message of POST
// /backend-api/f/conversation (or the older /backend-api/conversation); the reply is SSE in one of two
// formats: "delta_encoding v1" (append/patch operations on the current message) or the legacy format
// that repeats the full message in every event. Only assistant text messages are counted: tool calls,
// hidden reasoning and system messages are not the visible reply.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;
  const PART_PATH = /^\/message\/content\/parts\/(\d+)$/;

  function extractPrompt(body) {
    const json = lib.parseJson(body);
    const messages = Array.isArray(json?.messages) ? json.messages : [];
    return messages
      .filter((m) => m?.author?.role === 'user')
      .flatMap((m) => (Array.isArray(m.content?.parts) ? m.content.parts : []))
      .filter((part) => typeof part === 'string')
      .join('\n');
  }

  function createReplyParser() {
    const messages = new Map(); // message id -> {role, type, parts}; insertion order = reply order
    let current = null;
    let last = { p: '', o: '' }; // a bare {"v": ...} continues the previous path and operation

    const upsert = (message) => {
      const id = message.id ?? `#${messages.size}`;
      current = {
        role: message.author?.role,
        type: message.content?.content_type,
        parts: (message.content?.parts ?? []).map((p) => (typeof p === 'string' ? p : '')),
      };
      messages.set(id, current);
    };
    const apply = (op) => {
      const match = PART_PATH.exec(op.p ?? '');
      if (!current || !match || typeof op.v !== 'string') return;
      const i = Number(match[1]);
      if (op.o === 'append') current.parts[i] = (current.parts[i] ?? '') + op.v;
      else if (op.o === 'replace') current.parts[i] = op.v;
    };
    const onEvent = (ev) => {
      if (typeof ev !== 'object' || ev === null) return; // "v1", [DONE] and friends
      if (ev.message) return upsert(ev.message); // legacy: full message every time
      if (ev.v?.message) return upsert(ev.v.message); // delta: a new message begins
      if (ev.o === 'patch' && Array.isArray(ev.v)) return ev.v.forEach(apply);
      if ('p' in ev || 'o' in ev) last = { p: ev.p ?? last.p, o: ev.o ?? last.o };
      if ('v' in ev) apply({ p: last.p, o: last.o, v: ev.v });
    };
    const result = () =>
      [...messages.values()]
        .filter((m) => m.role === 'assistant' && m.type === 'text')
        .map((m) => m.parts.join(''))
        .filter(Boolean)
        .join('\n\n');
    return lib.sseReplyParser(onEvent, result);
  }

  sites.push({
    id: 'chatgpt',
    name: 'ChatGPT',
    hosts: ['chatgpt.com', 'chat.openai.com'],
    exact: true, // o200k_base is ChatGPT's own encoding
    transports: ['fetch'],
    matchRequest: (url, method) =>
      method === 'POST' && /^\/backend-api\/(f\/)?conversation$/.test(url.pathname),
    extractPrompt,
    createReplyParser,
  });
})();
