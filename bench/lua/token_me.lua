-- token_me.lua -- GET /api/v2/me with one of the seeded tokens at random,
-- "bench-token-<n>" for n = 1..BENCH_NTOK (run.sh seeds their SHA-256s):
-- each request another token, so a token's last use is due about every
-- minute (token_last_use), as with many clients.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local ntok = tonumber(os.getenv("BENCH_NTOK"))

function request()
	return wrk.format("GET", "/api/v2/me", { ["Authorization"] =
	    "Token bench-token-" .. math.random(1, ntok) })
end
