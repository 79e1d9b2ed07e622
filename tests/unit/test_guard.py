"""The guard's decisions, without a server: which Host values reach the mock, which pages may change its state, and
what opens the admin API when it has a token."""

from __future__ import annotations

import base64

import pytest

from resetkit.guard import Guard, cookie_name, cookie_value, host_name, is_loopback_origin, login_cookie
from resetkit.openapi.spec import load_spec
from resetkit.settings import Settings

TOKEN = "t0ken-for-the-tests"


def host_denied(guard: Guard, host: str, path: str = "/placewise/v1/auth/reset_password/send") -> bool:
    denial = guard.check("POST", path, {"Host": host}, {})
    return denial is not None and denial.status == 403


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("LOCALHOST:8080", "localhost"),
        ("[::1]:9", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("example.com.:80", "example.com"),
    ],
)
def test_host_name_drops_port_brackets_case_and_the_final_dot(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize(
    "host", ["localhost:8080", "127.0.0.1:8080", "127.9.9.9", "[::1]:8080", "app.localhost:3000", "[::ffff:127.0.0.1]"]
)
def test_on_loopback_every_loopback_name_and_address_is_accepted(host: str) -> None:
    assert not host_denied(Guard(Settings()), host)


@pytest.mark.parametrize(
    "host", ["attacker.rebind.example", "evil.example:8080", "localhost.evil.example", "10.0.0.8:8080", "0.0.0.0:8080"]
)
def test_on_loopback_any_other_host_is_refused_on_vendor_and_admin_routes(host: str) -> None:
    guard = Guard(Settings())
    assert host_denied(guard, host) and host_denied(guard, host, "/__admin/health")


def test_the_public_url_host_is_accepted() -> None:
    guard = Guard(Settings(public_url="https://mock.dev.example/prefix"))
    assert not host_denied(guard, "mock.dev.example") and host_denied(guard, "other.dev.example")


def test_an_allowed_host_is_accepted_and_a_leading_dot_takes_its_subdomains() -> None:
    guard = Guard(Settings(allowed_hosts=("devbox.lan", ".tunnel.example")))
    assert not host_denied(guard, "devbox.lan:8080")
    assert not host_denied(guard, "tunnel.example") and not host_denied(guard, "abc.tunnel.example")
    assert host_denied(guard, "devbox.lan.evil.example") and host_denied(guard, "eviltunnel.example")


def test_a_star_turns_the_host_check_off() -> None:
    assert not host_denied(Guard(Settings(allowed_hosts=("*",))), "attacker.rebind.example")


def test_off_loopback_the_host_is_not_checked_unless_hosts_are_listed() -> None:
    assert not host_denied(Guard(Settings(host="0.0.0.0")), "resetkit:8080")  # a compose service name
    listed = Guard(Settings(host="0.0.0.0", allowed_hosts=("devbox.lan",)))
    assert host_denied(listed, "attacker.rebind.example")
    assert not host_denied(listed, "192.168.1.20:8080")  # an address in the URL bar cannot be a rebound name


def test_a_request_without_host_is_not_refused() -> None:
    assert Guard(Settings()).check("GET", "/__admin/outbox", {}, {}) is None


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "https://localhost", "http://127.0.0.1:5173", "http://[::1]:8080"]
)
def test_loopback_origins_are_loopback(origin: str) -> None:
    assert is_loopback_origin(origin)


@pytest.mark.parametrize(
    "origin", ["null", "https://evil.example", "http://localhost.evil.example", "file://", "http://localhost:3000/x"]
)
def test_other_origins_are_not_loopback(origin: str) -> None:
    assert not is_loopback_origin(origin)


def change(guard: Guard, headers: dict[str, str], method: str = "POST") -> int | None:
    denial = guard.check(method, "/__admin/reset", {"Host": "127.0.0.1:8080", **headers}, {})
    return denial.status if denial is not None else None


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_foreign_page_may_not_change_state(method: str) -> None:
    guard = Guard(Settings())
    assert change(guard, {"Origin": "https://evil.example"}, method) == 403
    assert change(guard, {"Origin": "null"}, method) == 403
    assert change(guard, {"Sec-Fetch-Site": "cross-site"}, method) == 403


def test_loopback_pages_the_mock_itself_and_clients_without_origin_may_change_state() -> None:
    guard = Guard(Settings())
    assert change(guard, {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "cross-site"}) is None
    assert change(guard, {"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}) is None
    assert change(guard, {}) is None  # curl, scripts, CI


def test_a_cors_origin_may_change_state() -> None:
    assert change(Guard(Settings(cors_origins=("https://app.example",))), {"Origin": "https://app.example"}) is None


def test_null_never_opens_the_admin_api_even_as_a_cors_origin() -> None:
    assert change(Guard(Settings(cors_origins=("null",))), {"Origin": "null"}) == 403


def test_the_mocks_own_pages_under_another_name_may_change_state() -> None:
    guard = Guard(Settings(host="0.0.0.0"))
    headers = {"Host": "devbox.lan:8080", "Origin": "http://devbox.lan:8080"}
    assert guard.check("DELETE", "/__admin/outbox", headers, {}) is None


def test_foreign_pages_may_still_read_vendor_routes_and_preflight() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    evil = {"Host": "127.0.0.1:8080", "Origin": "https://evil.example"}
    assert guard.check("POST", "/leadsquared/api/Authentication/SecureForgotPassword", evil, {}) is None
    assert guard.check("OPTIONS", "/__admin/reset", evil, {}) is None  # the CORS rule answers it, not the guard


def admin(guard: Guard, headers: dict[str, str], path: str = "/__admin/outbox", **query: str) -> int | None:
    denial = guard.check("GET", path, {"Host": "127.0.0.1:8080", **headers}, query)
    return denial.status if denial is not None else None


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_without_a_token_the_admin_api_is_open() -> None:
    assert admin(Guard(Settings()), {}) is None


def test_with_a_token_the_admin_api_needs_it() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    assert admin(guard, {}) == 401
    assert admin(guard, {"Authorization": "Bearer wrong"}) == 401
    assert admin(guard, {"Authorization": f"Bearer {TOKEN}"}) is None
    assert admin(guard, {"Authorization": f"bearer  {TOKEN} "}) is None


def test_http_basic_with_the_token_as_password_opens_it_whatever_the_user() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    assert admin(guard, {"Authorization": basic("mailpit", TOKEN)}) is None
    assert admin(guard, {"Authorization": basic("", TOKEN)}) is None
    assert admin(guard, {"Authorization": basic(TOKEN, "x")}) == 401
    assert admin(guard, {"Authorization": "Basic not-base64!"}) == 401


def test_the_inbox_cookie_opens_it_and_is_not_the_token() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    name, value = cookie_name(TOKEN), cookie_value(TOKEN)
    assert TOKEN not in name + value
    assert admin(guard, {"Cookie": f"theme=dark; {name}={value}"}) is None
    assert admin(guard, {"Cookie": f"{name}={cookie_value('another token')}"}) == 401
    assert admin(guard, {"Cookie": f"{cookie_name('another token')}={value}"}) == 401


def test_the_login_cookie_is_httponly_strict_and_secure_only_over_https() -> None:
    cookie = login_cookie(TOKEN, secure=False)
    assert cookie.startswith(f"{cookie_name(TOKEN)}={cookie_value(TOKEN)};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie and "Path" not in cookie
    assert login_cookie(TOKEN, secure=True).endswith("; Secure")


def test_the_inbox_link_token_is_checked_only_on_the_inbox() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    assert admin(guard, {}, "/__admin/inbox", token=TOKEN) is None
    assert admin(guard, {}, "/__admin/inbox", token="wrong") == 401
    assert admin(guard, {}, "/__admin/outbox", token=TOKEN) == 401


def test_health_and_the_hosted_reset_pages_stay_open() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    assert admin(guard, {}, "/__admin/health") is None
    assert admin(guard, {}, "/__admin/reset-page/zitadel") is None
    assert guard.check("POST", "/__admin/health", {}, {}) is not None  # open means GET, nothing else


def test_the_open_operations_are_the_ones_whose_spec_documents_no_401() -> None:
    guard = Guard(Settings(admin_token=TOKEN))
    spec = load_spec("admin")
    for operation in spec:
        path = "/__admin" + operation.path.replace("{vendor}", "zitadel").replace("{accountId}", "1")
        path = path.replace("{faultId}", "1")
        opened = guard.check(operation.method, path, {}, {}) is None
        assert opened == ("401" not in operation.responses), operation.operation_id


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:3000.evil.example", "http://[::1].evil.example", "http://localhost@evil.example",
     "http://localhost:3000 evil", "http://127.0.0.1:8080/"],
)  # fmt: skip
def test_an_origin_that_only_starts_like_a_loopback_one_is_not_one(origin: str) -> None:
    assert not is_loopback_origin(origin)


@pytest.mark.parametrize(
    "path", ["/__admin/reset-page/", "/__admin/reset-page/../outbox", "/__admin/reset-page/x/../../outbox"]
)
def test_only_one_segment_below_the_reset_pages_is_open(path: str) -> None:
    assert admin(Guard(Settings(admin_token=TOKEN)), {}, path) == 401


@pytest.mark.parametrize(
    "authorization", ["Bearer \udcff\udcfe", "Basic " + base64.b64encode("x:\xff".encode("latin-1")).decode(), "Bearer"]
)
def test_an_undecodable_or_empty_credential_is_simply_wrong(authorization: str) -> None:
    assert admin(Guard(Settings(admin_token=TOKEN)), {"Authorization": authorization}) == 401


def fetched(guard: Guard, path: str, site: str, mode: str, dest: str, origin: str | None = None) -> int | None:
    headers = {"Host": "127.0.0.1:8080", "Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": dest}
    denial = guard.check("GET", path, {**headers, **({"Origin": origin} if origin else {})}, {})
    return denial.status if denial is not None else None


def test_another_sites_page_cannot_even_read_through_the_admin_api() -> None:
    """Fetch Metadata's resource isolation: an <img> or a fetch from another site never reaches a handler."""
    guard = Guard(Settings())
    assert fetched(guard, "/__admin/outbox", "cross-site", "no-cors", "image") == 403
    assert fetched(guard, "/__admin/outbox/1/links", "cross-site", "cors", "empty", "https://evil.example") == 403
    assert fetched(guard, "/__admin/outbox", "same-site", "no-cors", "script") == 403


def test_a_link_on_another_site_may_open_the_inbox_and_a_reset_page_but_nothing_else() -> None:
    guard = Guard(Settings())
    assert fetched(guard, "/__admin/inbox", "cross-site", "navigate", "document") is None
    assert fetched(guard, "/__admin/reset-page/zitadel", "cross-site", "navigate", "document") is None
    assert fetched(guard, "/__admin/outbox", "cross-site", "navigate", "document") == 403
    assert fetched(guard, "/__admin/inbox", "cross-site", "navigate", "iframe") == 403


def test_the_address_bar_the_mocks_own_pages_and_loopback_pages_read_it() -> None:
    guard = Guard(Settings())
    assert fetched(guard, "/__admin/outbox", "none", "navigate", "document") is None
    assert fetched(guard, "/__admin/outbox", "same-origin", "cors", "empty") is None
    assert fetched(guard, "/__admin/outbox", "cross-site", "cors", "empty", "http://localhost:3000") is None
