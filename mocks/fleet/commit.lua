-- Saves one request's unit of work, or nothing. Every key is under ARGV[1] (the fleet's prefix), so the script takes
-- no KEYS: a fleet lives on one Redis (or one shard), never across a cluster.
-- 1. Each entry the request read must still have the version it saw (0: absent); else nothing is written and the
--    answer is {0, seq, key, stored-or-false, ...}: the entries that changed, as they are now.
-- 2. Otherwise one new version (INCR seq) for every cell written, the messages sent get their ids, the outbox's read
--    flags, removals and clear, the journal entries, and one change-log entry with all of it for the other processes.
--    The answer is {1, seq, first message id}. After a wipe (`/__admin/reset`) the log says only so: every process
--    loads the whole state again.
local p = ARGV[1]
local i = 7
local nchecks = tonumber(ARGV[i]); i = i + 1
local conflicts = {}
for _ = 1, nchecks do
  local k, want = ARGV[i], tonumber(ARGV[i + 1]); i = i + 2
  local stored = redis.call('GET', p .. 'c:' .. k)
  local have = 0
  if stored then have = tonumber(string.match(stored, '^(%d+)|')) end
  if have ~= want then
    conflicts[#conflicts + 1] = k
    conflicts[#conflicts + 1] = stored or false
  end
end
if #conflicts > 0 then
  local seq = tonumber(redis.call('GET', p .. 'seq') or '0')
  local answer = {0, seq}
  for _, v in ipairs(conflicts) do answer[#answer + 1] = v end
  return answer
end
local nwrites = tonumber(ARGV[i]); i = i + 1
local wipe = ARGV[2] == '1'
local first_write = i
local nmessages = tonumber(ARGV[i + 3 * nwrites])
local tail = i + 3 * nwrites + 1 + nmessages
-- tail: marks-read csv, marks-unread csv, removed csv, outbox cleared, journal cleared, njournal, entries...
local read_ids, unread_ids, removed_ids = ARGV[tail], ARGV[tail + 1], ARGV[tail + 2]
local outbox_cleared, journal_cleared = ARGV[tail + 3] == '1', ARGV[tail + 4] == '1'
local njournal = tonumber(ARGV[tail + 5])
if journal_cleared then redis.call('DEL', p .. 'journal') end
for j = 1, njournal do
  redis.call('XADD', p .. 'journal', 'MAXLEN', ARGV[6], '*', 'e', ARGV[tail + 5 + j])
end
local changes = nwrites > 0 or nmessages > 0 or wipe or outbox_cleared or read_ids ~= '' or unread_ids ~= ''
  or removed_ids ~= ''
if not changes then return {1, 0, 0} end
local seq = redis.call('INCR', p .. 'seq')
local log = {'v', seq, 'o', ARGV[3]}
if wipe then
  local cursor = '0'
  repeat
    local found = redis.call('SCAN', cursor, 'MATCH', p .. 'c:*', 'COUNT', 1000)
    cursor = found[1]
    if #found[2] > 0 then redis.call('UNLINK', unpack(found[2])) end
  until cursor == '0'
  log[#log + 1] = 'W'; log[#log + 1] = '1'
end
for w = 0, nwrites - 1 do
  local k, pxat, suffix = ARGV[first_write + 3 * w], tonumber(ARGV[first_write + 3 * w + 1]),
    ARGV[first_write + 3 * w + 2]
  if suffix == '' then
    redis.call('DEL', p .. 'c:' .. k)
  elseif pxat > 0 then
    redis.call('SET', p .. 'c:' .. k, seq .. '|' .. suffix, 'PXAT', pxat)
  else
    redis.call('SET', p .. 'c:' .. k, seq .. '|' .. suffix)
  end
  if not wipe then log[#log + 1] = k; log[#log + 1] = suffix end
end
if outbox_cleared then
  redis.call('DEL', p .. 'outbox', p .. 'read')
  log[#log + 1] = '!C'; log[#log + 1] = '1'
end
local first_id = 0
if nmessages > 0 then
  first_id = redis.call('INCRBY', p .. 'mid', nmessages) - nmessages + 1
  local m0 = i + 3 * nwrites + 1
  for m = 0, nmessages - 1 do
    local body = ARGV[m0 + m]
    redis.call('XADD', p .. 'outbox', 'MAXLEN', ARGV[5], (first_id + m) .. '-1', 'm', body)
    log[#log + 1] = '!M'; log[#log + 1] = body
  end
  log[#log + 1] = '!I'; log[#log + 1] = first_id
end
local function each(csv, fn)
  for id in string.gmatch(csv, '[^,]+') do fn(id) end
end
if read_ids ~= '' then
  each(read_ids, function(id) redis.call('HSET', p .. 'read', id, '1') end)
  log[#log + 1] = '!R'; log[#log + 1] = read_ids
end
if unread_ids ~= '' then
  each(unread_ids, function(id) redis.call('HDEL', p .. 'read', id) end)
  log[#log + 1] = '!U'; log[#log + 1] = unread_ids
end
if removed_ids ~= '' then
  each(removed_ids, function(id)
    redis.call('XDEL', p .. 'outbox', id .. '-1')
    redis.call('HDEL', p .. 'read', id)
  end)
  log[#log + 1] = '!X'; log[#log + 1] = removed_ids
end
redis.call('XADD', p .. 'log', 'MAXLEN', '~', ARGV[4], '*', unpack(log))
return {1, seq, first_id}
