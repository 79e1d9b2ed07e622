"""`make bench` soak: the mock's RSS after a warm-up and after many state-creating requests, per 100k requests.

The mock runs as `resetkit serve` (strict mode off, rate limits off, no gRPC) and receives, round robin, ZITADEL
CreateSession (a session without lifetime: kept until the token cap), ZITADEL PasswordReset with sendLink (a code
and an e-mail) and Placewise's reset request (a token and an e-mail), spread over the seeded accounts. The load is
an aiohttp client loop in this process. Goal: under 5 MiB of growth per 100k requests after the warm-up, and no
failed request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import requests
from run import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
TARGET_MIB_PER_100K = 5.0


def rss_mib(pid: int) -> float:
    """The process's resident set size (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def state_creating_requests(base: str) -> list[tuple[str, dict[str, str], bytes]]:
    """(url, headers, body) of each request of the mix, one per seeded account and operation."""
    credentials = requests.get(f"{base}/__admin/credentials", timeout=5).json()

    def accounts(vendor: str) -> list[dict[str, str]]:
        found = requests.get(f"{base}/__admin/accounts", params={"vendor": vendor}, timeout=5).json()["accounts"]
        return list(found)

    json_type = {"Content-Type": "application/json"}
    zitadel_auth = {**json_type, "Authorization": f"Bearer {credentials['zitadel']['access_token']}"}
    placewise_auth = {**json_type, "X-Loyalty-Club-Slug": credentials["placewise"]["loyalty_club_slug"]}
    mix: list[tuple[str, dict[str, str], bytes]] = []
    for user, member in zip(accounts("zitadel"), accounts("placewise"), strict=False):
        session = {"checks": {"user": {"userId": user["id"]}}}
        reset = {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Email"}}
        mix += [
            (f"{base}/zitadel/v2/sessions", zitadel_auth, json.dumps(session).encode()),
            (f"{base}/zitadel/v2/users/{user['id']}/password_reset", zitadel_auth, json.dumps(reset).encode()),
            (
                f"{base}/placewise/v1/auth/reset_password/send",
                placewise_auth,
                json.dumps({"identifier": member["email"]}).encode(),
            ),
        ]
    return mix


async def send(mix: list[tuple[str, dict[str, str], bytes]], count: int, connections: int) -> int:
    """Send `count` requests of the mix over `connections` connections; the number that failed (not 2xx)."""
    failed = 0
    order: Iterator[int] = iter(range(count))

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failed
        for n in order:
            url, headers, body = mix[n % len(mix)]
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    failed += response.status >= 300
            except aiohttp.ClientError:
                failed += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500_000, help="requests after the warm-up (default 500000)")
    parser.add_argument("--warmup", type=int, default=50_000, help="requests before the first measurement")
    parser.add_argument("--steps", type=int, default=5, help="RSS measurements after the warm-up (default 5)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("serve_args", nargs="*", help="more `resetkit serve` options (after --), e.g. --state F")
    args = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "resetkit", "serve", "--port", str(port), "--no-rate-limits", "--no-grpc"]
    mock = subprocess.Popen([*command, *args.serve_args], cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        time.sleep(0.5)
        mix = state_creating_requests(base)
        print(f"soak: {args.requests} requests after a {args.warmup}-request warm-up, {args.connections} connections")
        print("mix: ZITADEL CreateSession, ZITADEL PasswordReset (sendLink), Placewise reset request, round robin")
        started = time.perf_counter()
        failed = asyncio.run(send(mix, args.warmup, args.connections))
        before = rss_mib(mock.pid)
        print(f"{'after warm-up':<18}{before:>9.1f} MiB")
        step = args.requests // args.steps
        previous, done = before, 0
        for _ in range(args.steps):
            failed += asyncio.run(send(mix, step, args.connections))
            done += step
            now = rss_mib(mock.pid)
            print(f"{f'+{done:,} requests':<18}{now:>9.1f} MiB   {(now - previous) * 100_000 / step:+6.2f} MiB/100k")
            previous = now
        elapsed = time.perf_counter() - started
        growth = (previous - before) * 100_000 / done
        verdict = "met" if growth < TARGET_MIB_PER_100K and not failed else "NOT met"
        print(
            f"growth after warm-up: {growth:+.2f} MiB per 100k requests; failed requests: {failed}; "
            f"{(args.warmup + done) / elapsed:.0f} req/s; target < {TARGET_MIB_PER_100K:g} MiB/100k: {verdict}"
        )
        return 0 if verdict == "met" else 1
    finally:
        mock.terminate()
        mock.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
