"""`python bench/decode.py`: the request-body JSON decoder with limits (`resetkit.jsonlimits`) against plain
`json.loads`, on the bodies the vendors usually receive, in CPU time of a tight loop (best and median of 15 rounds).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from resetkit.jsonlimits import decode_json

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


def per_body_us(decode: Callable[[str], Any], loops: int = 20_000, rounds: int = 15) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(loops):
            for body in BODIES:
                decode(body)
        times.append((time.process_time() - started) / loops / len(BODIES) * 1e6)
    return min(times), statistics.median(times)


def main() -> None:
    for name, decode in (("json.loads", json.loads), ("decode_json", decode_json)):
        best, median = per_body_us(decode)
        print(f"{name:12} best {best:.2f} us  median {median:.2f} us per body")


if __name__ == "__main__":
    main()
