-- wrk script for bench/http.py: optional rotating request paths/bodies, per-status counts,
-- and a JSON summary line (requests, duration, latency percentiles, statuses) at the end.
--
-- Environment (read once per thread):
--   BENCH_PATHS  file with one request path per line (GET), taken in turn from line
--                BENCH_OFFSET (default 0); or
--   BENCH_BODIES file with one JSON body per line (POST to the URL's path), taken in turn,
--                thread k of n starting at line k and stepping by n, so threads never send
--                the same body unless the file runs out and wraps around.

local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local function lines(name)
  local out = {}
  local f = io.open(name, "r")
  if f then
    for line in f:lines() do
      if #line > 0 then table.insert(out, line) end
    end
    f:close()
  end
  return out
end

function init(args)
  statuses = {}
  paths = {}
  bodies = {}
  local p = os.getenv("BENCH_PATHS")
  local b = os.getenv("BENCH_BODIES")
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  if p then paths = lines(p) end
  if b then bodies = lines(b) end
  -- BENCH_OFFSET: where this run starts in the list (a later run of the same list starts
  -- further on, so "uncached" paths are not the ones an earlier run already cached)
  index = id - 1 + tonumber(os.getenv("BENCH_OFFSET") or "0")
end

function request()
  if #bodies > 0 then
    local body = bodies[(index % #bodies) + 1]
    index = index + nthreads
    -- wrk.format replaces wrk.headers when given a table: keep the -H headers (Host, token)
    local headers = {}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", nil, headers, body)
  elseif #paths > 0 then
    local path = paths[(index % #paths) + 1]
    index = index + nthreads
    return wrk.format("GET", path)
  end
  return wrk.request()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ", ")))
end
