-- wrk script for bench/run-http.sh.
--   WRK_PATHS=file   one request target per line; requests rotate over them (per thread,
--                    each thread starting at a different line)
--   WRK_BODY=file    POST this body (with WRK_CTYPE as Content-Type) to the URL's path
-- At the end it prints one machine-readable line:
--   RESULT requests_per_s p50_us p99_us requests non2xx socket_errors
local paths = {}
local body = nil
local counter = 0

local function read_file(name)
  local f = assert(io.open(name, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local thread_index = 0
function setup(thread)
  thread:set("offset", thread_index * 7)
  thread_index = thread_index + 1
end

function init(args)
  local pfile = os.getenv("WRK_PATHS")
  if pfile and pfile ~= "" then
    for line in io.lines(pfile) do
      if line ~= "" then paths[#paths + 1] = line end
    end
  end
  local bfile = os.getenv("WRK_BODY")
  if bfile and bfile ~= "" then
    body = read_file(bfile)
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = os.getenv("WRK_CTYPE") or "application/fhir+json"
  end
  counter = offset or 0
end

function request()
  if #paths > 0 then
    counter = counter + 1
    return wrk.format(nil, paths[(counter % #paths) + 1])
  end
  return wrk.request()
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local non2xx = e.status
  local sock = e.connect + e.read + e.write + e.timeout
  io.write(string.format("RESULT %.1f %.1f %.1f %d %d %d\n",
    summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    summary.requests, non2xx, sock))
end
