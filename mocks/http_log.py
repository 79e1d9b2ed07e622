"""The server log of requests aiohttp cannot parse: the client's error, so one warning line, not a traceback."""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

# aiohttp answers such a request itself (a plain 400, before any route or middleware) and logs it here.
SERVER_LOG = "aiohttp.server"


class MalformedRequestLine(logging.Filter):
    """Turns aiohttp's ERROR with a traceback for an unparsable request (a 4xx it answered) into one WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= exc.code < 500:
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            reason = (exc.message or type(exc).__name__).splitlines()[0].rstrip(":")
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.msg, record.args = "malformed request from %s answered %d: %s", (remote, exc.code, reason)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_malformed_requests() -> None:
    """Install the filter once on aiohttp's server log (every app and runner calls this)."""
    server_log = logging.getLogger(SERVER_LOG)
    if not any(isinstance(f, MalformedRequestLine) for f in server_log.filters):
        server_log.addFilter(MalformedRequestLine())
