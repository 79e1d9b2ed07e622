"""Who may use the mock, decided before any route runs: the Host check against DNS rebinding (every route), then on
`/__admin` the origin of a browser's state change and the admin token. Pure decisions over a request's method, path,
query and headers; the transport renders a `Denial` in the error shape of the API that owns the path."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ApiError, Kind, clip
from .settings import Settings

ADMIN_PREFIX = "/__admin"
# Open even with a token (their operations in specs/admin.yaml document no 401): container health checks, and the
# hosted reset pages an end user opens from an e-mail (they show only what their link carries).
OPEN_ADMIN_PATH = f"{ADMIN_PREFIX}/health"
OPEN_ADMIN_PREFIX = f"{ADMIN_PREFIX}/reset-page/"
INBOX_PATH = f"{ADMIN_PREFIX}/inbox"  # `?token=` there trades the token for a cookie (admin.get_inbox)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site of a request another site's page started (browsers send it; curl and scripts do not).
FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})
ADMIN_REALM = "resetkit admin"
ADMIN_CHALLENGE = {"WWW-Authenticate": f'Bearer realm="{ADMIN_REALM}"'}
_LOOPBACK_NAMES = ("localhost",)  # and every `*.localhost` (RFC 6761: always loopback, never from DNS)
_HOST_MEMO_LIMIT = 256  # distinct Host values remembered; a client inventing more only costs it a parse each
OriginCheck = Callable[[str | None], bool]  # whether a request's Origin (None: none sent) may have what is asked


@dataclass(frozen=True, slots=True)
class Denial:
    """A refused request: 403 (a Host that is not this mock's, a foreign page changing state) or 401 (no token)."""

    status: int
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def error(self) -> ApiError:
        kind = Kind.UNAUTHENTICATED if self.status == 401 else Kind.FORBIDDEN
        return ApiError(kind, self.message, status=self.status, headers=self.headers)


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def host_name(host: str) -> str:
    """The name or address in a Host header (or URL netloc), without port or brackets, lower-cased, no final dot."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        name = host[1:end] if end > 0 else host
    else:
        name = host.partition(":")[0] if host.count(":") == 1 else host
    return name.rstrip(".")


def is_loopback(name: str) -> bool:
    """`localhost`, `*.localhost`, 127.0.0.0/8 or ::1 (also as ::ffff:127.x.y.z)."""
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


# An origin as browsers serialize it: scheme, host (a name, an IPv4 or a bracketed IPv6 address) and maybe a port.
_ORIGIN = re.compile(r"(https?)://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?", re.IGNORECASE)


def is_loopback_origin(origin: str) -> bool:
    """`http(s)://localhost:*`, `http(s)://127.0.0.1:*`, `http(s)://[::1]:*` (and the rest of 127/8, `*.localhost`)."""
    parsed = _ORIGIN.fullmatch(origin)
    return parsed is not None and is_loopback(host_name(parsed.group(2)))


def admin_origin_check(settings: Settings) -> OriginCheck:
    """Whether a browser origin may use `/__admin`: loopback origins and every `--cors-origin`; never `null`."""
    listed = frozenset(origin.rstrip("/") for origin in settings.cors_origins) - {"null"}  # even if listed
    return lambda origin: origin is not None and (origin in listed or is_loopback_origin(origin))


def cookie_value(token: str) -> str:
    """The inbox cookie's value: derived from the token, so that the cookie jar never holds the token itself."""
    return hmac.new(token.encode(), b"resetkit inbox cookie", hashlib.sha256).hexdigest()


def cookie_name(token: str) -> str:
    """Named after its value, so that two mocks on one host name (other ports) keep their own cookies."""
    return f"resetkit_admin_{cookie_value(token)[:8]}"


def login_cookie(token: str, *, secure: bool) -> str:
    """The `Set-Cookie` the inbox link answers with: HttpOnly, SameSite=Strict, for `/__admin` only."""
    # No Path: the browser takes the link's folder (`/__admin`, or `/prefix/__admin` behind a proxy).
    return f"{cookie_name(token)}={cookie_value(token)}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def _same(given: str, expected: str) -> bool:
    """Compared in constant time; a header's undecodable bytes (surrogates) just make it differ."""
    return hmac.compare_digest(given.encode(errors="replace"), expected.encode(errors="replace"))


class Guard:
    """The checks every request passes before its route runs, configured once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.token = settings.admin_token or None
        self.admin_origin_allowed = admin_origin_check(settings)
        allowed = tuple(host_name(host) if host != "*" else host for host in settings.allowed_hosts)
        public = urlsplit(settings.public_url).hostname if settings.public_url else None
        self.checks_host = "*" not in allowed and (is_loopback(host_name(settings.host)) or bool(allowed))
        self._names = frozenset(name for name in (*allowed, public) if name and not name.startswith("."))
        self._suffixes = tuple(name for name in allowed if name.startswith("."))  # `.example.com`: it and below
        self._any_address = not is_loopback(host_name(settings.host))  # off loopback, an IP literal is no rebinding
        self._memo: dict[str, bool] = {}
        if self.token is not None:
            self.cookie_name, self._cookie_value = cookie_name(self.token), cookie_value(self.token)

    def check(self, method: str, path: str, headers: Mapping[str, str], query: Mapping[str, str]) -> Denial | None:
        """None when the request may go on to its route, else why not."""
        if self.checks_host:  # every request passes here: the common case is two lookups
            host = headers.get("Host")
            if host is not None and not (self._memo.get(host) or self.host_allowed(host)):
                return Denial(
                    403,
                    f"Host {clip(host_name(host))!r} is not this mock's (DNS rebinding?); if you reach it under that "
                    "name, start it with --allowed-host NAME",
                )
        if not path.startswith(ADMIN_PREFIX) or not is_admin_path(path) or method == "OPTIONS":
            return None  # a vendor's route; or a preflight, which carries no credentials and runs nothing
        if self.foreign_page(method, path, headers):
            return Denial(
                403,
                f"a page on {clip(headers.get('Origin') or 'another site')} may not use the mock's admin API; allow "
                "it with --cors-origin ORIGIN (or open the address yourself)",
            )
        if self.token is None or _open(method, path) or self.presents_token(headers):
            return None
        if path == INBOX_PATH and "token" in query:
            if _same(query["token"], self.token):
                return None
            return Denial(401, "the token in this link is not this mock's admin token", ADMIN_CHALLENGE)
        return Denial(
            401,
            "this mock's admin API needs its token: send Authorization: Bearer TOKEN (or HTTP Basic with the token "
            "as the password), or open /__admin/inbox?token=TOKEN in the browser",
            ADMIN_CHALLENGE,
        )

    def host_allowed(self, host: str) -> bool:
        known = self._memo.get(host)
        if known is None:
            known = self._judge_host(host_name(host))
            if len(self._memo) < _HOST_MEMO_LIMIT:
                self._memo[host] = known
        return known

    def _judge_host(self, name: str) -> bool:
        if (
            is_loopback(name)
            or name in self._names
            or any(name == suffix[1:] or name.endswith(suffix) for suffix in self._suffixes)
        ):
            return True
        if not self._any_address:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def foreign_page(self, method: str, path: str, headers: Mapping[str, str]) -> bool:
        """Whether another site's page sent this request, which only a navigation to one of the pages may be.

        Fetch Metadata's resource isolation policy: `Sec-Fetch-Site` tells a browser's cross-site request, so not
        even a `GET` runs (an outbox read an `<img>` could time, a link check a form could start); a browser
        without it, by `Origin`, for a state change. A loopback or `--cors-origin` page may; so may the mock's own
        (the same origin as the Host it called). curl, scripts and CI send neither header.
        """
        origin = headers.get("Origin")
        if origin is not None and (self.admin_origin_allowed(origin) or _same_origin(origin, headers.get("Host"))):
            return False
        site = headers.get("Sec-Fetch-Site")
        if site is None:
            return origin is not None and method not in SAFE_METHODS
        if site not in FOREIGN_FETCH_SITES:
            return False  # same-origin, or none: typed in the address bar, a bookmark, another application
        navigates = headers.get("Sec-Fetch-Mode") == "navigate" and headers.get("Sec-Fetch-Dest") == "document"
        return not (navigates and method in ("GET", "HEAD") and _is_page(path))

    def presents_token(self, headers: Mapping[str, str]) -> bool:
        """`Authorization: Bearer TOKEN`, HTTP Basic with the token as password (any user), or the inbox cookie."""
        assert self.token is not None
        authorization = headers.get("Authorization")
        if authorization:
            scheme, _, credential = authorization.strip().partition(" ")
            scheme, credential = scheme.lower(), credential.strip()
            if scheme == "bearer":
                return _same(credential, self.token)
            if scheme == "basic":
                try:
                    pair = base64.b64decode(credential, validate=True).decode()
                except (binascii.Error, UnicodeDecodeError):
                    return False
                return _same(pair.partition(":")[2], self.token)
        cookies = headers.get("Cookie")
        return cookies is not None and self._has_cookie(cookies)

    def _has_cookie(self, cookies: str) -> bool:
        for pair in cookies.split(";"):
            name, _, value = pair.strip().partition("=")
            if name == self.cookie_name:
                return _same(value.strip('"'), self._cookie_value)
        return False


def _same_origin(origin: str, host: str | None) -> bool:
    return host is not None and origin.partition("://")[2].lower() == host.lower()


def _is_page(path: str) -> bool:
    """A page a link on another site may open: the inbox (and `/__admin/`, which leads there), a hosted reset page."""
    return path in (INBOX_PATH, ADMIN_PREFIX + "/") or path.startswith(OPEN_ADMIN_PREFIX)


def _open(method: str, path: str) -> bool:
    """Health, or one hosted reset page: exactly `/__admin/reset-page/<one segment>`, so no other route hides below."""
    if method not in ("GET", "HEAD"):
        return False
    if path == OPEN_ADMIN_PATH:
        return True
    vendor = path.removeprefix(OPEN_ADMIN_PREFIX)
    return vendor != path and vendor not in ("", ".", "..") and "/" not in vendor
