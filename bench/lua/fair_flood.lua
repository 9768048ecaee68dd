-- fair_flood.lua -- bench/fair.sh's attacker: POST /api/v2/signin to one
-- instance, each request under the next name of a list (never one name
-- often enough to be throttled) with a wrong password, from a random
-- address (X-Forwarded-For; nginx trusts it from loopback).
-- BENCH_CREDS: a file of Basic credentials, base64, one a line;
-- BENCH_HOST: the Host header (the instance).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local creds = {}
for line in io.lines(os.getenv("BENCH_CREDS")) do
	table.insert(creds, "Basic " .. line)
end
local host = os.getenv("BENCH_HOST")
local n = #creds
local i = 0

function init(args)
	math.randomseed(os.time() * 1000 + tid * 7919)
	i = (tid * 7919) % n
end

function request()
	i = i % n + 1
	return wrk.format("POST", "/api/v2/signin",
	    { Host = host, Authorization = creds[i],
	      ["X-Forwarded-For"] = string.format("10.%d.%d.%d", tid,
	        math.random(0, 255), math.random(1, 254)) }, "")
end
