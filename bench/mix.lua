-- bench/mix.lua: the request mixes of bench/http.sh and bench/nodes.sh for
-- wrk (docs/BENCHMARKS.md). The mix is chosen by the environment:
--
--   MIX_MODE=read    (the default) GET, in turn, every path of the file
--                    MIX_PATHS (one a line: pages in three languages, the
--                    health check, the API, a stylesheet, public profiles)
--   MIX_MODE=write   signed-in experts saving their profile: POSTs of the
--                    identity step (a new headline each time), one-click
--                    confirmation, pause (until MIX_UNTIL, default a month
--                    on) and resume, in turn. MIX_SESSIONS
--                    names a file of "SESSION CSRF" lines (cookie and the
--                    session's CSRF token, made by bench/http.sh with curl);
--                    requests go to each session in turn
--   MIX_MODE=signup  POST /fr/signup, each with a new address, with the
--                    anonymous CSRF token MIX_CSRF as cookie and field;
--                    MIX_TAG makes the addresses unique to this run
--
-- wrk counts answers other than 2xx and 3xx ("Non-2xx or 3xx responses"):
-- every request here is valid, so that count must be 0.

local mode = os.getenv("MIX_MODE") or "read"
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

local function lines(path)
	local t = {}
	local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
	for l in f:lines() do
		if l ~= "" then t[#t + 1] = l end
	end
	f:close()
	assert(#t > 0, path .. " is empty")
	return t
end

-- Each wrk thread has its own Lua state: number them, so that generated
-- addresses and headlines never repeat across threads.
local counter = 1
function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

local reqs, sessions = {}, {}
local i, n = 0, 0

function init(args)
	if mode == "read" then
		for _, p in ipairs(lines(os.getenv("MIX_PATHS"))) do
			reqs[#reqs + 1] = wrk.format("GET", p)
		end
	elseif mode == "write" then
		for _, l in ipairs(lines(os.getenv("MIX_SESSIONS"))) do
			local s, c = l:match("^(%S+)%s+(%S+)$")
			sessions[#sessions + 1] = { cookie = "kafaat_session=" .. s, csrf = c }
		end
	elseif mode ~= "signup" then
		error("MIX_MODE must be read, write or signup, not " .. mode)
	end
	-- Threads start at different points of the rotation.
	i = (tonumber(tid) or 1) * 7
end

local steps = { "identity", "confirm", "pause", "resume" }
-- A pause ends at most a year ahead: bench/http.sh passes a date a month on.
local until_date = os.getenv("MIX_UNTIL") or os.date("!%Y-%m-%d", os.time() + 30 * 86400)

local function write_request()
	n = n + 1
	local s = sessions[n % #sessions + 1]
	local step = steps[math.floor(n / #sessions) % #steps + 1]
	local h = { ["Content-Type"] = form["Content-Type"], ["Cookie"] = s.cookie }
	if step == "identity" then
		return wrk.format("POST", "/fr/profile/edit/identity", h,
			"csrf=" .. s.csrf .. "&name=Bench+Expert&country=BE&headline=Headline+" .. tid .. "-" .. n)
	elseif step == "pause" then
		return wrk.format("POST", "/fr/profile/pause", h, "csrf=" .. s.csrf .. "&until=" .. until_date)
	end
	return wrk.format("POST", "/fr/profile/" .. step, h, "csrf=" .. s.csrf)
end

local function signup_request()
	n = n + 1
	local csrf = os.getenv("MIX_CSRF")
	local email = "bench-" .. (os.getenv("MIX_TAG") or "x") .. "-" .. tid .. "-" .. n .. "%40example.org"
	local pw = "une+phrase+assez+longue+2027"
	return wrk.format("POST", "/fr/signup",
		{ ["Content-Type"] = form["Content-Type"], ["Cookie"] = "kafaat_csrf=" .. csrf },
		"csrf=" .. csrf .. "&email=" .. email .. "&password=" .. pw .. "&password2=" .. pw ..
		"&lang=fr&adult=yes&notice=yes")
end

function request()
	if mode == "write" then return write_request() end
	if mode == "signup" then return signup_request() end
	i = i % #reqs + 1
	return reqs[i]
end

-- With MIX_STATUS=1 (bench/http.sh sets it for every Kafaat run), answers
-- are counted by class and the first few unexpected ones are printed with
-- their path, so that an error count says what failed. Off by default:
-- wrk reads every answer's body when response() exists.
if os.getenv("MIX_STATUS") == "1" then
	local threads = {}
	local setup0 = setup
	function setup(thread)
		setup0(thread)
		threads[#threads + 1] = thread
	end
	s2, s3, s4, s5, shown = 0, 0, 0, 0, 0
	function response(status, headers, body)
		if status < 300 then s2 = s2 + 1
		elseif status < 400 then s3 = s3 + 1
		elseif status < 500 then s4 = s4 + 1
		else s5 = s5 + 1 end
		if status >= 400 and shown < 3 then
			shown = shown + 1
			io.stderr:write(string.format("mix: answer %d: %s\n", status, (body or ""):sub(1, 200):gsub("%s+", " ")))
		end
	end
	function done(summary, latency, requests)
		local t = { 0, 0, 0, 0 }
		for _, th in ipairs(threads) do
			t[1] = t[1] + th:get("s2"); t[2] = t[2] + th:get("s3")
			t[3] = t[3] + th:get("s4"); t[4] = t[4] + th:get("s5")
		end
		io.write(string.format("Status classes: 2xx %d, 3xx %d, 4xx %d, 5xx %d\n", t[1], t[2], t[3], t[4]))
	end
end
