-- common.lua -- shared by every bench/run.sh wrk scenario.
--
-- Counts responses per class in each wrk thread (2xx, 429, other) and
-- prints two machine-readable lines in done() for bench/report.pl: "BENCH
-- ..." (counts, wrk's own percentiles) and "QUANT p:us ..." (the latency
-- distribution as its quantiles, so the slices of a scenario can be merged
-- into one distribution: wrk 4.1's Lua cannot read the histogram itself).  Every scenario builds each request with wrk.format() in
-- request(), the /ping baseline included, so the load generator's Lua
-- cost is the same in the numerator and the denominator of every ratio.
--
-- Environment (read in every thread):
--   BENCH_METHOD   HTTP method for the URL given on the command line (GET)
local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
	table.insert(threads, thread)
end

st_2xx, st_429, st_other, last_other = 0, 0, 0, 0
tid = 0

wrk.method = os.getenv("BENCH_METHOD") or wrk.method
-- An empty body still sends "Content-Length: 0" (lighttpd answers a POST
-- without one with 411).
if wrk.method == "POST" and wrk.body == nil then
	wrk.body = ""
end

function count(status)
	if status >= 200 and status < 300 then
		st_2xx = st_2xx + 1
	elseif status == 429 then
		st_429 = st_429 + 1
	else
		st_other = st_other + 1
		last_other = status
	end
end

function init(args)
	math.randomseed(os.time() * 1000 + tid * 7919)
end

function request()
	return wrk.format()
end

function response(status, headers, body)
	count(status)
end

function done(summary, latency, requests)
	local a, b, o, last = 0, 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("st_2xx")
		b = b + t:get("st_429")
		o = o + t:get("st_other")
		if t:get("last_other") ~= 0 then last = t:get("last_other") end
	end
	local e = summary.errors
	io.write(string.format(
	    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d " ..
	    "p99_us=%d mean_us=%.1f max_us=%d s2xx=%d s429=%d sother=%d " ..
	    "last_other=%d sockerr=%d timeouts=%d\n",
	    summary.requests, summary.duration,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.mean, latency.max, a, b, o, last,
	    e.connect + e.read + e.write, e.timeout))
	-- Every 0.1 percentile, every 0.01 from 98 on, and the extremes:
	-- report.pl's merged p99 is then exact to 0.01 percentile points.
	local q = { "0:" .. latency.min }
	for i = 1, 980 do
		q[#q + 1] = string.format("%.1f:%d", i / 10, latency:percentile(i / 10))
	end
	for i = 9801, 9999 do
		q[#q + 1] = string.format("%.2f:%d", i / 100, latency:percentile(i / 100))
	end
	q[#q + 1] = "100:" .. latency.max
	io.write("QUANT " .. table.concat(q, " ") .. "\n")
end
