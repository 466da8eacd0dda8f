-- wrk script: a Kore.ai v1 voice start/stop mix against campaign-sim.
--
--   wrk -t1 -c32 -d10s --latency -s benches/kore-mix.lua http://127.0.0.1:18081
--
-- Requests cycle through 2 * IDS entries (a per-thread counter k; run with -t1 so one
-- cycle covers every id once each way): entry i = k % (2 * IDS) goes to campaign
-- "load-<i % IDS>", with "trigger=play" in the first half of the cycle and "trigger=stop" in
-- the second. So every id alternates start, stop, start, ... and nearly every answer is 200.
--
-- The start and stop of one id are IDS requests apart, far more than the connections in
-- flight. (Sending them back to back, k and k + 1, put them on two connections at once and
-- about 10% of the pairs overtook each other: a stop before its start, then a start while
-- Active, both 400.) Any 400 still costs the simulator real work; it is counted and reported
-- in done() below, and wrk prints "Non-2xx or 3xx responses".
-- Ids carry the "load-" prefix, which the simulator auto-provisions by default.
--
-- The 2 * IDS requests are formatted once in init() and cycled through, so the Lua cost per
-- request is a table lookup and a counter.

local IDS = 1000
local APP = "st-bench"

local requests = {}
-- wrk calls request() once on thread 0 before the run, to check the request it returns
-- (script_verify_request in wrk's main()); starting at -1 makes the first request sent entry 0.
-- Were that call ever dropped, the run would begin with one stop of a never-started id: one 400.
local k = -1

function init(args)
  local headers = {
    ["auth"] = "bench-jwt",
    ["iid"] = APP,
    ["accountId"] = "acc-bench",
    ["Content-Type"] = "application/json",
  }
  for i = 0, 2 * IDS - 1 do
    local id = "load-" .. (i % IDS)
    local trigger = (i < IDS) and "play" or "stop"
    local path = "/campaign/api/v1/public/" .. APP .. "/campaign/" .. id
      .. "?campaignType=voice&trigger=" .. trigger
    requests[i] = wrk.format("POST", path, headers, "{}")
  end
end

function request()
  local r = requests[k % (2 * IDS)]
  k = k + 1
  return r
end

function done(summary, latency, _requests)
  -- wrk counts answers with status > 399 in errors.status: the same figure as its own
  -- "Non-2xx or 3xx responses" line.
  local non2xx = summary.errors.status
  local total = summary.requests
  local share = 0
  if total > 0 then
    share = 100 * non2xx / total
  end
  io.write(string.format("kore-mix: %d requests, %d non-2xx (%.2f%%)\n", total, non2xx, share))
  io.write(string.format(
    "kore-mix: socket errors connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
