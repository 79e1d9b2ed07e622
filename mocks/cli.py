"""`resetkit serve | conform`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from aiohttp import web

from .settings import ALL_VENDORS, Settings, check_url


class OneLineErrors(argparse.ArgumentParser):
    """A usage error is one line on stderr and exit 2, like every other start-up error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _PrintVersion(argparse.Action):
    """`--version`: read from the installed metadata only when asked (serve's start-up does not pay for it)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **_: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> NoReturn:
        from .resources import version

        print(f"resetkit {version()}")
        parser.exit()


def _serve_parser(sub: argparse._SubParsersAction[OneLineErrors]) -> argparse.ArgumentParser:
    serve = sub.add_parser("serve", help="run the stateful mock of all (or one) vendors")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8080, help="HTTP port (0: a free port, shown in the banner)")
    serve.add_argument("--vendor", choices=ALL_VENDORS, help="serve only this vendor, at the root path")
    serve.add_argument("--seed", type=int, default=0, help="seed for the fake accounts (same seed, same accounts)")
    serve.add_argument(
        "--accounts", type=_whole_number(0, MAX_ACCOUNTS), default=100, help="fake accounts per vendor (default 100)"
    )
    serve.add_argument("--strict", action="store_true", help="validate every response against the spec (500 if not)")
    serve.add_argument("--no-rate-limits", action="store_true", help="ignore x-rate-limit (for load tests only)")
    # gRPC for ZITADEL's official Node client (issue 11).
    serve.add_argument(
        "--grpc-port",
        type=_port,
        default=None,
        help="also serve ZITADEL's gRPC (h2c) on a port of its own (0: a free port); it is always on --port too",
    )
    serve.add_argument("--no-grpc", action="store_true", help="no gRPC for ZITADEL, on any port")
    serve.add_argument(
        "--workers",
        type=_whole_number(1, MAX_WORKERS),
        default=1,
        metavar="N",
        help="serve the port from N processes sharing the state --state names (it must be a redis:// URL)",
    )
    _frontend_options(serve)
    _access_options(serve)
    _state_options(serve)
    _mail_options(serve)
    _connection_options(serve)
    return serve


# Connection hygiene: held or trickling connections must not lock new clients out --------------------------------------
def _connection_options(serve: argparse.ArgumentParser) -> None:
    connections = serve.add_argument_group("connections")
    defaults = Settings()
    connections.add_argument(
        "--read-timeout",
        type=_positive_seconds,
        default=defaults.read_timeout,
        metavar="SECONDS",
        help="a request's head must arrive within this of its first byte, then its body within this again; "
        f"else 408 and the connection is closed (default {defaults.read_timeout:g})",
    )
    connections.add_argument(
        "--idle-timeout",
        type=_positive_seconds,
        default=defaults.idle_timeout,
        metavar="SECONDS",
        help=f"close a connection that waits this long for its next request (default {defaults.idle_timeout:g})",
    )
    connections.add_argument(
        "--max-connections",
        type=_whole_number(1),
        default=None,
        metavar="N",
        help="open HTTP connections at most; past it the one idle the longest is closed for the new one, or the new "
        "one answered 503 when all are busy (default: the descriptor limit less 192, at most 4096)",
    )


def _positive_seconds(value: str) -> float:
    seconds = _seconds(value)
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{value} is not more than 0 seconds")
    return seconds


# Who may reach the mock (issue 17): the Host check and the admin token ----------------------------------------------
ADMIN_TOKEN_VARIABLE = "RESETKIT_ADMIN_TOKEN"
FIRST_CHECKED = "leadsquared"  # the vendor of README's first conform command, which the banner repeats


def _access_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        type=_host_pattern,
        metavar="NAME",
        help="also accept requests whose Host is NAME (`.example.com`: it and its subdomains; repeatable; `*`: any "
        "Host). Default while listening on loopback: loopback names and addresses and the --public-url host",
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help=f"/__admin needs `Authorization: Bearer TOKEN` (default: ${ADMIN_TOKEN_VARIABLE}; made and printed when "
        "listening off loopback)",
    )
    serve.add_argument(
        "--no-admin-auth",
        action="store_true",
        help="no admin token even off loopback (anyone who reaches the port can read the outbox)",
    )


def _host_pattern(value: str) -> str:
    name = value.strip()
    if name != "*" and (not name or any(c in name for c in "/ @?#")):
        raise argparse.ArgumentTypeError(f"{value!r} is not a host name (like dev.example.com, .example.com or *)")
    return name


def given_admin_token(args: argparse.Namespace) -> str | None:
    """The token the user chose: `--admin-token`, else `$RESETKIT_ADMIN_TOKEN` (an empty one is none)."""
    return args.admin_token or os.environ.get(ADMIN_TOKEN_VARIABLE) or None


def admin_token(args: argparse.Namespace) -> str | None:
    """The token the user chose, else one made now when serve listens off loopback; none with `--no-admin-auth`."""
    from .guard import host_name, is_loopback

    if args.no_admin_auth:
        return None
    given = given_admin_token(args)
    if given is None and not is_loopback(host_name(args.host)):
        return secrets.token_urlsafe(24)
    return given


# Real mail (issue 10): the deployment path, testable here ------------------------------------------------------------
def _mail_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--smtp",
        type=_smtp_address,
        metavar="HOST:PORT",
        help="also deliver every e-mail over SMTP there (MailDev, Mailpit, or conform --mailbox smtp://)",
    )


def _smtp_address(value: str) -> str:
    from .smtp_relay import parse_address

    try:
        parse_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


# Numeric options (issue 12): a value out of range is a usage error, not a traceback at start-up ----------------------
MAX_ACCOUNTS = 100_000  # fake accounts per vendor; more only makes start-up slow
MAX_WORKERS = 64


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535; 0 picks a free one)")
    return port


def _whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `minimum` (to `maximum`, when given)."""

    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if maximum is None and number < minimum:
            raise argparse.ArgumentTypeError(f"{value} is not {minimum} or more")
        if maximum is not None and not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(f"{number} is not between {minimum} and {maximum}")
        return number

    return whole_number


# Frontend development (issue 9): CORS, links, request log, journal, a config file ------------------------------------
def _frontend_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--config", metavar="FILE", help="a TOML file of serve options (`port = 9000`, a [link-base] table); flags win"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="answer CORS only for this origin (repeatable; default: any origin)",
    )
    serve.add_argument("--no-cors", action="store_true", help="no CORS headers and no preflight answers")
    serve.add_argument(
        "--public-url", type=_url, metavar="URL", help="origin of the mock's own links (default http://HOST:PORT)"
    )
    serve.add_argument(
        "--link-base",
        action="append",
        default=[],
        type=_link_base,
        metavar="VENDOR=URL",
        help="where VENDOR's default reset link points, e.g. placewise=http://localhost:3000/reset (repeatable; "
        "default: the mock's hosted reset page)",
    )
    serve.add_argument(
        "--customize",
        action="append",
        default=[],
        type=_customization,
        metavar="VENDOR.NAME=VALUE",
        help="shape a vendor's instance, e.g. zitadel.org_name=Acme or zitadel.password_min_length=12 (repeatable; "
        "the names: GET /__admin/customizations/VENDOR)",
    )
    serve.add_argument("--log-requests", action="store_true", help="print one line per request on stdout")
    serve.add_argument(
        "--journal-secrets", action="store_true", help="keep credentials, passwords and codes in the journal and log"
    )


# Bounded and saved state (issues 12 and 9): caps of what requests create ------------------------------------------
def _state_options(serve: argparse.ArgumentParser) -> None:
    caps = serve.add_argument_group("bounded state (per vendor; past a cap the oldest entry is dropped)")
    defaults = Settings()
    for option, default, what in (
        ("--max-resets", defaults.max_resets, "pending resets, codes and OTPs"),
        ("--max-tokens", defaults.max_tokens, "access tokens and sessions"),
        ("--max-rate-windows", defaults.max_rate_windows, "rate-limit windows (one per credential)"),
        ("--outbox-size", defaults.outbox_size, "messages kept in the outbox (all vendors)"),
        ("--journal-size", defaults.journal_size, "requests kept in the journal (all vendors)"),
    ):
        caps.add_argument(
            option, type=_whole_number(1), default=default, metavar="N", help=f"{what} (default {default})"
        )
    caps.add_argument(
        "--reset-grace",
        type=_seconds,
        default=defaults.reset_grace_seconds,
        metavar="SECONDS",
        help="how long a used or expired code keeps answering 'used'/'expired' before it is forgotten "
        f"(default {defaults.reset_grace_seconds:g})",
    )

    serve.add_argument(
        "--state",
        metavar="FILE|URL",
        help="keep accounts, pending resets, tokens, rate-limit windows, the outbox and the clock in this SQLite "
        "file across restarts (created when missing; an existing one is used as it is, not seeded again); or share "
        "them, with the faults and the journal, with every resetkit serve on the same redis://[user:password@]"
        "host:port/db (or rediss://): one mock, several processes (needs resetkit[redis])",
    )


def _state_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "state_file": args.state,
        "max_resets": args.max_resets,
        "max_tokens": args.max_tokens,
        "max_rate_windows": args.max_rate_windows,
        "outbox_size": args.outbox_size,
        "journal_size": args.journal_size,
        "reset_grace_seconds": args.reset_grace,
    }


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{value} is not 0 or more seconds")
    return seconds


def _url(value: str) -> str:
    try:
        return check_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _link_base(value: str) -> tuple[str, str]:
    vendor, equals, url = value.partition("=")
    if not equals or vendor not in ALL_VENDORS:
        raise argparse.ArgumentTypeError(f"{value!r} is not VENDOR=URL with VENDOR one of {', '.join(ALL_VENDORS)}")
    return vendor, _url(url)


def _customization(value: str) -> tuple[str, str, str]:
    target, equals, setting = value.partition("=")
    vendor, dot, name = target.partition(".")
    if not equals or not dot or not name or vendor not in ALL_VENDORS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not VENDOR.NAME=VALUE with VENDOR one of {', '.join(ALL_VENDORS)}"
        )
    return vendor, name, setting


def _pairs(table: dict[str, Any], prefix: str = "") -> list[str]:
    """A table's KEY=VALUE pairs; a nested table's keys are joined with dots (`[customize.zitadel]`)."""
    pairs: list[str] = []
    for name, item in table.items():
        if isinstance(item, dict):
            pairs += _pairs(item, f"{prefix}{name}.")
        else:
            pairs.append(f"{prefix}{name}={str(item).lower() if isinstance(item, bool) else item}")
    return pairs


def config_arguments(path: str, serve: argparse.ArgumentParser) -> list[str]:
    """The TOML file as command-line arguments, so that argparse checks it like flags: `port = 9000` is `--port
    9000`, `strict = true` is `--strict`, a list repeats the option, a table (`[link-base]`) gives KEY=VALUE pairs
    (a nested one, `[customize.zitadel]`, VENDOR.KEY=VALUE)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        serve.error(f"--config {path}: {exc}")
    known = {option for action in serve._actions for option in action.option_strings}
    arguments: list[str] = []
    for key, value in data.items():
        option = "--" + key.replace("_", "-")
        if option not in known or option == "--config":
            serve.error(f"--config {path}: unknown option {key!r}")
        if isinstance(value, dict):
            arguments += [part for pair in _pairs(value) for part in (option, pair)]
        elif isinstance(value, list):
            arguments += [part for item in value for part in (option, str(item))]
        elif value is True:
            arguments.append(option)
        elif value is not False:
            arguments += [option, str(value)]
    return arguments


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        host=args.host,
        port=args.port,
        vendors=(args.vendor,) if args.vendor else ALL_VENDORS,
        mount_at_root=bool(args.vendor),
        seed=args.seed,
        accounts=args.accounts,
        strict=args.strict,
        rate_limits=not args.no_rate_limits,
        # frontend development (issue 9); a later --link-base for the same vendor wins
        cors=not args.no_cors,
        cors_origins=tuple(args.cors_origin),
        public_url=args.public_url,
        link_bases=tuple(dict(args.link_base).items()),
        log_requests=args.log_requests,
        journal_secrets=args.journal_secrets,
        grpc_port=_grpc_port(args),
        grpc_on_http_port=_grpc_port(args, on_http_port=True) is not None,
        **_state_settings(args),
        smtp=getattr(args, "smtp", None),
        customizations=tuple(args.customize),
        read_timeout=args.read_timeout,
        idle_timeout=args.idle_timeout,
        max_connections=args.max_connections,
        allowed_hosts=tuple(args.allowed_host),
        admin_token=admin_token(args),
    )


def _grpc_port(args: argparse.Namespace, *, on_http_port: bool = False) -> int | None:
    """ZITADEL's gRPC port: off with --no-grpc (or without ZITADEL); the HTTP port's, or --grpc-port's when given."""
    if args.no_grpc or (args.vendor and args.vendor != "zitadel"):
        return None
    if on_http_port:
        return int(args.port)
    return int(args.grpc_port) if args.grpc_port is not None else None


def banner(
    settings: Settings, credentials: dict[str, dict[str, str]], grpc_url: str | None = None, *, made_token: bool = False
) -> str:
    """What `serve` prints once it listens: each vendor's base URL and credentials, gRPC, admin, the inbox and the
    command that checks this mock against the contracts; the admin token only when serve made it (a token the user
    chose stays out of logs)."""
    base = f"http://{settings.host}:{settings.port}"
    lines = [f"resetkit mock on {base} (strict={'on' if settings.strict else 'off'}, seed={settings.seed})"]
    for name in settings.vendors:
        creds = ", ".join(f"{k}={v}" for k, v in credentials[name].items())
        lines.append(f"  {name:<12} {base}{settings.prefix(name) or '/'}   {creds}")
    if (settings.grpc_port is not None or settings.grpc_on_http_port) and "zitadel" in settings.vendors:
        where = grpc_url or "did not start (see the log)"
        lines.append(f"  {'zitadel grpc':<12} {where}   (grpc_url in /__admin/credentials; h2c, --no-grpc to turn off)")
    inbox = f"{settings.base_url}/__admin/inbox"
    if settings.admin_token is None:
        lines.append(f"  {'admin':<12} {base}/__admin   (outbox: {base}/__admin/outbox)")
    else:
        token = settings.admin_token if made_token else "<your admin token>"
        lines.append(f"  {'admin':<12} {base}/__admin   (needs the token: Authorization: Bearer {token})")
        inbox += f"?token={quote(token, safe='') if made_token else token}"
    lines.append(f"  {'inbox':<12} {inbox}   (reset links: {_links(settings)})")
    if made_token:
        lines.append(
            f"  {'admin token':<12} {settings.admin_token}   (made for this run, as serve listens off loopback; "
            f"choose one with --admin-token or {ADMIN_TOKEN_VARIABLE}, or --no-admin-auth)"
        )
    if settings.smtp:
        lines.append(f"  {'smtp':<12} every e-mail is also delivered to {settings.smtp}")
    first = FIRST_CHECKED if FIRST_CHECKED in settings.vendors else settings.vendors[0]
    check = f"resetkit conform --target {base} --vendor {first}"
    needs = "no credentials needed" if settings.admin_token is None else f"the admin token in ${ADMIN_TOKEN_VARIABLE}"
    lines.append(f"  {'check it':<12} {check}   ({needs}; without --vendor: every vendor)")
    return "\n".join(lines)


def _links(settings: Settings) -> str:
    custom = dict(settings.link_bases)
    if not custom:
        return f"hosted pages at {settings.base_url}/__admin/reset-page/<vendor>"
    return ", ".join(f"{name} -> {settings.link_base(name)}" for name in settings.vendors)


def _log_requests_to_stdout() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    requests_log = logging.getLogger("resetkit.requests")
    requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)
    requests_log.propagate = False


# Start-up and shut-down (issue 12): bind, then tell; a signal drains the requests in flight -----------------------
DRAIN_SECONDS = 10.0  # how long SIGTERM/SIGINT waits for requests in flight before closing their connections


def serve(args: argparse.Namespace) -> int:
    """Exit 0 after a signal drained the server; 2 when it cannot start (one line on stderr)."""
    from .connections import bind
    from .fleet.link import is_redis_url

    settings = settings_from(args)
    workers = getattr(args, "workers", 1)
    if workers > 1 and not is_redis_url(settings.state_file):
        where = f"a SQLite file (--state {settings.state_file})" if settings.state_file else "the in-memory state"
        print(
            f"resetkit: cannot start: --workers {workers} needs state that several processes can share: "
            f"--state redis://HOST:PORT/DB ({where} belongs to one process)",
            file=sys.stderr,
        )
        return 2
    made_token = settings.admin_token is not None and given_admin_token(args) is None
    try:
        sock = bind(settings.host, settings.port, reuse_port=workers > 1)
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"resetkit: cannot listen on {settings.host}:{settings.port}: {reason}", file=sys.stderr)
        return 2
    settings = replace(settings, port=int(sock.getsockname()[1]))  # the real port, for the banner and the links
    if args.no_admin_auth and not _on_loopback(settings):
        print(
            f"resetkit: warning: --no-admin-auth: anyone who reaches {settings.host}:{settings.port} can read the "
            "outbox (every reset token and code), the credentials, and reset the mock",
            file=sys.stderr,
        )
    if workers > 1:
        from .workers import serve_workers

        with contextlib.closing(sock):  # holds the port (never listens): the workers bind it too (SO_REUSEPORT)
            return serve_workers(workers, settings, partial(_serve_worker, made_token=made_token))
    with contextlib.ExitStack() as held:
        held.callback(sock.close)
        return _serve_on(sock, settings, held, made_token)


def _serve_worker(settings: Settings, tell: Callable[[str], None], *, made_token: bool) -> int:
    """One of `--workers N`: its own socket on the shared port; the banner goes to the parent, which prints it once."""
    from .connections import bind

    try:
        sock = bind(settings.host, settings.port, reuse_port=True)
    except OSError as exc:
        print(f"resetkit: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as held:
        held.callback(sock.close)
        return _serve_on(sock, settings, held, made_token, tell)


def _on_loopback(settings: Settings) -> bool:
    from .guard import host_name, is_loopback

    return is_loopback(host_name(settings.host))


def _serve_on(
    sock: socket.socket,
    settings: Settings,
    held: contextlib.ExitStack,
    made_token: bool,
    tell: Callable[[str], None] = partial(print, flush=True),
) -> int:
    from .api import SpecDriftError
    from .app import create_app
    from .env import create_env
    from .errors import StateNotSaved
    from .fleet.link import is_redis_url
    from .log_bursts import collapse_repeated_lines
    from .store.sqlite import claim_state_file

    try:
        if settings.state_file and not is_redis_url(settings.state_file):  # no second server writes over this file
            held.enter_context(claim_state_file(settings.state_file))
        env = create_env(settings)
    except (SpecDriftError, ValueError, OSError, StateNotSaved) as exc:
        print(f"resetkit: cannot start: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    bursts = collapse_repeated_lines(logging.getLogger())
    if settings.log_requests:
        _log_requests_to_stdout()
    app = create_app(settings, env=env)
    try:
        return asyncio.run(_serve_until_signalled(app, sock, settings, made_token, tell))
    finally:
        for repeated in bursts:
            repeated.flush()


async def _serve_until_signalled(
    app: web.Application,
    sock: socket.socket,
    settings: Settings,
    made_token: bool,
    tell: Callable[[str], None],
) -> int:
    """Serve until SIGTERM or SIGINT, then drain and answer 0. Further signals are ignored: the drain is bounded."""
    from .connections import ConnectionGuard, default_max_connections
    from .h2c import OnePortSite, grpc_upstream
    from .keys import ENV
    from .transports import transports_started

    env = app[ENV]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)  # from before start-up: no KeyboardInterrupt traceback, ever
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=DRAIN_SECONDS)
    await runner.setup()
    guard = ConnectionGuard(settings.max_connections or default_max_connections(), settings.read_timeout)
    try:
        await OnePortSite(runner, sock, guard, grpc_upstream(app)).start()  # listen(): the port may have been taken
    except OSError as exc:
        await runner.cleanup()
        print(f"resetkit: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        await transports_started(app)
    except TimeoutError:
        pass  # the banner says gRPC did not start; the log says why
    credentials = {name: env.vendors[name].credentials() for name in settings.vendors}
    grpc_url = env.endpoints.get("zitadel", {}).get("grpc_url")
    tell(banner(settings, credentials, grpc_url, made_token=made_token))
    await stop.wait()
    await runner.cleanup()  # stop accepting, wait up to DRAIN_SECONDS for requests in flight, close streams, stop gRPC
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineErrors(prog="resetkit", description=__doc__)
    parser.add_argument("--version", action=_PrintVersion)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineErrors)
    serve_parser = _serve_parser(sub)
    from .conform.cli import add_conform_parser

    add_conform_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "serve" and args.config:
        # The file's options go first, so that the command line wins (and adds to repeatable ones).
        given = list(sys.argv[1:] if argv is None else argv)
        at = given.index("serve") + 1
        args = parser.parse_args([*given[:at], *config_arguments(args.config, serve_parser), *given[at:]])
    if args.command == "serve":
        if args.admin_token and args.no_admin_auth:
            serve_parser.error("--admin-token and --no-admin-auth contradict each other; give one")
        return serve(args)
    if args.command == "conform":
        from .conform.cli import run_conform

        code: int = run_conform(args)
        return code
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
