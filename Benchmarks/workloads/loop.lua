-- loop: Lua 5.4 counterpart of loop.lk, s = s + i*0.5 for i = 0 .. n-1.
-- Prints: loop <n> <seconds> per rep, and once loopsum <n> <s>
-- os.clock() is CPU time (Lua has no monotonic wall clock); for a single
-- thread that never sleeps it matches wall time closely.
local reps = 3                    -- bench:param
local n = 10000000                -- bench:param

local function kernel(n)
  local s = 0
  for i = 0, n - 1 do
    s = s + i*0.5
  end
  return s
end

print("loopsum", n, string.format("%.17g", kernel(n)))   -- warm-up pass
for r = 1, reps do
  local t0 = os.clock()
  local s = kernel(n)
  local t1 = os.clock()
  print("loop", n, string.format("%.9f", t1 - t0))
end
