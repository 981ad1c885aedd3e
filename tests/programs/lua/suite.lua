-- The Lua checks for Stardust's posix profile: each section prints what it computes; nothing
-- printed depends on time, addresses or the machine, so the host's `lua` run is the oracle.
-- Usage: lua suite.lua DIRECTORY (an existing directory for the file checks)
local directory = assert(arg[1], "usage: lua suite.lua DIRECTORY")

print("-- strings and formatting")
print(string.format("%d %5.2f %-6s| %x %o %e %g %q", 42, math.pi, "left", 255, 8, 12345.678, 0.1, "a\nb"))
print(("%.14g"):format(1 / 3), 2 ^ 53, math.maxinteger, math.mininteger, 7 // 2, 7.0 // 2, -7 % 3, 3 % -2)
print(tostring(1e15), tostring(1e16), 0.1 + 0.2, 100 / 3, math.floor(-3.5), math.ceil(-3.5), math.tointeger(3.0))
print(("hello world"):upper(), ("Hello"):rep(3, "-"), ("abc"):reverse(), #"ünïcode", utf8.len("ünïcode"))
print(("key=value; other=thing"):gsub("(%w+)=(%w+)", "%2=%1"))
for word in ("the quick brown fox"):gmatch("%a+") do io.write(word:sub(1, 1)) end
print()
print(string.find("stardust", "dust"), string.match("2026-12-01", "(%d+)-(%d+)-(%d+)"))
print(tonumber("0x1F"), tonumber("  12  "), tonumber("1e3"), tonumber("z", 36), tonumber("nope"))

print("-- tables and sorting")
local numbers = {}
for i = 1, 1000 do numbers[i] = (i * 7919) % 1009 end
table.sort(numbers)
print(numbers[1], numbers[500], numbers[1000], #numbers)
local words = {"pear", "Apple", "fig", "banana", "cherry"}
table.sort(words, function(a, b) return a:lower() < b:lower() end)
print(table.concat(words, ","))
print(table.unpack({1, 2, 3}), select("#", table.unpack({1, nil, 3}, 1, 3)))
local moved = table.move({1, 2, 3, 4, 5}, 2, 4, 1, {})
print(table.concat(moved, " "), next({}), rawlen({1, 2}))

print("-- closures")
local function counter()
    local count = 0
    return function() count = count + 1; return count end
end
local a, b = counter(), counter()
a(); a()
print(a(), b())
local adders = {}
for i = 1, 3 do adders[i] = function(x) return x + i end end
print(adders[1](10), adders[3](10))

-- Error messages without the script's path (it differs between the host and the VM).
local function clean(message) return (tostring(message):gsub("^[^:]*:%d+: ", "")) end

print("-- coroutines")
local producer = coroutine.wrap(function()
    for i = 1, 3 do coroutine.yield(i * i) end
    return "done"
end)
print(producer(), producer(), producer(), producer())
local co = coroutine.create(function(x, y)
    local z = coroutine.yield(x + y)
    error("inside: " .. z)
end)
print(coroutine.resume(co, 1, 2))
local ok, message = coroutine.resume(co, "boom")
print(ok, clean(message), coroutine.status(co))

print("-- errors")
local caught = select(2, pcall(error, {code = 7}))
print(type(caught), caught.code)
print(select(2, pcall(error, "plain", 0)))
local ok1, err1 = pcall(function() local t = nil; return t.field end)
print(ok1, clean(err1))
print(xpcall(function() error("deep") end, function(m) return "handled: " .. clean(m) end))
local ok2, err2 = pcall(string.rep)
print(ok2, err2)

print("-- metatables")
local Vector = {}
Vector.__index = Vector
Vector.__add = function(p, q) return setmetatable({x = p.x + q.x, y = p.y + q.y}, Vector) end
Vector.__eq = function(p, q) return p.x == q.x and p.y == q.y end
Vector.__tostring = function(p) return "(" .. p.x .. ", " .. p.y .. ")" end
Vector.__len = function(p) return math.sqrt(p.x * p.x + p.y * p.y) end
function Vector.new(x, y) return setmetatable({x = x, y = y}, Vector) end
function Vector:scale(k) return Vector.new(self.x * k, self.y * k) end
local v = Vector.new(3, 4) + Vector.new(0, 0)
print(tostring(v), #v, v == Vector.new(3, 4), tostring(v:scale(2)))
local defaults = setmetatable({}, {__index = function(_, key) return key .. "?" end})
print(defaults.anything, rawget(defaults, "anything"))

print("-- files")
local path = directory .. "/lua-io.txt"
local file = assert(io.open(path, "w"))
for i = 1, 100 do file:write(("line %d %s\n"):format(i, ("*"):rep(i % 10))) end
file:write(string.format("%.3f\n", 2.5))
assert(file:close())
local count, last = 0, nil
for line in io.lines(path) do count = count + 1; last = line end
print(count, last)
file = assert(io.open(path, "r"))
print(file:read("l"), file:seek("cur"), file:seek("end"), file:seek("set", 5), file:read(4))
file:close()
file = assert(io.open(path, "a"))
file:write("appended\n")
file:close()
file = assert(io.open(path, "rb"))
local all = file:read("a")
file:close()
print(#all, all:sub(-9, -2))
print(io.open(directory .. "/missing.txt") == nil, select(2, io.open(directory .. "/missing.txt")) ~= nil)
print(os.rename(path, directory .. "/lua-renamed.txt"), os.remove(directory .. "/lua-renamed.txt"))
print(os.remove(directory .. "/lua-renamed.txt") == nil)

print("-- time")
local t0, c0 = os.time(), os.clock()
local spin = 0
for i = 1, 200000 do spin = spin + i % 7 end
print(spin, os.time() >= t0, os.clock() >= c0, type(os.date("%Y")), os.time({year = 2000, month = 1, day = 1, hour = 12}) ~= nil)
print(os.getenv("NO_SUCH_VARIABLE"), os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365))

print("-- garbage")
local weak = setmetatable({}, {__mode = "v"})
for round = 1, 50 do
    local garbage = {}
    for i = 1, 2000 do garbage[i] = {i, tostring(i), {i}} end
    weak[round] = garbage
end
collectgarbage("collect")
local alive = 0
for _ in pairs(weak) do alive = alive + 1 end
print("weak tables emptied:", alive == 0, collectgarbage("count") < 100000)
local chunks = {}
for i = 1, 20000 do chunks[#chunks + 1] = ("%05d"):format(i) end
local joined = table.concat(chunks)
print(#joined, joined:sub(1, 10), joined:sub(-5))
os.exit(3)
