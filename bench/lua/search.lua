-- POST /v0/catalogs/search without filters: the default page (limit 2, newest first).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

setup = common.setup
done = common.done

function init(args)
   common.headers(args, "POST", "{}")
end
