-- wrk script: GET /api/v1/articles/<random slug> with the delivery token.
-- SLUGS names a file of slugs, one a line; TOKEN is the delivery token.
-- The requests are formatted once per thread, in init (wrk has set the
-- Host header by then): formatting one per request costs the load
-- generator CPU that the server on the same two cores then lacks, and the
-- nginx run (no script) does not pay it.
local reqs = {}
function init(args)
  local token = os.getenv("TOKEN") or ""
  if #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end -- none: public delivery
  for line in io.lines(os.getenv("SLUGS")) do
    if #line > 0 then reqs[#reqs + 1] = wrk.format("GET", "/api/v1/articles/" .. line) end
  end
  math.randomseed(os.time())
end
request = function()
  return reqs[math.random(#reqs)]
end
