"""State shared by a fleet of `resetkit serve` processes through Redis (`--state redis://...`).

Each process keeps a mirror of the fleet's state, fed by Redis' change log; a request runs synchronously against the
mirror in a unit of work (`work.py`) and is saved by one Lua script that checks the versions of what it read and
writes what it changed, or answers which entries changed meanwhile (then the request runs again). See ARCHITECTURE.md,
"A fleet on Redis".
"""
