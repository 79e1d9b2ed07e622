"""`resetkit serve --workers N`: N processes on one port (each listens with SO_REUSEPORT; the kernel spreads the
connections), sharing the fleet's state. The first worker starts alone (it seeds the fleet and says whether it can
start at all), then the others; the parent prints one banner, passes SIGTERM/SIGINT on, and starts a worker again
when one dies."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

from .settings import Settings

ServeOne = Callable[[Settings, Callable[[str], None]], int]
RESTART_PAUSE = 0.5  # between a worker's death and its replacement: a worker that cannot start must not spin


def _start(settings: Settings, serve_one: ServeOne) -> tuple[int, int]:
    """A worker process; (its pid, the read end of the pipe its banner comes through)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    os.close(read_end)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)

    def tell(banner: str) -> None:
        os.write(write_end, banner.encode())
        os.close(write_end)

    code = 1
    try:
        code = serve_one(settings, tell)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _banner(read_end: int) -> str:
    """What the worker says once it listens ("" when it ended first)."""
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    return b"".join(chunks).decode()


def serve_workers(count: int, settings: Settings, serve_one: ServeOne) -> int:
    """Serve from `count` workers until SIGTERM or SIGINT; the first worker's exit code when it cannot start."""
    stopping = False
    workers: dict[int, int] = {}

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    banner = ""
    for index in range(count):
        pid, read_end = _start(settings, serve_one)
        workers[pid] = index
        said = _banner(read_end)
        if not said:
            _, status = os.waitpid(pid, 0)
            del workers[pid]
            stop(signal.SIGTERM, None)
            _reap(workers)
            return os.waitstatus_to_exitcode(status) or 2
        banner = banner or said
    pids = ", ".join(str(pid) for pid in workers)
    print(f"{banner}\n  {'workers':<12} {count} processes on this port (pids {pids})", flush=True)  # noqa: T201
    while workers:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        if pid not in workers or stopping:
            workers.pop(pid, None)
            continue
        index = workers.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        print(f"resetkit: worker {pid} ended ({code}); starting another", file=sys.stderr, flush=True)  # noqa: T201
        time.sleep(RESTART_PAUSE)
        if not stopping:
            new_pid, read_end = _start(settings, serve_one)
            workers[new_pid] = index
            _banner(read_end)
    return 0


def _reap(workers: dict[int, int]) -> None:
    for pid in list(workers):
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        workers.pop(pid, None)
