-- Replays requests prepared by the benchmark, one per line: "<signature> <body>". Each request is sent once
-- (fresh ids and timestamps), so that pos-in does its whole work rather than answering duplicates.
local requests = {}
local next_index = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local signature, body = line:match("^(%S+) (.*)$")
    requests[#requests + 1] = wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["X-Webhook-Signature"] = signature,
    }, body)
  end
  file:close()
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
