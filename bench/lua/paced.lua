-- paced.lua -- bench/fair.sh's tenant B: common.lua's requests, each
-- connection waiting BENCH_PACE_MS milliseconds after an answer before
-- its next request, so B stays under its own per-instance rate in
-- deploy/nginx.conf (an unpaced B would be a flood of its own, held to
-- that rate by nginx whatever A does).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local pace = tonumber(os.getenv("BENCH_PACE_MS") or "0")

function delay()
	return pace
end
