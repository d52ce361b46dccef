-- wrk script: the traffic a CDN or proxy sends an origin. Per request:
-- 1% an unknown slug (from a set of 200, so the read model's bounded miss
-- cache answers after the first), otherwise a random published slug;
-- half with Accept-Encoding: gzip; 10% revalidating with If-None-Match
-- (the article's current ETag). SLUGS and ETAGS are files of slugs and
-- their ETags, one a line, in the same order; TOKEN is the delivery token.
-- The requests are formatted once per thread, in init (see byslug.lua).
local reqs = {}
function init(args)
  local slugs, etags = {}, {}
  for line in io.lines(os.getenv("SLUGS")) do if #line > 0 then slugs[#slugs + 1] = line end end
  for line in io.lines(os.getenv("ETAGS")) do etags[#etags + 1] = line end
  math.randomseed(os.time() + (args and #args or 0))
  local auth = "Bearer " .. os.getenv("TOKEN")
  for i = 1, 5000 do
    local h = { ["Authorization"] = auth }
    local path
    if math.random(100) == 1 then
      path = "/api/v1/articles/no-such-article-" .. math.random(200)
    else
      local k = math.random(#slugs)
      path = "/api/v1/articles/" .. slugs[k]
      if math.random(10) == 1 and etags[k] and #etags[k] > 0 then h["If-None-Match"] = etags[k] end
    end
    if math.random(2) == 1 then h["Accept-Encoding"] = "gzip" end
    reqs[#reqs + 1] = wrk.format("GET", path, h)
  end
end
request = function()
  return reqs[math.random(#reqs)]
end
