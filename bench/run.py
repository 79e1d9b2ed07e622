"""`make bench`: requests/s, p50 and p99 of each vendor's initiate operation, against a bare aiohttp ceiling.

The mock runs as `resetkit serve` in its own process (validating and stateful, strict mode off, rate limits off so
LeadSquared's 25-per-5-s limit does not turn the run into a 429 benchmark): in memory, then (when Debian's
redis-server is installed) on a Redis of its own, as one process and as `--workers 2`. Load comes from wrk when
Debian's wrk is installed, else from an aiohttp client loop in this process.

Every server is started first and stays up; then each round measures the ceiling (bare aiohttp, one process, the
same event loop and JSON library) and every target back to back, so that a round's ratios compare runs that shared
the machine's load (other jobs on a shared machine swing absolute figures by tens of percent). Shown: medians over
the rounds of req/s, p50 and p99, and the median of the rounds' ratios to the ceiling and to the mock in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
DEMO = "Demo-Passw0rd!"


@dataclass(frozen=True)
class Load:
    name: str
    path: str
    headers: dict[str, str]
    body: dict[str, object]
    spread: bool = False  # `{user}` stands for each ZITADEL user in turn (else the first one only)


def loads(credentials: dict[str, dict[str, str]]) -> list[Load]:
    return [
        Load(
            "placewise",
            "/placewise/v1/auth/reset_password/send",
            {"X-Loyalty-Club-Slug": credentials["placewise"]["loyalty_club_slug"]},
            {"identifier": "demo@placewise.resetkit.example"},
        ),
        Load(
            "zitadel",
            "/zitadel/v2/users/{user}/password_reset",
            {"Authorization": f"Bearer {credentials['zitadel']['access_token']}"},
            {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Email"}},
        ),
        Load(  # the same over every seeded user: no one entry every request writes (a fleet saves each on Redis)
            "zitadel-spread",
            "/zitadel/v2/users/{user}/password_reset",
            {"Authorization": f"Bearer {credentials['zitadel']['access_token']}"},
            {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Email"}},
            spread=True,
        ),
        Load(
            "socialid",
            "/socialid/v2/marketing/login/users/reset_password/email",
            {"Authorization": f"Bearer {credentials['socialid']['login_app_token']}"},
            {"username": "john_doe"},
        ),
        Load(
            "leadsquared",
            "/leadsquared/api/Authentication/SecureForgotPassword",
            {"Authorization": credentials["leadsquared"]["public_auth_key"]},
            {"EmailAddress": "demo@leadsquared.resetkit.example"},
        ),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def client_loop(urls: list[str], load: Load, seconds: float, connections: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    data = json.dumps(load.body).encode()
    headers = {**load.headers, "Content-Type": "application/json"}
    stop = time.perf_counter() + seconds
    turns = itertools.cycle(urls)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            started = time.perf_counter()
            async with session.post(next(turns), data=data, headers=headers) as response:
                await response.read()
                if response.status >= 300:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    return len(latencies), latencies, errors


def run_wrk(urls: list[str], load: Load, seconds: float, connections: int) -> tuple[float, float, float]:
    url = urls[0]
    headers = "".join(
        f'wrk.headers["{k}"] = "{v}"\n' for k, v in {**load.headers, "Content-Type": "application/json"}.items()
    )
    turns = ""
    if len(urls) > 1:  # each request the next path, in turn
        paths = ", ".join(json.dumps("/" + u.split("/", 3)[3]) for u in urls)
        turns = f"paths = {{{paths}}}\nturn = 0\nrequest = function()\n  turn = turn % #paths + 1\n"
        turns += "  return wrk.format(nil, paths[turn])\nend\n"
    with tempfile.NamedTemporaryFile("w", prefix="resetkit-bench-", suffix=".lua") as script:  # removed on exit
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(load.body))}\n{headers}{turns}')
        script.flush()
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rps = float(next(line for line in out.splitlines() if line.startswith("Requests/sec")).split()[1])
    failed = [line for line in out.splitlines() if "Non-2xx" in line or line.strip().startswith("Socket errors")]
    if failed:
        print(f"  {load.name} at {url}: {'; '.join(line.strip() for line in failed)}", flush=True)

    def percentile(label: str) -> float:
        value = next(line for line in out.splitlines() if line.strip().startswith(label)).split()[1]
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
        unit = "".join(c for c in value if c.isalpha())
        return float(value[: -len(unit)]) * scale[unit]

    return rps, percentile("50%"), percentile("99%")


def measure(urls: list[str], load: Load, seconds: float, connections: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) for one run, the requests going to `urls` in turn."""
    if shutil.which("wrk"):
        return run_wrk(urls, load, seconds, connections)
    count, latencies, errors = asyncio.run(client_loop(urls, load, seconds, connections))
    if errors:
        raise RuntimeError(f"{load.name}: {errors} non-2xx responses during the run")
    latencies.sort()
    return count / seconds, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A redis-server of the bench's own on a free port (None when Debian's redis-server is not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="resetkit-bench-redis-") as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def mock_server(options: list[str]) -> Iterator[str]:
    port = free_port()
    mock = subprocess.Popen(
        [sys.executable, "-m", "resetkit", "serve", "--port", str(port), "--no-rate-limits", "--no-grpc", *options],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        time.sleep(1.0 if "--workers" in options else 0.5)
        yield base
    finally:
        mock.terminate()
        mock.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--state", action="store_true", help="run the mock with saved state (--state, a temp file)")
    parser.add_argument("--no-redis", action="store_true", help="only the mock in memory (or with --state)")
    parser.add_argument("--vendor", action="append", help="only these vendors' operations (repeatable)")
    args = parser.parse_args()
    ceiling_port = free_port()
    ceiling = subprocess.Popen([sys.executable, str(ROOT / "bench" / "ceiling.py"), str(ceiling_port)])
    try:
        with redis_server() as redis_url, contextlib.ExitStack() as servers:
            ceiling_url = f"http://127.0.0.1:{ceiling_port}"
            wait_for(ceiling_url)
            targets = [
                (label, servers.enter_context(mock_server(options))) for label, options in _targets(args, redis_url)
            ]
            return _run(args, ceiling_url, targets)
    finally:
        ceiling.terminate()
        ceiling.wait(timeout=10)


def _targets(args: argparse.Namespace, redis_url: str | None) -> list[tuple[str, list[str]]]:
    memory = ["--state", str(Path(tempfile.mkdtemp()) / "state.db")] if args.state else []
    targets = [("saved state (--state)" if args.state else "in memory", memory)]
    if redis_url is not None and not args.no_redis:
        # Two fleets on one redis-server, each in a database of its own (the change log is a stream, per database).
        single, workers = redis_url, redis_url.rsplit("/", 1)[0] + "/1"
        targets += [("redis", ["--state", single]), ("redis, --workers 2", ["--state", workers, "--workers", "2"])]
    return targets


def _run(args: argparse.Namespace, ceiling_url: str, targets: list[tuple[str, str]]) -> int:
    import requests

    credentials = requests.get(f"{targets[0][1]}/__admin/credentials", timeout=5).json()
    chosen = [load for load in loads(credentials) if not args.vendor or load.name in args.vendor]
    ceiling_load = next(load for load in loads(credentials) if load.name == "leadsquared")
    users = {
        base: [
            a["id"]
            for a in requests.get(
                f"{base}/__admin/accounts", params={"vendor": "zitadel", "limit": 1000}, timeout=5
            ).json()["accounts"]
        ]
        for _, base in targets
    }
    tool = "wrk" if shutil.which("wrk") else "aiohttp client loop"
    print(
        f"load: {tool}, {args.connections} connections, {args.seconds:g} s x {args.rounds} rounds, each round the "
        f"ceiling and every target back to back (medians); {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the start; both sides on asyncio's loop, reading JSON with the json module"
    )
    runs: dict[tuple[str, str], list[Run]] = {}
    for _ in range(args.rounds):
        for load in chosen:  # the ceiling again before each operation's targets: each ratio compares neighbours
            ceiling_run = measure([f"{ceiling_url}{ceiling_load.path}"], ceiling_load, args.seconds, args.connections)
            runs.setdefault((load.name, CEILING), []).append(ceiling_run)
            for label, base in targets:
                ids = users[base] if load.spread else users[base][:1]
                urls = (
                    [f"{base}{load.path.replace('{user}', user)}" for user in ids]
                    if "{user}" in load.path
                    else [base + load.path]
                )
                runs.setdefault((load.name, label), []).append(measure(urls, load, args.seconds, args.connections))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{'target':<40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs ceiling':>12}{'vs memory':>11}")
    for load in chosen:
        ceiling, memory = runs[(load.name, CEILING)], runs[(load.name, targets[0][0])]
        for label in [CEILING, *(label for label, _ in targets)]:
            show(f"{load.name} ({label})", runs[(load.name, label)], ceiling, memory)
    return 0


Run = tuple[float, float, float]  # req/s, p50 ms, p99 ms
CEILING = "ceiling: bare aiohttp"


def show(name: str, runs: list[Run], ceiling: list[Run], memory: list[Run]) -> None:
    """Medians over the rounds; each ratio is taken within a round (runs back to back), then its median."""
    rps = statistics.median(r[0] for r in runs)
    p50 = statistics.median(r[1] for r in runs)
    p99 = statistics.median(r[2] for r in runs)
    vs_ceiling = statistics.median(r[0] / c[0] for r, c in zip(runs, ceiling, strict=True))
    vs_memory = statistics.median(r[0] / m[0] for r, m in zip(runs, memory, strict=True))
    rounds = " ".join(f"{r[0]:.0f}" for r in runs)
    print(f"{name:<40}{rps:>9.0f}{p50:>9.2f}{p99:>9.2f}{vs_ceiling:>11.0%}{vs_memory:>10.2f}x   [{rounds}]", flush=True)


if __name__ == "__main__":
    sys.exit(main())
