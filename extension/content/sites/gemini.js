// Gemini (gemini.google.com, optionally under /u/N/; formerly bard.google.com, counted under its own
// name). It uses XHR: POST .../BardFrontendService/StreamGenerate with a form body whose f.req field is
// [null, "<inner JSON>"] and the prompt at inner[0][0]. The reply starts with )]}' and then carries
// length-prefixed chunks [["wrb.fr", null, "<payload JSON>"]]; the text (payload[4][0][1][0]) is
// cumulative, so the last chunk wins. Lines are parsed rather than trusting the length prefixes,
// whose unit (bytes or UTF-16 units) has varied.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function innerRequest(body) {
    const freq = new URLSearchParams(body).get('f.req');
    const outer = lib.parseJson(freq ?? '');
    return typeof outer?.[1] === 'string' ? lib.parseJson(outer[1]) : undefined;
  }

  function extractPrompt(body) {
    const prompt = innerRequest(body)?.[0]?.[0];
    return typeof prompt === 'string' ? prompt : '';
  }

  // The model picked in the page travels in a request header, not the body: it stays null.
  // inner[2] is [conversation id, response id, choice id], empty strings in a new chat.
  function requestInfo(body) {
    return { model: null, conversation: lib.firstString(innerRequest(body)?.[2]?.[0]) };
  }

  function payloadsOfLine(line) {
    const envelope = line.startsWith('[') ? lib.parseJson(line) : undefined;
    if (!Array.isArray(envelope)) return [];
    return envelope
      .filter((item) => item?.[0] === 'wrb.fr' && typeof item[2] === 'string')
      .map((item) => lib.parseJson(item[2]));
  }

  function createReplyParser() {
    const info = lib.newInfo();
    let text = '';
    const onLine = (line) => {
      for (const payload of payloadsOfLine(line.trim())) {
        info.conversation = lib.firstString(payload?.[1]?.[0], info.conversation);
        const found = payload?.[4]?.[0]?.[1]?.[0];
        if (typeof found === 'string') text = found;
      }
    };
    return lib.lineReplyParser(onLine, () => text, info);
  }

  sites.push({
    id: 'gemini',
    name: 'Gemini',
    hosts: ['gemini.google.com', 'bard.google.com'],
    exact: false,
    transports: ['xhr'],
    matchRequest: (url, method) =>
      method === 'POST' && /\/_\/BardChatUi\/data\/[^/]*BardFrontendService\/StreamGenerate$/.test(url.pathname),
    extractPrompt,
    requestInfo,
    createReplyParser,
  });
})();
