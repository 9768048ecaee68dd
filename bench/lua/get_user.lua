-- get_user.lua -- GET /api/v2/users/{id}, a random seeded user each time.
-- The seeded ids are printf("%016x", n * 1000 + 7), n = 1..BENCH_NUSERS
-- (the same formula as the COPY seed in run.sh and bench/pgbench-users.sql).
-- The operator token comes as -H "Authorization: Token ..." from run.sh.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local nusers = tonumber(os.getenv("BENCH_NUSERS"))

function request()
	local n = math.random(1, nusers)
	return wrk.format("GET", string.format("/api/v2/users/%016x",
	    n * 1000 + 7))
end
