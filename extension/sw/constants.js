// Constants shared by the worker's feature files, the popup and the options page.
import '../shared/protocol.js';

export const { MSG, USAGE_PORT } = globalThis.LLM_USAGE_PROTOCOL;

export const DEFAULT_COLLECTOR_URL = 'http://127.0.0.1:9000';

// chrome.storage.local keys. Counts and the frozen batch live here, never in worker globals,
// because Chrome stops the worker whenever it is idle.
export const KEY = Object.freeze({
  CLIENT_ID: 'clientId',
  URL: 'collectorUrl',
  API_KEY: 'apiKey',
  SEQ: 'seq', // highest seq the collector is known to have applied for this client
  PENDING: 'pending', // {host: tokens} counted but not yet frozen into a batch
  PENDING_USAGE: 'pendingUsage', // {host+model: usage entry} refining pending (see batch.js)
  PENDING_UNPARSED: 'pendingUnparsed', // {host: replies that could not be read}
  INFLIGHT: 'inflight', // the frozen batch {id, seq, deltas, usage?, unparsed?, ts}, or null
  EXCHANGES: 'exchanges', // {tab:id: token numbers credited per exchange} (see exchanges.js)
  CONVERSATIONS: 'conversations', // {hash: {n: tokens, t: ms}}: running totals for context
  TODAY: 'today', // {day: 'YYYY-MM-DD' (local), counts: {host: tokens}, unparsed: {host: n}} for the popup
  RETRY: 'retry', // {attempt, nextAt, stopped} after failed sends
  STATUS: 'status', // last classified outcome of talking to the collector
  LAST_ERROR: 'lastError',
  COUNTING: 'counting', // 'o200k_base' or 'estimate'
  LAST_COUNT: 'lastCount', // {chars, tokens, ms} of the last text counted: sizes only, never text
});

// chrome.storage.session: lives as long as the browser session, survives worker restarts.
export const SESSION_KEY = Object.freeze({ HANDSHAKE_DONE: 'handshakeDone' });

// Locks (navigator.locks) serialise read-modify-write of storage across concurrent events.
export const STATE_LOCK = 'llm-usage-state';
export const SEND_LOCK = 'llm-usage-send';

export const FLUSH_ALARM = 'llm-usage-flush';
export const FLUSH_ALARM_MINUTES = 1; // safety net when a backoff timer died with the worker
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 60000;
export const REQUEST_TIMEOUT_MS = 10000;
export const MAX_BATCHES_PER_FLUSH = 20; // bounds one flush even if the collector keeps answering 409

// ChatGPT uses o200k_base itself, so its counts are exact; every other site's count is an estimate.
export const EXACT_HOSTS = Object.freeze(['chatgpt.com', 'chat.openai.com']);

// Names the popup uses when it warns about a site (hostnames as the content scripts match them).
export const SITE_NAMES = Object.freeze({
  'chatgpt.com': 'ChatGPT',
  'chat.openai.com': 'ChatGPT',
  'claude.ai': 'Claude',
  'gemini.google.com': 'Gemini',
  'bard.google.com': 'Gemini (Bard)',
  'www.perplexity.ai': 'Perplexity',
  'perplexity.ai': 'Perplexity',
  'chat.deepseek.com': 'DeepSeek',
  'grok.com': 'Grok',
  'copilot.microsoft.com': 'Copilot',
  'chat.mistral.ai': 'Mistral Le Chat',
});

// Status kinds shown by the popup.
export const STATUS = Object.freeze({
  CONNECTED: 'connected',
  UNREACHABLE: 'unreachable',
  TIMEOUT: 'timeout',
  AUTH: 'auth error',
  SERVER: 'server error',
  MISCONFIGURED: 'misconfigured',
});
