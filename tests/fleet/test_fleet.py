"""Several `resetkit serve` processes on one Redis are one mock: what one answered, every other sees; a code is
redeemed once across the fleet; a killed process or a restarted Redis loses nothing that was answered."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
import requests

from tests.conform.conftest import run_conform

from .conftest import RedisServer, Replica, start_replica

ZITADEL_AUTH = {"Authorization": "Bearer resetkit-zitadel-dev-pat"}
PLACEWISE = {"X-Loyalty-Club-Slug": "infinity-mall"}
SEND_LINK = {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Email"}}
ROUNDS = 20
ATTEMPTS = 1000


def zitadel_user(replica: Replica) -> str:
    accounts = replica.get("/__admin/accounts", params={"vendor": "zitadel", "limit": 1}).json()["accounts"]
    return str(accounts[0]["id"])


def outbox(replica: Replica) -> list[object]:
    return list(replica.get("/__admin/outbox").json()["messages"])


def signs_in(replica: Replica, user_id: str, password: str) -> bool:
    body = {"checks": {"user": {"userId": user_id}, "password": {"password": password}}}
    return replica.post("/zitadel/v2/sessions", body, headers=ZITADEL_AUTH).status_code in (200, 201)


async def redeem_concurrently(urls: list[str], user_id: str, code: str) -> tuple[Counter[int], list[str]]:
    """ATTEMPTS redemptions of one code at once, spread over `urls`: the statuses, and each winner's new password."""
    statuses: Counter[int] = Counter()
    winners: list[str] = []
    connector = aiohttp.TCPConnector(limit=ATTEMPTS)
    async with aiohttp.ClientSession(connector=connector, headers=ZITADEL_AUTH) as session:

        async def attempt(index: int) -> None:
            password = f"Winner-{index}-Passw0rd!"
            body = {"newPassword": {"password": password}, "verificationCode": code}
            url = f"{urls[index % len(urls)]}/zitadel/v2/users/{user_id}/password"
            async with session.post(url, json=body) as response:
                await response.read()
                statuses[response.status] += 1
                if response.status == 200:
                    winners.append(password)

        await asyncio.gather(*(attempt(index) for index in range(ATTEMPTS)))
    return statuses, winners


def a_code(replica: Replica, user_id: str) -> str:
    answer = replica.post(f"/zitadel/v2/users/{user_id}/password_reset", {"returnCode": {}}, headers=ZITADEL_AUTH)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["verificationCode"])


def one_winner_each_round(fleet: list[Replica], rounds: int = ROUNDS) -> None:
    user_id = zitadel_user(fleet[0])
    urls = [replica.url for replica in fleet]
    for round_number in range(rounds):
        code = a_code(fleet[round_number % len(fleet)], user_id)
        statuses, winners = asyncio.run(redeem_concurrently(urls, user_id, code))
        assert statuses[200] == 1 and len(winners) == 1, f"round {round_number}: {dict(statuses)}"
        assert not [status for status in statuses if status >= 500], f"round {round_number}: {dict(statuses)}"
        (password,) = winners
        assert all(signs_in(replica, user_id, password) for replica in fleet), f"round {round_number}"


def test_an_account_created_through_one_replica_is_listed_by_another(replicas: Callable[..., list[Replica]]) -> None:
    first, second = replicas(2)
    body = {"vendor": "placewise", "email": "fleet@example.com", "password": "Fleet-Passw0rd!"}
    assert first.post("/__admin/accounts", body).status_code == 201
    listed = second.get("/__admin/accounts", params={"vendor": "placewise", "limit": 1000}).json()["accounts"]
    assert "fleet@example.com" in [account["email"] for account in listed]


def test_a_reset_sent_through_one_replica_is_in_another_outbox_and_live_stream(
    replicas: Callable[..., list[Replica]],
) -> None:
    first, second = replicas(2)
    heard: list[dict[str, object]] = []
    listening = threading.Event()

    def listen() -> None:
        with requests.get(f"{second.url}/__admin/outbox/stream", stream=True, timeout=20) as stream:
            listening.set()
            for line in stream.iter_lines():
                if line.startswith(b"data: "):
                    heard.append(json.loads(line[6:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(10)
    time.sleep(0.3)
    sent = first.post(
        "/placewise/v1/auth/reset_password/send", {"identifier": "demo@placewise.resetkit.example"}, headers=PLACEWISE
    )
    assert sent.status_code == 200, sent.text
    messages = second.get("/__admin/outbox", params={"vendor": "placewise"}).json()["messages"]
    assert [m["to"] for m in messages] == ["demo@placewise.resetkit.example"]
    listener.join(10)
    assert [m["id"] for m in heard] == [messages[0]["id"]]


def test_one_code_redeemed_at_once_through_three_replicas_has_one_winner(
    replicas: Callable[..., list[Replica]],
) -> None:
    one_winner_each_round(replicas(3))


def test_the_fleet_is_reset_again_and_again_through_any_replica(replicas: Callable[..., list[Replica]]) -> None:
    seeder, joiner = replicas(2)  # the first seeded the fleet; the second found it seeded
    user_id = zitadel_user(seeder)
    for replica in (seeder, joiner, joiner, seeder):
        sent = replica.post(f"/zitadel/v2/users/{user_id}/password_reset", SEND_LINK, headers=ZITADEL_AUTH)
        assert sent.status_code == 200 and outbox(seeder) and outbox(joiner)
        assert replica.post("/__admin/reset", None).status_code == 204
        assert outbox(seeder) == outbox(joiner) == []
        assert zitadel_user(joiner) == user_id


def test_an_injected_answer_is_in_every_replicas_journal_once_answered(replicas: Callable[..., list[Replica]]) -> None:
    first, second = replicas(2)
    fault = {"vendor": "zitadel", "operation": "passwordReset", "status": 503, "times": 5}
    assert first.post("/__admin/faults", fault).status_code == 201
    user_id = zitadel_user(first)
    for _ in range(5):
        injected = first.post(f"/zitadel/v2/users/{user_id}/password_reset", {"returnCode": {}}, headers=ZITADEL_AUTH)
        assert injected.status_code == 503
        (entry,) = second.get("/__admin/journal", params={"limit": 1}).json()["requests"]
        assert (entry["status"], entry["fault"]) == (503, "fault 1")


def test_an_answer_aiohttp_gives_itself_reaches_the_fleets_journal(replicas: Callable[..., list[Replica]]) -> None:
    first, second = replicas(2)
    assert first.get("/zitadel/no-such-route").status_code == 404
    deadline = time.monotonic() + 5  # saved in the background: eventually visible (ARCHITECTURE.md)
    while time.monotonic() < deadline:
        paths = [entry["path"] for entry in second.get("/__admin/journal").json()["requests"]]
        if "/zitadel/no-such-route" in paths:
            return
        time.sleep(0.05)
    raise AssertionError(f"the 404 never reached the journal: {paths}")


def test_a_customization_through_one_replica_shapes_every_replica_until_a_reset(
    replicas: Callable[..., list[Replica]],
) -> None:
    first, second = replicas(2)

    def minimum_length(replica: Replica) -> int:
        got = replica.get("/zitadel/v2/settings/password/complexity", headers=ZITADEL_AUTH)
        return int(got.json()["settings"]["minLength"])

    changed = requests.patch(
        f"{first.url}/__admin/customizations/zitadel", json={"password_min_length": 12}, timeout=10
    )
    assert changed.status_code == 200
    assert minimum_length(first) == minimum_length(second) == 12
    assert second.get("/__admin/customizations/zitadel").json()["values"]["password_min_length"] == 12
    assert second.post("/__admin/reset", None).status_code == 204
    assert minimum_length(first) == minimum_length(second) == 8


@pytest.mark.slow
def test_resetkit_conform_finds_two_workers_on_redis_conformant(redis_url: str, tmp_path: Path) -> None:
    server = start_replica("--state", redis_url, "--workers", "2")
    try:
        run = run_conform(server.url, tmp_path)
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=30)
    assert run.code == 0, f"exit {run.code}; failing: {run.failing()}\n{run.tail()}"


def test_one_code_redeemed_at_once_through_two_workers_has_one_winner(redis_url: str) -> None:
    server = start_replica("--state", redis_url, "--workers", "2")
    try:
        one_winner_each_round([server])
    finally:
        server.process.send_signal(signal.SIGTERM)
        out, err = server.process.communicate(timeout=30)
        assert server.process.returncode == 0, err


async def reset_under_load(url: str, user_id: str, connections: int, each: int) -> Counter[int]:
    """`connections` clients each resetting one user `each` times in a row through one process, as a load test does:
    every request writes the same entry."""
    statuses: Counter[int] = Counter()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=ZITADEL_AUTH) as session:

        async def client() -> None:
            for _ in range(each):
                async with session.post(f"{url}/zitadel/v2/users/{user_id}/password_reset", json=SEND_LINK) as got:
                    await got.read()
                    statuses[got.status] += 1

        await asyncio.gather(*(client() for _ in range(connections)))
    return statuses


def test_a_load_test_on_one_entry_through_one_replica_gets_no_503(replicas: Callable[..., list[Replica]]) -> None:
    (replica,) = replicas(1)
    statuses = asyncio.run(reset_under_load(replica.url, zitadel_user(replica), 32, 60))
    assert statuses == Counter({200: 32 * 60}), dict(statuses)


def test_a_load_test_on_one_entry_through_two_replicas_gets_no_503(replicas: Callable[..., list[Replica]]) -> None:
    first, second = replicas(2)
    user_id = zitadel_user(first)

    async def both() -> list[Counter[int]]:
        return await asyncio.gather(*(reset_under_load(r.url, user_id, 16, 60) for r in (first, second)))

    statuses = sum(asyncio.run(both()), Counter())
    assert statuses == Counter({200: 2 * 16 * 60}), dict(statuses)


def test_a_replica_killed_loses_nothing_it_answered(replicas: Callable[..., list[Replica]]) -> None:
    doomed, survivor = replicas(2)
    user_id = zitadel_user(doomed)
    codes = [a_code(doomed, user_id) for _ in range(20)]
    doomed.process.send_signal(signal.SIGKILL)
    doomed.process.wait(timeout=10)
    body = {"newPassword": {"password": "After-Kill-Passw0rd!"}, "verificationCode": codes[-1]}
    assert survivor.post(f"/zitadel/v2/users/{user_id}/password", body, headers=ZITADEL_AUTH).status_code == 200
    assert signs_in(survivor, user_id, "After-Kill-Passw0rd!")


def test_a_restarted_redis_costs_only_documented_503s_and_service_resumes(
    replicas: Callable[..., list[Replica]], redis_server: RedisServer
) -> None:
    fleet = replicas(2)
    statuses: Counter[int] = Counter()
    unavailable: list[object] = []  # the 503s' bodies
    unanswered: list[str] = []  # requests that got no HTTP answer at all
    stop = threading.Event()

    def load(replica: Replica) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    answer = session.post(
                        f"{replica.url}/placewise/v1/auth/reset_password/send",
                        json={"identifier": "demo@placewise.resetkit.example"},
                        headers=PLACEWISE,
                        timeout=15,
                    )
                except requests.RequestException as exc:
                    unanswered.append(repr(exc))
                    return
                statuses[answer.status_code] += 1
                if answer.status_code == 503:
                    unavailable.append(answer.json())

    workers = [threading.Thread(target=load, args=(replica,)) for replica in fleet]
    for worker in workers:
        worker.start()
    time.sleep(1)
    redis_server.stop()
    time.sleep(1.5)
    health = fleet[0].get("/__admin/health").json()
    redis_server.start()
    time.sleep(1.5)
    stop.set()
    for worker in workers:
        worker.join(30)
    assert health["status"] == "degraded" and health["state"]["reachable"] is False and health["state"]["error"]
    assert not unanswered, unanswered
    assert set(statuses) <= {200, 503}, dict(statuses)
    assert statuses[503] > 0, dict(statuses)
    # Placewise's documented Error: {"error": "..."}
    assert all(isinstance(body, dict) and isinstance(body.get("error"), str) for body in unavailable), unavailable[:3]
    resumed = fleet[1].post(
        "/placewise/v1/auth/reset_password/send", {"identifier": "demo@placewise.resetkit.example"}, headers=PLACEWISE
    )
    assert resumed.status_code == 200
    assert fleet[0].get("/__admin/health").json()["status"] == "ok"
