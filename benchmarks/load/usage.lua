-- wrk script for the screen-time routes (driven by benchmarks/load/run_usage_load.py).
--
--   LOAD_REQUESTS=requests.tsv LOAD_KEY=slm_... wrk -t2 -c32 -d20s --latency \
--     -s benchmarks/load/usage.lua http://127.0.0.1:8000
--
-- LOAD_REQUESTS: one request a line, "METHOD<TAB>PATH<TAB>BODY" (BODY may be empty); each thread
-- walks its own share of the lines, in order, and stops sending new work when it runs out
-- (ingestion bodies are used once, so that every heartbeat is new). At the end one line
-- "LOAD_RESULT {json}" gives counts by status and the heartbeats accepted/duplicates.

-- LOAD_RATE (optional): the total request rate to hold (common.lua); without it, closed loop.
dofile((os.getenv("LOAD_LUA_DIR") or "benchmarks/load") .. "/common.lua")

local lines = {}
local first, last, index = 1, 0, 0
statuses = {}
accepted = 0
duplicates = 0
responses = 0

function init(args)
  local path = os.getenv("LOAD_REQUESTS")
  local key = os.getenv("LOAD_KEY")
  assert(path and key, "set LOAD_REQUESTS and LOAD_KEY")
  local all = {}
  for line in io.lines(path) do
    if #line > 0 then
      all[#all + 1] = line
    end
  end
  local n = tonumber(os.getenv("LOAD_THREADS") or "1") or 1
  local share = math.floor(#all / n)
  first = (id - 1) * share + 1
  last = first + share - 1
  for i = first, last do
    local method, path_, body = string.match(all[i], "^(%u+)\t([^\t]+)\t?(.*)$")
    lines[#lines + 1] = { method, path_, body }
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

local cycle = os.getenv("LOAD_CYCLE") == "1"

function request()
  index = index + 1
  if index > #lines then
    if not cycle then
      wrk.thread:stop()
    end
    index = 1
  end
  local r = lines[index]
  local body = r[3]
  if body == "" then
    body = nil
  end
  return wrk.format(r[1], r[2], nil, body)
end

function response(status, headers, body)
  responses = responses + 1
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  local a = string.match(body, '"accepted":(%d+)')
  if a then
    accepted = accepted + tonumber(a)
    duplicates = duplicates + tonumber(string.match(body, '"duplicates":(%d+)') or "0")
  end
end

function done(summary, latency, requests)
  local all, acc, dup, resp = {}, 0, 0, 0
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do
      all[k] = (all[k] or 0) + v
    end
    acc = acc + (thread:get("accepted") or 0)
    dup = dup + (thread:get("duplicates") or 0)
    resp = resp + (thread:get("responses") or 0)
  end
  local pct = {}
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    pct[#pct + 1] = string.format('"%s":%.3f', tostring(p), latency:percentile(p) / 1000)
  end
  local e = summary.errors
  io.write(
    string.format(
      'LOAD_RESULT {"duration_s":%.3f,"requests":%d,"responses":%d,'
        .. '"latency_ms":{%s,"mean":%.3f,"max":%.3f},'
        .. '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"non_2xx_3xx":%d,'
        .. '"statuses":%s,"accepted":%d,"duplicates":%d}\n',
      summary.duration / 1e6,
      summary.requests,
      resp,
      table.concat(pct, ","),
      latency.mean / 1000,
      latency.max / 1000,
      e.connect,
      e.read,
      e.write,
      e.timeout,
      e.status,
      encode(all),
      acc,
      dup
    )
  )
end
