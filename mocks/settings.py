"""How a mock server is configured: one frozen value built by the CLI or a test."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .registry import VENDORS

ALL_VENDORS = VENDORS  # every registered vendor, in the registry's order


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    vendors: tuple[str, ...] = ALL_VENDORS
    mount_at_root: bool = False  # `--vendor X`: serve X at "/" for SDKs that only take a host
    seed: int = 0
    accounts: int = 100
    strict: bool = False
    journal_size: int = 500
    max_body_bytes: int = 1024 * 1024
    rate_limits: bool = True  # `--no-rate-limits` for load tests; the documented limits apply otherwise
    # gRPC (issue 11; ZITADEL's Node client speaks it) on a port of its own: None = none, 0 = a free port, else that
    # port (`--grpc-port N`).
    grpc_port: int | None = None
    # gRPC on the HTTP port too, like ZITADEL (HTTP/2 with prior knowledge, `mocks/h2c.py`); `resetkit serve` turns it
    # on unless `--no-grpc`. Only a server started through `OnePortSite` (serve, `runner.start_live_mock`) sniffs.
    grpc_on_http_port: bool = False

    # Frontend development (issue 9): CORS, where links point, the request log and the journal --------------------
    cors: bool = True  # `--no-cors` turns it off
    cors_origins: tuple[str, ...] = ()  # `--cors-origin`: only these origins get CORS headers; empty: any origin
    public_url: str | None = None  # `--public-url`: the mock's origin in the links it sends (never the Host header)
    link_bases: tuple[tuple[str, str], ...] = ()  # `--link-base VENDOR=URL`: where that vendor's default link points
    log_requests: bool = False  # `--log-requests`: one line per request on stdout
    journal_secrets: bool = False  # `--journal-secrets`: keep credentials, passwords and codes in the journal
    journal_body_bytes: int = 8192  # each request and response body is kept up to this size
    # `--smtp HOST:PORT` (issue 10): every e-mail sent is also delivered over SMTP there
    smtp: str | None = None

    # Bounded state (issue 12): caps per vendor of what requests create; the oldest entry goes first ---------------
    max_resets: int = 10_000  # `--max-resets`: pending resets, codes and OTPs
    max_tokens: int = 10_000  # `--max-tokens`: access tokens and sessions
    max_rate_windows: int = 10_000  # `--max-rate-windows`: rate-limit windows (one per credential)
    reset_grace_seconds: float = 7 * 24 * 3600  # `--reset-grace`: a used or expired code answers so this long
    outbox_size: int = 10_000  # `--outbox-size`: messages kept
    # `--journal-size` sets `journal_size` above.
    state_file: str | None = None  # `--state FILE` (issue 9): accounts, resets, tokens, outbox saved in SQLite
    # `--customize VENDOR.NAME=VALUE` / `[customize.VENDOR]`: what a team shaped of a vendor (`Vendor.customization`),
    # as (vendor, name, value as given); checked by the vendor when the mock starts.
    customizations: tuple[tuple[str, str, object], ...] = ()

    # Connection hygiene: held or trickling connections must not lock new clients out -------------------------------
    read_timeout: float = 10.0  # `--read-timeout`: a request's head from its first byte, then its body, each this long
    idle_timeout: float = 75.0  # `--idle-timeout`: a connection waiting for its next request is closed after this
    max_connections: int | None = None  # `--max-connections`: open HTTP connections; None: from the descriptor limit

    # Who may reach the mock (issue 17): the Host check against DNS rebinding and the admin token ------------------
    allowed_hosts: tuple[str, ...] = ()  # `--allowed-host`: Host names accepted besides loopback; ("*",): any Host
    admin_token: str | None = field(default=None, repr=False)  # `--admin-token`: /__admin needs it; None: open

    def prefix(self, vendor: str) -> str:
        return "" if self.mount_at_root else f"/{vendor}"

    @property
    def base_url(self) -> str:
        """The mock's public origin (and path, behind a proxy) from configuration only; 0.0.0.0 shown as 127.0.0.1."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def listen_url(self) -> str:
        """Where this server listens, as the server itself reaches it (0.0.0.0 as 127.0.0.1)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else "::1" if self.host == "::" else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def link_base(self, vendor: str) -> str:
        """Where `vendor`'s default reset link points: `--link-base`, else the mock's hosted reset page."""
        for name, url in self.link_bases:
            if name == vendor:
                return url
        return f"{self.base_url}/__admin/reset-page/{vendor}"


def check_url(url: str) -> str:
    """`url` if it is absolute (a scheme and a host, or an app scheme such as `myapp://reset`); ValueError if not."""
    parts = urlsplit(url)
    if not parts.scheme or not (parts.netloc or parts.path) or "://" not in url:
        raise ValueError(f"{url!r} is not an absolute URL (like http://localhost:3000/reset)")
    return url
