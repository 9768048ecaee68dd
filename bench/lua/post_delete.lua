-- post_delete.lua -- POST /api/v2/users with a unique name, then DELETE the
-- created user: each connection's next request deletes an id from the
-- queue of created ones if there is one, else creates.  Both count as
-- requests.  -H "Authorization: Token ..." and -H "Content-Type:
-- application/json" come from run.sh.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local queue = {}
local seq = 0
local stamp = 0

function init(args)
	stamp = os.time() % 100000000
	math.randomseed(stamp * 1000 + tid)
	stamp = stamp * 100 + math.random(0, 99)
end

function request()
	local id = table.remove(queue)
	if id then
		return wrk.format("DELETE", "/api/v2/users/" .. id)
	end
	seq = seq + 1
	return wrk.format("POST", "/api/v2/users", nil,
	    string.format('{"name":"bench-new-%d-%d-%d"}', stamp, tid, seq))
end

function response(status, headers, body)
	count(status)
	if status == 201 then
		local id = body:match('"id"%s*:%s*"(%x+)"')
		if id then
			table.insert(queue, id)
		end
	end
end
