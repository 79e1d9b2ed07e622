"""The link check's facts about a message's links, without the network: which links it has, where each points,
whether the mock may ask it (and how), and whether the reset secret it carries is still redeemable, in words.

Asking a link is a request from the server, so it is limited (a request forgery guard, SR-style): links on the
mock itself and on this machine's loopback are asked; any other host only when the caller says `remote`, and even
then never a link-local, multicast or unspecified address (cloud metadata services live on link-local). A link on
the mock's own public origin is asked where the mock listens, so a public URL behind a proxy or a port mapping
still checks. Only the hosted reset page is asked with GET (the mock knows it has no side effect); everything else
with HEAD, so that checking a link never redeems the token in it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from .flows.reset import SecretStatus, secret_status
from .outbox import Message
from .protocols import Store

MAX_LINKS = 20  # a message with more is checked for its first ones only
Place = Literal["mock", "loopback", "elsewhere", "app"]
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"')\]]+", re.IGNORECASE)
HOSTED_PAGE = "/__admin/reset-page/"
# Cloud metadata services outside link-local space (AWS over IPv6, Alibaba): never asked, even with `remote`.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")})


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "area"):
            self.found.extend(value.strip() for name, value in attrs if name == "href" and value)


def links_in(message: Message) -> list[str]:
    """The message's absolute links, its `link` first, then those of its HTML and its text, each once."""
    hrefs = _Hrefs()
    hrefs.feed(message.html)
    hrefs.close()
    found = [message.link] if message.link else []
    found += hrefs.found + [url.rstrip(".,;:!?") for url in _URL_IN_TEXT.findall(message.text)]
    absolute = (url for url in found if "://" in url and not url.lower().startswith(("javascript:", "data:")))
    return [url for url in dict.fromkeys(absolute) if _readable(url)][:MAX_LINKS]


def _readable(url: str) -> bool:
    """Whether the URL parses (`http://[::1` does not): one that does not is no link to check."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a port that is not a number)
    except ValueError:
        return False
    return bool(parts.netloc)


def host_of(url: str) -> str:
    """`host` or `host:port` as the link names it (IPv6 in brackets)."""
    return urlsplit(url).netloc.rpartition("@")[2]


def is_loopback_host(host: str) -> bool:
    """A host named by the link itself as this machine: `localhost` or a loopback address (no DNS asked)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def place_of(url: str, base_url: str) -> Place:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "app"
    if url == base_url or url.startswith((base_url + "/", base_url + "?")):
        return "mock"
    try:
        parts.port  # noqa: B018 (a port that is not a number makes the host unreadable: never "this machine")
    except ValueError:
        return "elsewhere"
    return "loopback" if is_loopback_host(parts.hostname or "") else "elsewhere"


def may_connect_to(address: str) -> bool:
    """Whether a remote check may open a connection to this resolved address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip in METADATA_ADDRESSES)


@dataclass(frozen=True, slots=True)
class Probe:
    """How to ask a link: `url` (where the mock listens, for its own links), `method`, and whether the address it
    resolves to must be checked first (a remote host)."""

    url: str
    method: Literal["GET", "HEAD"]
    check_address: bool = False


def probe_for(url: str, *, base_url: str, listen_url: str, remote: bool) -> Probe | str:
    """The request that checks `url`, or why it is not asked (in words)."""
    place = place_of(url, base_url)
    if place == "app":
        return "not asked: not a web link (an app opens it)"
    if place == "mock":
        path = url[len(base_url) :] or "/"
        return Probe(listen_url + path, "GET" if urlsplit(path).path.startswith(HOSTED_PAGE) else "HEAD")
    if place == "loopback":
        return Probe(url, "HEAD")
    if not remote:
        return "not asked: only links on this mock or this machine are checked (ask with remote=true)"
    return Probe(url, "HEAD", check_address=True)


def _values_in(url: str) -> Iterator[str]:
    """Every value a link may carry a secret in: query and fragment parameters, and path segments."""
    parts = urlsplit(url)
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        yield value
    for _, value in parse_qsl(parts.fragment, keep_blank_values=False):
        yield value
    for segment in parts.path.split("/"):
        if segment:
            yield unquote(segment)


def carries(url: str, secret: str) -> bool:
    return any(value == secret for value in _values_in(url))


def token_status(store: Store, message: Message, url: str, *, now: float) -> SecretStatus | None:
    """The status of the message's secret when the link carries it; None when it carries none."""
    if not message.token or not carries(url, message.token):
        return None
    return secret_status(store, message.vendor, message.token, now=now)


def duration(seconds: float) -> str:
    """`45 s`, `3 min`, `2 h 5 min`, `3 days` (rounded down)."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        rest = minutes % 60
        return f"{hours} h" + (f" {rest} min" if rest else "")
    return f"{days} day" + ("s" if days != 1 else "")


def status_words(status: SecretStatus, now: float) -> str:
    """Where the secret stands, for a person."""
    if status.state == "redeemable" and status.expires_at is not None:
        return f"still redeemable, for {duration(status.expires_at - now)} more"
    if status.state == "used" and status.used_at is not None:
        return f"already used, {duration(now - status.used_at)} ago"
    if status.state == "expired" and status.expires_at is not None:
        return f"expired {duration(now - status.expires_at)} ago"
    return "not redeemable: the mock does not know this code (replaced by a newer one, or forgotten)"
