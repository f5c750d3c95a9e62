// A fake legacy CLIProxy management API (v6.9: GET /v0/management/usage, a cumulative snapshot with
// per-request details), enough for the dashboard's CLIProxy section. Shape: shared/cliproxy-api.md 1.3.
import { createServer } from 'node:http';

export const MANAGEMENT_KEY = 'fake-management-key';

/** requests: [{ model, timestamp (ISO), input, output, apiKey? }]. Resolves to { url, close() }. */
export function startFakeCliproxy(requests) {
  const snapshot = () => {
    const apis = {};
    for (const r of requests) {
      const api = (apis[r.apiKey ?? 'sk-test-client'] ??= { total_requests: 0, total_tokens: 0, models: {} });
      const model = (api.models[r.model] ??= { total_requests: 0, total_tokens: 0, details: [] });
      const total = r.input + r.output;
      model.details.push({
        timestamp: r.timestamp, latency_ms: 100, source: 'alice@example.com', auth_index: '3f2a9c1d0b7e4a55',
        tokens: { input_tokens: r.input, output_tokens: r.output, reasoning_tokens: 0, cached_tokens: 0, total_tokens: total },
        failed: false,
      });
      for (const entry of [api, model]) {
        entry.total_requests += 1;
        entry.total_tokens += total;
      }
    }
    const tokens = requests.reduce((n, r) => n + r.input + r.output, 0);
    return {
      total_requests: requests.length, success_count: requests.length, failure_count: 0, total_tokens: tokens,
      apis, requests_by_day: {}, requests_by_hour: {}, tokens_by_day: {}, tokens_by_hour: {},
    };
  };
  const server = createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-CPA-VERSION': '6.9.49' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${MANAGEMENT_KEY}`) return send(401, { error: 'invalid management key' });
    if (req.method === 'GET' && req.url === '/v0/management/usage') return send(200, { usage: snapshot(), failed_requests: 0 });
    return send(404, { error: 'not found' });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
