-- wrk script: GET /api/v1/search with the queries a health site's
-- readers type, over seed-shaped articles (bench/seed): common words that
-- match nearly every article, rarer ones (an article's number in its
-- title), several words, a topic filter, a second page, and words no
-- article has. TOKEN is the delivery token (empty: public delivery).
-- Formatted once per thread in init (see byslug.lua).
local reqs = {}
local queries = {
  "q=sleep", "q=anxiety", "q=breathing+exercises", "q=morning+routine", "q=panic+attack",
  "q=cognitive+behavioral+therapy", "q=talk+to+a+doctor", "q=small+steady+habits",
  "q=sleep&topic=sleep", "q=calm&topic=stress", "q=worry&topic=anxiety", "q=family+support&topic=parenting",
  "q=article+517", "q=benchmark+article+42", "q=article+903+anxiety",
  "q=sleep&page=2", "q=evidence+research&limit=10",
  "q=diabetes+insulin", "q=vaccination",
}
function init(args)
  local token = os.getenv("TOKEN") or ""
  local h = {}
  if #token > 0 then h["Authorization"] = "Bearer " .. token end
  for _, q in ipairs(queries) do reqs[#reqs + 1] = wrk.format("GET", "/api/v1/search?" .. q, h) end
  math.randomseed(os.time())
end
request = function()
  return reqs[math.random(#reqs)]
end
