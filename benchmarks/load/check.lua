-- wrk script for POST /v1/check (driven by benchmarks/load/run_load.py).
--
--   LOAD_BODIES=bodies.jsonl LOAD_KEY=slm_... [LOAD_RATE=1500] \
--     wrk -t1 -c32 -d30s --latency -s benchmarks/load/check.lua http://127.0.0.1:8000
--
-- LOAD_BODIES: one JSON request body a line (real comments, varied surfaces and age bands); each
-- thread walks them in turn from its own offset. LOAD_KEY: the tenant's app key.
-- LOAD_RATE (optional): the total request rate to hold (common.lua); without it, closed loop.
-- At the end one line "LOAD_RESULT {json}" gives the counts by status and by decision action.

dofile((os.getenv("LOAD_LUA_DIR") or "benchmarks/load") .. "/common.lua")

local bodies = {}
local index = 0

-- Counted per thread, read back by done().
statuses = {}
actions = {}
kept = 0
queued = 0
responses = 0

function init(args)
  local path = os.getenv("LOAD_BODIES")
  local key = os.getenv("LOAD_KEY")
  assert(path and key, "set LOAD_BODIES and LOAD_KEY")
  for line in io.lines(path) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  assert(#bodies > 0, "no request bodies in " .. path)
  local nthreads = tonumber(os.getenv("LOAD_THREADS") or "1") or 1
  index = math.floor(((id or 1) - 1) * #bodies / nthreads)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  index = index % #bodies + 1
  return wrk.format(nil, "/v1/check", nil, bodies[index])
end

function response(status, headers, body)
  responses = responses + 1
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  if status == 200 then
    -- The decision's action is the first "action" of the body (reasons come after it).
    local action = string.match(body, '"action":"(%a+)"')
    if action then
      actions[action] = (actions[action] or 0) + 1
    end
    if not string.find(body, '"decision_id":null', 1, true) then
      kept = kept + 1
    end
    if not string.find(body, '"review_item_id":null', 1, true) then
      queued = queued + 1
    end
  end
end

local function merge(into, from)
  for k, v in pairs(from or {}) do
    into[k] = (into[k] or 0) + v
  end
end

function done(summary, latency, requests)
  local all_statuses, all_actions = {}, {}
  local total_kept, total_queued, total_responses = 0, 0, 0
  for _, thread in ipairs(threads) do
    merge(all_statuses, thread:get("statuses"))
    merge(all_actions, thread:get("actions"))
    total_kept = total_kept + (thread:get("kept") or 0)
    total_queued = total_queued + (thread:get("queued") or 0)
    total_responses = total_responses + (thread:get("responses") or 0)
  end
  local pct = {}
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    pct[#pct + 1] = string.format('"%s":%.3f', tostring(p), latency:percentile(p) / 1000)
  end
  local e = summary.errors
  io.write(
    string.format(
      'LOAD_RESULT {"duration_s":%.3f,"requests":%d,"responses":%d,"bytes":%d,'
        .. '"latency_ms":{%s,"mean":%.3f,"max":%.3f,"stdev":%.3f},'
        .. '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"non_2xx_3xx":%d,'
        .. '"statuses":%s,"actions":%s,"kept":%d,"queued":%d}\n',
      summary.duration / 1e6,
      summary.requests,
      total_responses,
      summary.bytes,
      table.concat(pct, ","),
      latency.mean / 1000,
      latency.max / 1000,
      latency.stdev / 1000,
      e.connect,
      e.read,
      e.write,
      e.timeout,
      e.status,
      encode(all_statuses),
      encode(all_actions),
      total_kept,
      total_queued
    )
  )
end
