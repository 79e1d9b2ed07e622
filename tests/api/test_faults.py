"""Faults injected on purpose: `/__admin/faults` (status, delay, drop, times, probability) and `Prefer` headers."""

from __future__ import annotations

import random
import time
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.openapi.validation import response_problems
from tests.fixtures.app import MockFactory

from .calls import INITIATE, VENDORS, initiate, new_account, prepared_initiate


async def add_fault(client: TestClient, **fault: Any) -> dict[str, Any]:
    response = await client.post("/__admin/faults", json=fault)
    assert response.status == 201, await response.text()
    result: dict[str, Any] = await response.json()
    return result


async def statuses(client: TestClient, vendor: str, account: dict[str, Any], count: int) -> list[int]:
    return [(await initiate(client, vendor, account)).status for _ in range(count)]


# Each vendor's own error shape ---------------------------------------------------------------------------------
SHAPES = {
    "placewise": lambda body: set(body) == {"error"},
    "zitadel": lambda body: body["code"] == 14 and "message" in body,  # gRPC Unavailable, the gateway's 503
    "socialid": lambda body: set(body) == {"error", "error_description"} and body["error"] == "service_unavailable",
    "leadsquared": lambda body: body["Status"] == "Error" and {"ExceptionType", "ExceptionMessage"} <= set(body),
}


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_status_fault_answers_in_the_vendors_error_shape(client: TestClient, env: Env, vendor: str) -> None:
    account = await new_account(client, vendor)
    await add_fault(client, vendor=vendor, operation=INITIATE[vendor].operation, status=503)
    response = await initiate(client, vendor, account)
    assert response.status == 503
    assert SHAPES[vendor](await response.json())
    assert env.outbox.find(to=account["email"]) == []  # the operation did not run


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_documented_status_fault_conforms_to_the_operations_spec(
    client: TestClient, env: Env, vendor: str
) -> None:
    operation = env.specs[vendor].operations[INITIATE[vendor].operation]
    status = next(int(s) for s in operation.responses if s[0] == "4" and s.isdigit() and s not in ("401",))
    await add_fault(client, vendor=vendor, operation=operation.operation_id, status=status)
    response = await initiate(client, vendor, await new_account(client, vendor))
    body = await response.json()
    assert response.status == status
    assert response_problems(operation, status, response.headers["Content-Type"], body, response.headers) == []


async def test_a_connect_fault_answers_in_connects_error_shape(client: TestClient) -> None:
    account = await new_account(client, "zitadel")
    await add_fault(client, vendor="zitadel", operation="connectGetUserById", status=404)
    response = await client.post(
        "/zitadel/zitadel.user.v2.UserService/GetUserByID",
        json={"userId": account["id"]},
        headers=prepared_initiate("zitadel", account).headers,
    )
    assert response.status == 404 and (await response.json())["code"] == "not_found"


async def test_a_429_fault_carries_retry_after(client: TestClient) -> None:
    account = await new_account(client, "placewise")
    await add_fault(client, vendor="placewise", status=429, retry_after=30)
    response = await initiate(client, "placewise", account)
    assert response.status == 429 and response.headers["Retry-After"] == "30"


async def test_an_undocumented_status_is_not_a_strict_mode_violation(client: TestClient, env: Env) -> None:
    fault = await add_fault(client, vendor="placewise", operation=INITIATE["placewise"].operation, status=502)
    assert fault["documented"] is False
    assert (await initiate(client, "placewise", await new_account(client, "placewise"))).status == 502
    assert env.violations == []


# Fields ----------------------------------------------------------------------------------------------------------
async def test_a_fault_without_operation_covers_every_operation_of_the_vendor(client: TestClient) -> None:
    await add_fault(client, vendor="leadsquared", status=500)
    assert (await initiate(client, "leadsquared", await new_account(client, "leadsquared"))).status == 500
    assert (await client.get("/leadsquared/api/Access/PublicToken")).status == 500
    assert (await initiate(client, "placewise", await new_account(client, "placewise"))).status == 200


async def test_a_fault_applies_only_to_its_operation(client: TestClient) -> None:
    await add_fault(client, vendor="leadsquared", operation="signIn", status=500)
    assert (await initiate(client, "leadsquared", await new_account(client, "leadsquared"))).status == 200


async def test_delay_ms_slows_the_operation_which_then_answers_normally(client: TestClient, env: Env) -> None:
    account = await new_account(client, "socialid")
    await add_fault(client, vendor="socialid", operation="sendResetPasswordEmail", delay_ms=250)
    started = time.monotonic()
    response = await initiate(client, "socialid", account)
    assert time.monotonic() - started >= 0.25
    assert response.status == 201 and env.outbox.find(to=account["email"])


async def test_delay_and_status_combine(client: TestClient) -> None:
    await add_fault(client, vendor="placewise", status=502, delay_ms=150)
    started = time.monotonic()
    response = await initiate(client, "placewise", await new_account(client, "placewise"))
    assert response.status == 502 and time.monotonic() - started >= 0.15


async def test_drop_connection_closes_it_without_an_answer(client: TestClient, env: Env) -> None:
    account = await new_account(client, "leadsquared")
    await add_fault(client, vendor="leadsquared", operation="forgotPassword", drop_connection=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await initiate(client, "leadsquared", account)
    entry = (await (await client.get("/__admin/journal", params={"limit": 1})).json())["requests"][0]
    assert entry["status"] == 444 and entry["fault"] == "fault 1"
    assert env.outbox.find(to=account["email"]) == []


async def test_times_limits_how_often_a_fault_applies(client: TestClient) -> None:
    account = await new_account(client, "zitadel")
    await add_fault(client, vendor="zitadel", operation="passwordReset", status=503, times=2)
    assert await statuses(client, "zitadel", account, 3) == [503, 503, 200]
    [listed] = (await (await client.get("/__admin/faults")).json())["faults"]
    assert listed["times"] == 2 and listed["remaining"] == 0 and listed["applied"] == 2


async def test_without_times_a_fault_never_runs_out(client: TestClient) -> None:
    account = await new_account(client, "placewise")
    await add_fault(client, vendor="placewise", status=500)
    assert await statuses(client, "placewise", account, 5) == [500] * 5
    [listed] = (await (await client.get("/__admin/faults")).json())["faults"]
    assert listed["times"] is None and listed["remaining"] is None


async def test_probability_follows_the_seeded_generator(make_mock: MockFactory) -> None:
    client, env = await make_mock(seed=42)
    account = await new_account(client, "placewise")
    await add_fault(client, vendor="placewise", status=503, probability=0.5)
    seen = await statuses(client, "placewise", account, 30)
    draws = random.Random("42:1")  # the server's --seed and the fault's id
    assert seen == [503 if draws.random() < 0.5 else 200 for _ in range(30)]
    assert 0 < seen.count(503) < 30


async def test_the_same_seed_injects_the_same_faults_again(make_mock: MockFactory) -> None:
    runs = []
    for _ in range(2):
        client, _env = await make_mock(seed=3)
        account = await new_account(client, "socialid")
        await add_fault(client, vendor="socialid", status=500, probability=0.3)
        runs.append(await statuses(client, "socialid", account, 20))
    assert runs[0] == runs[1]


async def test_probability_and_times_count_only_applied_faults(client: TestClient) -> None:
    account = await new_account(client, "placewise")
    await add_fault(client, vendor="placewise", status=503, probability=0.5, times=3)
    assert (await statuses(client, "placewise", account, 40)).count(503) == 3


async def test_the_newest_matching_fault_wins(client: TestClient) -> None:
    await add_fault(client, vendor="placewise", status=500)
    await add_fault(client, vendor="placewise", operation=INITIATE["placewise"].operation, status=429, times=1)
    account = await new_account(client, "placewise")
    assert await statuses(client, "placewise", account, 2) == [429, 500]


# Listing, removing, validation -------------------------------------------------------------------------------------
async def test_faults_are_listed_and_cleared(client: TestClient) -> None:
    first = await add_fault(client, vendor="placewise", status=500)
    await add_fault(client, vendor="zitadel", delay_ms=10)
    listed = (await (await client.get("/__admin/faults")).json())["faults"]
    assert [f["id"] for f in listed] == [first["id"], "2"]
    assert (await client.delete("/__admin/faults")).status == 204
    assert (await (await client.get("/__admin/faults")).json())["faults"] == []
    assert (await initiate(client, "placewise", await new_account(client, "placewise"))).status == 200


async def test_one_fault_is_deleted_by_id(client: TestClient) -> None:
    fault = await add_fault(client, vendor="placewise", status=500)
    assert (await client.delete(f"/__admin/faults/{fault['id']}")).status == 204
    assert (await client.delete(f"/__admin/faults/{fault['id']}")).status == 404
    assert (await (await client.get("/__admin/faults")).json())["faults"] == []


async def test_reset_clears_the_faults(client: TestClient) -> None:
    await add_fault(client, vendor="placewise", status=500)
    assert (await client.post("/__admin/reset")).status == 204
    assert (await (await client.get("/__admin/faults")).json())["faults"] == []


async def test_an_unknown_operation_is_a_400_naming_it(client: TestClient) -> None:
    response = await client.post("/__admin/faults", json={"vendor": "placewise", "operation": "nope", "status": 500})
    assert response.status == 400
    message = (await response.json())["error"]
    assert "nope" in message and "sendResetPasswordMessage" in message


async def test_an_unknown_vendor_is_a_400(client: TestClient) -> None:
    response = await client.post("/__admin/faults", json={"vendor": "acme", "status": 500})
    assert response.status == 400 and "acme" in (await response.json())["error"]


async def test_a_vendor_this_server_does_not_run_is_a_404(make_mock: MockFactory) -> None:
    client, _env = await make_mock(vendors=("zitadel",))
    response = await client.post("/__admin/faults", json={"vendor": "placewise", "status": 500})
    assert response.status == 404 and "placewise" in (await response.json())["error"]


@pytest.mark.parametrize(
    "fault",
    [
        {"vendor": "placewise"},
        {"vendor": "placewise", "drop_connection": False},
        {"vendor": "placewise", "status": 200},
        {"vendor": "placewise", "status": 500, "probability": 1.5},
        {"vendor": "placewise", "status": 500, "times": 0},
        {"vendor": "placewise", "status": 500, "colour": "red"},
    ],
    ids=["nothing", "drop-false", "status-200", "probability-1.5", "times-0", "unknown-field"],
)
async def test_a_fault_that_injects_nothing_or_is_malformed_is_a_400(client: TestClient, fault: dict[str, Any]) -> None:
    assert (await client.post("/__admin/faults", json=fault)).status == 400


# Prefer ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", VENDORS)
async def test_prefer_code_answers_that_status_in_the_vendors_shape(client: TestClient, env: Env, vendor: str) -> None:
    account = await new_account(client, vendor)
    response = await initiate(client, vendor, account, {"Prefer": "code=503"})
    assert response.status == 503 and SHAPES[vendor](await response.json())
    assert env.outbox.find(to=account["email"]) == []


async def test_prefer_delay_slows_a_normal_answer(client: TestClient) -> None:
    account = await new_account(client, "leadsquared")
    started = time.monotonic()
    response = await initiate(client, "leadsquared", account, {"Prefer": "delay=200"})
    assert response.status == 200 and time.monotonic() - started >= 0.2


async def test_prefer_code_and_delay_combine(client: TestClient) -> None:
    account = await new_account(client, "placewise")
    started = time.monotonic()
    response = await initiate(client, "placewise", account, {"Prefer": "code=429, delay=150"})
    assert response.status == 429 and response.headers["Retry-After"] == "1"
    assert time.monotonic() - started >= 0.15


@pytest.mark.parametrize("prefer", ["return=minimal", "code=200", "code=abc", "respond-async"])
async def test_preferences_the_mock_does_not_know_are_ignored(client: TestClient, prefer: str) -> None:
    response = await initiate(client, "placewise", await new_account(client, "placewise"), {"Prefer": prefer})
    assert response.status == 200


async def test_prefer_wins_over_a_fault_which_is_not_used_up(client: TestClient) -> None:
    fault = await add_fault(client, vendor="placewise", status=500, times=1)
    account = await new_account(client, "placewise")
    assert (await initiate(client, "placewise", account, {"Prefer": "code=418"})).status == 418
    assert (await initiate(client, "placewise", account)).status == 500
    assert fault["id"] == "1"


async def test_prefer_does_not_apply_to_the_admin_api(client: TestClient) -> None:
    assert (await client.get("/__admin/credentials", headers={"Prefer": "code=503"})).status == 200


async def test_an_injected_answer_is_named_in_the_journal(client: TestClient) -> None:
    await initiate(client, "placewise", await new_account(client, "placewise"), {"Prefer": "code=503"})
    entry = (await (await client.get("/__admin/journal", params={"limit": 1})).json())["requests"][0]
    assert entry["status"] == 503 and entry["fault"] == "prefer"
