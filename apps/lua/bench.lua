-- A CPU benchmark for scripts/bench-posix: recursive calls (fib) and allocation (binary
-- trees, as in the benchmarks game). Prints "bench: NAME 1 NANOSECONDS" measured with
-- os.clock (CPU time on Linux; time since the program started in Stardust, which runs one
-- program: the same for a CPU-bound script).
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end

local function tree(depth)
    if depth == 0 then return {} end
    return {tree(depth - 1), tree(depth - 1)}
end
local function check(node)
    if node[1] == nil then return 1 end
    return 1 + check(node[1]) + check(node[2])
end

local size = tonumber(arg[1]) or 1
local start = os.clock()
local result = fib(24 + size)
print(("bench: lua-fib 1 %.0f"):format((os.clock() - start) * 1e9), result)
start = os.clock()
local total = 0
for _ = 1, 4 * size do total = total + check(tree(14)) end
print(("bench: lua-trees 1 %.0f"):format((os.clock() - start) * 1e9), total)
