// Deterministic reply-like text for the benchmark: prose, lists, code and a little non-ASCII, so the
// tokenizer sees the mix a chat reply has (a repeated word would be unrealistically cheap).
const words = ('the of and to in is that for it as with was on be by this are from at or an which ' +
  'model token stream reply browser worker latency counting collector extension privacy request ' +
  'scattering wavelength atmosphere sunlight molecule energy photon observer horizon évaluation naïve').split(' ');

export function makeReply(length) {
  let seed = 42;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const out = [];
  let size = 0;
  while (size < length) {
    const kind = rand(10);
    let piece;
    if (kind === 0) piece = `\n\n\`\`\`js\nconst x${rand(100)} = await fetch('/api/${words[rand(words.length)]}');\n\`\`\`\n\n`;
    else if (kind === 1) piece = `\n- ${words[rand(words.length)]}: ${rand(10000)} (${rand(100)}%) 🙂\n`;
    else piece = Array.from({ length: 8 + rand(12) }, () => words[rand(words.length)]).join(' ') + '. ';
    out.push(piece);
    size += piece.length;
  }
  return out.join('').slice(0, length);
}

/** Claude-style SSE carrying the given text pieces as text_delta events. */
export function sse(pieces) {
  const ev = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return ev('message_start', { type: 'message_start', message: { id: 'm', role: 'assistant' } }) +
    pieces.map((text) => ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })).join('') +
    ev('message_stop', { type: 'message_stop' });
}
