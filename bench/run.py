"""`make bench`: requests/s, p50 and p99 of each vendor's initiate operation, against a bare aiohttp ceiling.

The mock runs as `resetkit serve` in its own process (validating and stateful, strict mode off, rate limits off so
LeadSquared's 25-per-5-s limit does not turn the run into a 429 benchmark): in memory, then (when Debian's
redis-server is installed) on a Redis of its own, as one process and as `--workers 2`. Load comes from wrk when
Debian's wrk is installed, else from an aiohttp client loop in this process. Each target runs ROUNDS times; medians
are shown, with the ratio to the ceiling (bare aiohttp, one process, the same event loop and JSON library).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


async def client_loop(url: str, load: Load, seconds: float, connections: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    data = json.dumps(load.body).encode()
    headers = {**load.headers, "Content-Type": "application/json"}
    stop = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            started = time.perf_counter()
            async with session.post(url, data=data, headers=headers) as response:
                await response.read()
                if response.status >= 300:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    return len(latencies), latencies, errors


def run_wrk(url: str, load: Load, seconds: float, connections: int) -> tuple[float, float, float]:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    headers = "".join(
        f'wrk.headers["{k}"] = "{v}"\n' for k, v in {**load.headers, "Content-Type": "application/json"}.items()
    )
    script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(load.body))}\n{headers}')
    script.close()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(next(line for line in out.splitlines() if line.startswith("Requests/sec")).split()[1])

    def percentile(label: str) -> float:
        value = next(line for line in out.splitlines() if line.strip().startswith(label)).split()[1]
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
        unit = "".join(c for c in value if c.isalpha())
        return float(value[: -len(unit)]) * scale[unit]

    return rps, percentile("50%"), percentile("99%")


def measure(url: str, load: Load, seconds: float, connections: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) for one run."""
    if shutil.which("wrk"):
        return run_wrk(url, load, seconds, connections)
    count, latencies, errors = asyncio.run(client_loop(url, load, seconds, connections))
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
        with redis_server() as redis_url:
            return _run(args, f"http://127.0.0.1:{ceiling_port}", None if args.no_redis else redis_url)
    finally:
        ceiling.terminate()
        ceiling.wait(timeout=10)


def _run(args: argparse.Namespace, ceiling_url: str, redis_url: str | None) -> int:
    import requests

    wait_for(ceiling_url)
    memory = ["--state", str(Path(tempfile.mkdtemp()) / "state.db")] if args.state else []
    targets = [("saved state (--state)" if args.state else "in memory", memory)]
    if redis_url is not None:
        targets += [("redis", ["--state", redis_url]), ("redis, --workers 2", ["--state", redis_url, "--workers", "2"])]
    tool = "wrk" if shutil.which("wrk") else "aiohttp client loop"
    print(
        f"load: {tool}, {args.connections} connections, {args.seconds:g} s x {args.rounds} rounds (medians); "
        f"{os.cpu_count()} cores; both sides on asyncio's loop and the json module"
    )
    print(f"{'target':<36}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs ceiling':>12}")
    ceiling_rps = 0.0
    for label, options in targets:
        if redis_url is not None and options and options[0] == "--state" and options[1] == redis_url:
            flush(redis_url)
        with mock_server(options) as base:
            credentials = requests.get(f"{base}/__admin/credentials", timeout=5).json()
            zitadel_user = next(
                a["id"]
                for a in requests.get(f"{base}/__admin/accounts", params={"vendor": "zitadel"}, timeout=5).json()[
                    "accounts"
                ]
            )
            if not ceiling_rps:
                ceiling_load = loads(credentials)[3]
                runs = [
                    measure(f"{ceiling_url}{ceiling_load.path}", ceiling_load, args.seconds, args.connections)
                    for _ in range(args.rounds)
                ]
                ceiling_rps = statistics.median(r[0] for r in runs)
                show("ceiling (bare aiohttp, 1 process)", runs, ceiling_rps)
            for load in loads(credentials):
                if args.vendor and load.name not in args.vendor:
                    continue
                path = load.path.replace("{user}", zitadel_user)
                runs = [measure(f"{base}{path}", load, args.seconds, args.connections) for _ in range(args.rounds)]
                show(f"{load.name} ({label})", runs, ceiling_rps)
    return 0


def show(name: str, runs: list[tuple[float, float, float]], ceiling_rps: float) -> None:
    rps = statistics.median(r[0] for r in runs)
    p50 = statistics.median(r[1] for r in runs)
    p99 = statistics.median(r[2] for r in runs)
    print(f"{name:<36}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}{rps / ceiling_rps:>11.0%}", flush=True)


def flush(redis_url: str) -> None:
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
        sock.recv(64)


if __name__ == "__main__":
    sys.exit(main())
