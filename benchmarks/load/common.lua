-- What check.lua and usage.lua share: the per-thread bookkeeping (setup(), encode()) and the
-- pacing that holds a total request rate, as wrk2 does.
--
-- LOAD_RATE (optional): the total request rate to hold, in requests/s. Without it wrk runs closed
-- loop (every connection sends again as soon as it has its answer: the server's saturation
-- throughput). With it, each of the LOAD_THREADS threads hands out send slots every
-- threads/rate seconds, so the server sees that rate whatever its latency, as long as enough
-- connections are free; latency is measured from the actual send. A thread more than a second
-- behind its slots does not burst to catch up.
--
-- Loaded with dofile(os.getenv("LOAD_LUA_DIR") .. "/common.lua") at the top of a script: it
-- defines the globals setup(), threads (every thread, for done()), encode(map), and delay()
-- when LOAD_RATE is set; returns {rate = ...}.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } load_timespec;
int clock_gettime(int clk_id, load_timespec *tp);
]])
local ts = ffi.new("load_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local pacing = { rate = tonumber(os.getenv("LOAD_RATE") or "") or 0 }

-- wrk decides whether a script paces (has a global delay()) when it loads the script, before
-- any init(): so delay() is defined here, at load time, and starts its clock on first use.
if pacing.rate > 0 then
  local nthreads = tonumber(os.getenv("LOAD_THREADS") or "1") or 1
  local period_ms = 1000 * nthreads / pacing.rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    next_slot = (next_slot or now) + period_ms
    if next_slot < now - 1000 then
      next_slot = now
    end
    local wait = next_slot - now
    if wait < 0 then
      return 0
    end
    return wait
  end
end

-- Every thread, numbered from 1 (its global "id"), for done() to read their counts back.
threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end

-- A flat {name = integer} table as a JSON object.
function encode(map)
  local parts = {}
  for k, v in pairs(map) do
    parts[#parts + 1] = string.format('"%s":%d', k, v)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

return pacing
