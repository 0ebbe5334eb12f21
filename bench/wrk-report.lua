-- wrk script: POST a KServe V2 request; optional per-connection pacing (WRK_DELAY_MS, ms before each request,
-- so Debian wrk 4.1 — closed loop, no wrk2 -R — approximates a fixed rate); prints one JSON line at the end.
wrk.method = "POST"
wrk.path = "/v2/models/m/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"input-0","shape":[1,4],"datatype":"FP32","data":[0.1,0.2,0.3,0.4]}]}'

local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if delay_ms > 0 then
  function delay() return delay_ms end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.status + e.timeout))
end
