-- hosted_me.lua -- GET /api/v2/me, each request to the next instance of a
-- list, with that instance's own operator token: uniform over all of them.
-- BENCH_TOKENS: a file of "HOST TOKEN" lines (bench/hosted.sh writes it);
-- each wrk thread starts at its own offset.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local hosts, tokens = {}, {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
	local h, t = line:match("^(%S+) (%S+)$")
	if h then
		table.insert(hosts, h)
		table.insert(tokens, "Token " .. t)
	end
end
local n = #hosts
local i = 0

function init(args)
	i = (tid * 7919) % n
end

function request()
	i = i % n + 1
	return wrk.format("GET", "/api/v2/me",
	    { Host = hosts[i], Authorization = tokens[i] })
end
