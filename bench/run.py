"""`make bench`: requests/s, p50 and p99 of each vendor's initiate operation, against a bare aiohttp ceiling.

The mock runs as `resetkit serve` in its own process (validating and stateful, strict mode off, rate limits off so
LeadSquared's 25-per-5-s limit does not turn the run into a 429 benchmark). Load comes from wrk when Debian's wrk
is installed, else from an aiohttp client loop in this process. Each target runs ROUNDS times; medians are shown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--state", action="store_true", help="run the mock with saved state (--state, a temp file)")
    args = parser.parse_args()
    mock_port, ceiling_port = free_port(), free_port()
    state = ["--state", str(Path(tempfile.mkdtemp()) / "state.db")] if args.state else []
    mock = subprocess.Popen(
        [sys.executable, "-m", "resetkit", "serve", "--port", str(mock_port), "--no-rate-limits", *state],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    ceiling = subprocess.Popen([sys.executable, str(ROOT / "bench" / "ceiling.py"), str(ceiling_port)])
    try:
        base, ceiling_url = f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{ceiling_port}"
        wait_for(base)
        wait_for(ceiling_url)
        time.sleep(0.5)
        import requests

        credentials = requests.get(f"{base}/__admin/credentials", timeout=5).json()
        zitadel_user = next(
            a["id"]
            for a in requests.get(f"{base}/__admin/accounts", params={"vendor": "zitadel"}, timeout=5).json()[
                "accounts"
            ]
        )
        tool = "wrk" if shutil.which("wrk") else "aiohttp client loop"
        saved = ", saved state (--state)" if args.state else ""
        rounds = f"{args.seconds:g} s x {args.rounds} rounds (medians)"
        print(f"load: {tool}, {args.connections} connections, {rounds}{saved}")
        print(f"{'target':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs ceiling':>12}")
        rows = []
        ceiling_load = loads(credentials)[3]
        runs = [
            measure(f"{ceiling_url}{ceiling_load.path}", ceiling_load, args.seconds, args.connections)
            for _ in range(args.rounds)
        ]
        ceiling_rps = statistics.median(r[0] for r in runs)
        rows.append(("ceiling (bare aiohttp)", runs))
        for load in loads(credentials):
            path = load.path.replace("{user}", zitadel_user)
            rows.append(
                (
                    load.name,
                    [measure(f"{base}{path}", load, args.seconds, args.connections) for _ in range(args.rounds)],
                )
            )
        for name, runs in rows:
            rps = statistics.median(r[0] for r in runs)
            p50 = statistics.median(r[1] for r in runs)
            p99 = statistics.median(r[2] for r in runs)
            print(f"{name:<22}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}{rps / ceiling_rps:>11.0%}")
    finally:
        for process in (mock, ceiling):
            process.terminate()
            process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
