"""`python bench/pipeline.py [--state]`: CPU time of one request through `dispatch` (auth, validation, handler,
store, outbox; with `--state`, the SQLite commit too), per vendor's initiate operation, best and median of rounds.

Like bench/overhead.py, CPU time of a tight in-process loop is stable on a shared machine where wrk is not; it
leaves out aiohttp's HTTP parsing and writing, which the mock's state does not change.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from multidict import CIMultiDict, MultiDict

from resetkit.env import create_env
from resetkit.openapi.validation import RawRequest
from resetkit.pipeline import Pipeline
from resetkit.settings import Settings

# (vendor, operationId, path parameters, body): each creates a pending reset and sends a message.
CALLS = [
    ("placewise", "sendResetPasswordMessage", {}, {"identifier": "demo@placewise.resetkit.example"}),
    ("zitadel", "passwordReset", {"userId": "310000000000000002"}, {"sendLink": {}}),
    ("socialid", "sendResetPasswordEmail", {}, {"username": "john_doe"}),
    ("leadsquared", "forgotPassword", {}, {"EmailAddress": "demo@leadsquared.resetkit.example"}),
]
HEADERS = {
    "placewise": {"X-Loyalty-Club-Slug": "infinity-mall"},
    "zitadel": {"Authorization": "Bearer {access_token}"},
    "socialid": {"Authorization": "Bearer {login_app_token}"},
    "leadsquared": {"Authorization": "{public_auth_key}"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state", action="store_true", help="saved state in a temporary SQLite file")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    state = str(Path(tempfile.mkdtemp()) / "state.db") if args.state else None
    saved = {"state_file": state} if state else {}  # a dict, so that this also runs against code without state_file
    env = create_env(Settings(rate_limits=False, accounts=100, **saved))
    kind = "--state" if state else "memory"
    print(f"us per request through dispatch, {args.calls} calls x {args.rounds} rounds ({kind})")
    for vendor_name, operation_id, path, body in CALLS:
        vendor, spec = env.vendors[vendor_name], env.specs[vendor_name]
        operation = spec.operations[operation_id]
        pipeline = Pipeline(env, vendor, spec)
        credentials = vendor.credentials()
        headers = CIMultiDict({k: v.format(**credentials) for k, v in HEADERS[vendor_name].items()})
        headers["Content-Type"] = "application/json"
        raw = RawRequest(path, MultiDict(), headers, "application/json", json.dumps(body).encode())
        cpu, wall = [], []
        for _ in range(args.rounds):
            started, started_wall = time.process_time(), time.perf_counter()
            for _ in range(args.calls):
                reply = pipeline.dispatch(operation, raw, operation.path)
            cpu.append((time.process_time() - started) / args.calls * 1e6)
            wall.append((time.perf_counter() - started_wall) / args.calls * 1e6)
            assert reply.status < 300, (vendor_name, reply.status, reply.body)
        print(
            f"  {vendor_name:<12} CPU best {min(cpu):7.1f}  median {statistics.median(cpu):7.1f}"
            f"   wall median {statistics.median(wall):7.1f}"
        )


if __name__ == "__main__":
    main()
