-- wrk script for POST /add with or without the usage detail (BENCH_USAGE=1): every request is a new
-- client's first batch, so each is applied and journaled. The detail is a typical one: 2 hosts,
-- 3 models, with the same deltas as the plain body, so only the detail differs.
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-KEY"] = os.getenv("BENCH_API_KEY") or "bench-key"
  prefix = os.getenv("BENCH_CLIENT_PREFIX") or "bench"
  with_usage = os.getenv("BENCH_USAGE") == "1"
  -- The 50 details are built once: wrk shares this machine's cores with the collector, so a
  -- costlier request() for one kind of body would slow the server it measures.
  details = {}
  for n = 1, 50 do
    details[n] = ""
    if with_usage then
      details[n] = string.format(
        ',"usage":[{"host":"chatgpt.com","model":"gpt-5","input":%d,"output":%d,"context":2400,"turns":1,"exact":true},' ..
        '{"host":"chatgpt.com","model":"gpt-5-t-mini","input":10,"output":20,"context":0,"turns":1,"exact":true},' ..
        '{"host":"claude.ai","model":"claude-sonnet-4-5","input":1,"output":2,"context":300,"turns":1}]',
        n, 100)
    end
  end
end

function request()
  counter = counter + 1
  local n = counter % 50 + 1
  local body = string.format(
    '{"client_id":"%s-%d-%d","seq":1,"deltas":{"chatgpt.com":%d,"claude.ai":3},"ts":%d000%s}',
    prefix, tid, counter, n + 130, os.time(), details[n])
  return wrk.format(nil, "/add", nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
