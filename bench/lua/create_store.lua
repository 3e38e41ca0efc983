-- POST /v0/stores with a new name on every request (a repeated name is a 409):
-- "<prefix>-<thread>-<counter>", prefix from args[2].
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

setup = common.setup
done = common.done

local prefix = "bench"
local counter = 0
local template = '{"name":"%s-%d-%d","type":"S3",'
   .. '"configs":{"bucket":"bench-bucket","region":"ap-south-1","path_prefix":"bench/"},'
   .. '"secrets":{"access_key_id":"AKIABENCHMARK","secret_access_key":"bench-secret"}}'

function init(args)
   common.headers(args, "POST", "{}")
   prefix = (args and args[2]) or prefix
end

function request()
   counter = counter + 1
   -- tid is set per thread by common.setup (thread:set).
   return wrk.format(nil, nil, nil, string.format(template, prefix, tid or 0, counter))
end
