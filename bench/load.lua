-- wrk script for the mixed-read load test: map page, layers and nearby, in a shuffled rotation.
-- bench/load.py writes paths.lua beside this file's copy; counts 4xx and 5xx per thread.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  paths = dofile(args[1])
  math.randomseed(id * 7919)
  position = math.random(#paths)
  fivexx, fourxx = 0, 0
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], {["Accept-Encoding"] = "br, gzip"})
end

function response(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 elseif status >= 400 then fourxx = fourxx + 1 end
end

function done(summary, latency, requests)
  local five, four = 0, 0
  for _, thread in ipairs(threads) do
    five = five + thread:get("fivexx")
    four = four + thread:get("fourxx")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"status_5xx": %d, "status_4xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, five, four, e.connect, e.read, e.write, e.timeout))
end
