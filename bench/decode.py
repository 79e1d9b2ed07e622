"""`python bench/decode.py`: the request-body JSON decoder with limits (`resetkit.jsonlimits`) against plain
`json.loads`, alone and inside request validation, in CPU time of a tight loop (best and median of 15 rounds).

wrk on a shared machine swings by tens of percent; this resolves the fraction of a microsecond the decoder could
add to each request. The validation figures run `validate_request` on each vendor's `make bench` request, once
with the decoder the pipeline uses and once with `json.loads` swapped in.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from resetkit.jsonlimits import decode_json
from resetkit.openapi import validation
from resetkit.openapi.spec import load_spec
from resetkit.openapi.validation import RawRequest, validate_request

BODIES = [
    json.dumps(body)
    for body in (
        {"identifier": "demo@placewise.resetkit.example"},
        {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Email"}},
        {"username": "john_doe"},
        {"EmailAddress": "demo@leadsquared.resetkit.example"},
        {"checks": {"user": {"userId": "310000000000000002"}, "password": {"password": "Demo-Passw0rd!"}}},
        {"grant_type": "password", "identifier": "a@b.c", "password": "x", "lifetime": 3600},
    )
]
# (vendor, operationId, path parameters, headers, body): the requests `make bench` sends
REQUESTS = [
    ("placewise", "sendResetPasswordMessage", {}, {"x-loyalty-club-slug": "infinity-mall"}, BODIES[0]),
    ("zitadel", "passwordReset", {"userId": "310000000000000002"}, {}, BODIES[1]),
    ("socialid", "sendResetPasswordEmail", {}, {}, BODIES[2]),
    ("leadsquared", "forgotPassword", {}, {}, BODIES[3]),
]


def per_call_us(run: Callable[[], Any], calls: int, loops: int = 5_000, rounds: int = 15) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(loops):
            run()
        times.append((time.process_time() - started) / loops / calls * 1e6)
    return min(times), statistics.median(times)


def main() -> None:
    for name, decode in (("json.loads", json.loads), ("decode_json", decode_json)):

        def decode_all(decode: Callable[[str], Any] = decode) -> None:
            for body in BODIES:
                decode(body)

        best, median = per_call_us(decode_all, len(BODIES))
        print(f"decode      {name:12} best {best:5.2f} us  median {median:5.2f} us per body")
    raws = [
        (load_spec(vendor).operations[op], RawRequest(path, {}, headers, "application/json", body.encode()))
        for vendor, op, path, headers, body in REQUESTS
    ]

    def validate_all() -> None:
        for operation, raw in raws:
            validate_request(operation, raw)

    for name, decode in (("json.loads", json.loads), ("decode_json", decode_json)):
        validation.decode_json = decode  # type: ignore[attr-defined]
        best, median = per_call_us(validate_all, len(raws))
        print(f"validation  {name:12} best {best:5.2f} us  median {median:5.2f} us per request")
    validation.decode_json = decode_json  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
