-- POST /v0/catalogs/search with a datetime interval and a bounding box, at the default page
-- size (2), like the unfiltered search: the two differ only in the filtering work.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

setup = common.setup
done = common.done

local body = '{"datetime":"2023-01-01T00:00:00Z/..","bbox":[60,5,100,40]}'

function init(args)
   common.headers(args, "POST", body)
end
