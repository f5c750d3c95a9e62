// Gemini (gemini.google.com, optionally under /u/N/; formerly bard.google.com, counted under its own
// name). It uses XHR: POST .../BardFrontendService/StreamGenerate with a form body whose f.req field is
// [null, "<inner JSON>"] and the prompt at inner[0][0]. The reply starts with )]}' and then carries
// length-prefixed chunks [["wrb.fr", null, "<payload JSON>"]]; the text (payload[4][0][1][0]) is
// cumulative, so the last chunk wins. Lines are parsed rather than trusting the length prefixes,
// whose unit (bytes or UTF-16 units) has varied.
(() => {
  const { sites, lib } = globalThis.__llmUsageSites;

  function extractPrompt(body) {
    const freq = new URLSearchParams(body).get('f.req');
    const outer = lib.parseJson(freq ?? '');
    const inner = typeof outer?.[1] === 'string' ? lib.parseJson(outer[1]) : undefined;
    const prompt = inner?.[0]?.[0];
    return typeof prompt === 'string' ? prompt : '';
  }

  function textOfLine(line) {
    const envelope = line.startsWith('[') ? lib.parseJson(line) : undefined;
    if (!Array.isArray(envelope)) return undefined;
    for (const item of envelope) {
      if (item?.[0] !== 'wrb.fr' || typeof item[2] !== 'string') continue;
      const text = lib.parseJson(item[2])?.[4]?.[0]?.[1]?.[0];
      if (typeof text === 'string') return text;
    }
    return undefined;
  }

  function createReplyParser() {
    let text = '';
    const onLine = (line) => {
      const found = textOfLine(line.trim());
      if (found !== undefined) text = found;
    };
    return lib.lineReplyParser(onLine, () => text);
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
    createReplyParser,
  });
})();
