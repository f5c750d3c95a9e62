-- wrk script for POST /add: every request is a new client's first batch, so each one is applied
-- and journaled (the durable path), never answered as a duplicate.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-KEY"] = os.getenv("BENCH_API_KEY") or "bench-key"
  prefix = os.getenv("BENCH_CLIENT_PREFIX") or "bench"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"client_id":"%s-%d-%d","seq":1,"deltas":{"chatgpt.com":%d,"claude.ai":3},"ts":%d000}',
    prefix, tid, counter, counter % 50 + 1, os.time())
  return wrk.format(nil, "/add", nil, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
