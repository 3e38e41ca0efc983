-- GET the URL given to wrk (path and query string included) with the API key.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

setup = common.setup
done = common.done

function init(args)
   common.headers(args, "GET")
end
