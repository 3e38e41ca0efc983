-- Shared by the bench/lua scripts (loaded with dofile): per-thread ids, request headers, and
-- done(), which prints one parseable line: "WRK_RESULT " followed by a JSON object.
--
-- Every script takes wrk script arguments (after "--" on wrk's command line):
--   args[1]  the API key sent as the Authorization header (default "bench-key")
--   args[2]  a prefix for generated names (create_store.lua only)

local common = {}

local thread_count = 0

-- Runs once per wrk thread, in the main Lua state: number the threads 1, 2, ...
function common.setup(thread)
   thread_count = thread_count + 1
   thread:set("tid", thread_count)
end

-- Runs in each thread's own Lua state before its first request.
function common.headers(args, method, body)
   wrk.method = method
   wrk.headers["Authorization"] = (args and args[1]) or "bench-key"
   if body then
      wrk.headers["Content-Type"] = "application/json"
      wrk.body = body
   end
end

-- Runs once at the end. Latencies are in microseconds. errors.status counts answers with a
-- status of 400 or more (wrk's own definition of a non-2xx answer).
function common.done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_s":%.6f,"bytes":%d,"rps":%.3f,'
         .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,'
         .. '"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
         .. '"timeouts":%d}\n',
      summary.requests, seconds, summary.bytes, summary.requests / seconds,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, e.status, e.connect, e.read, e.write, e.timeout))
end

return common
