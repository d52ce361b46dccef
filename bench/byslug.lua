-- wrk script: GET /api/v1/articles/<random slug> with the delivery token.
-- SLUGS names a file of slugs, one a line; TOKEN is the delivery token.
local slugs = {}
for line in io.lines(os.getenv("SLUGS")) do
  if #line > 0 then slugs[#slugs + 1] = line end
end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/api/v1/articles/" .. slugs[math.random(#slugs)])
end
