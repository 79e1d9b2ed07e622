"""`resetkit serve | conform`: the command line."""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from .settings import ALL_VENDORS, Settings, check_url


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    serve = sub.add_parser("serve", help="run the stateful mock of all (or one) vendors")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--vendor", choices=ALL_VENDORS, help="serve only this vendor, at the root path")
    serve.add_argument("--seed", type=int, default=0, help="seed for the fake accounts (same seed, same accounts)")
    serve.add_argument("--accounts", type=int, default=100, help="fake accounts per vendor (default 100)")
    serve.add_argument("--strict", action="store_true", help="validate every response against the spec (500 if not)")
    serve.add_argument("--no-rate-limits", action="store_true", help="ignore x-rate-limit (for load tests only)")
    # gRPC for ZITADEL's official Node client (issue 11).
    serve.add_argument(
        "--grpc-port", type=int, default=None, help="ZITADEL's gRPC (h2c) port (default: --port + 1; 0: a free port)"
    )
    serve.add_argument("--no-grpc", action="store_true", help="do not start ZITADEL's gRPC server")
    _frontend_options(serve)
    _mail_options(serve)
    return serve


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
    serve.add_argument("--log-requests", action="store_true", help="print one line per request on stdout")
    serve.add_argument(
        "--journal-secrets", action="store_true", help="keep credentials, passwords and codes in the journal and log"
    )


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


def config_arguments(path: str, serve: argparse.ArgumentParser) -> list[str]:
    """The TOML file as command-line arguments, so that argparse checks it like flags: `port = 9000` is `--port
    9000`, `strict = true` is `--strict`, a list repeats the option, a table (`[link-base]`) gives KEY=VALUE pairs."""
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
            arguments += [part for name, item in value.items() for part in (option, f"{name}={item}")]
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
        smtp=getattr(args, "smtp", None),
    )


def _grpc_port(args: argparse.Namespace) -> int | None:
    """ZITADEL's gRPC port: off with --no-grpc (or without ZITADEL), else --grpc-port, else the HTTP port + 1."""
    if args.no_grpc or (args.vendor and args.vendor != "zitadel"):
        return None
    if args.grpc_port is not None:
        return int(args.grpc_port)
    return args.port + 1 if args.port else 0


def banner(settings: Settings, credentials: dict[str, dict[str, str]]) -> str:
    base = f"http://{settings.host}:{settings.port}"
    lines = [f"resetkit mock on {base} (strict={'on' if settings.strict else 'off'}, seed={settings.seed})"]
    for name in settings.vendors:
        creds = ", ".join(f"{k}={v}" for k, v in credentials[name].items())
        lines.append(f"  {name:<12} {base}{settings.prefix(name) or '/'}   {creds}")
    if settings.grpc_port is not None and "zitadel" in settings.vendors:
        where = f"http://{settings.host}:{settings.grpc_port}" if settings.grpc_port else "a free port"
        lines.append(f"  {'zitadel grpc':<12} {where}   (grpc_url in /__admin/credentials; h2c, --no-grpc to turn off)")
    lines.append(f"  {'admin':<12} {base}/__admin   (outbox: {base}/__admin/outbox)")
    lines.append(f"  {'inbox':<12} {settings.base_url}/__admin/inbox   (reset links: {_links(settings)})")
    if settings.smtp:
        lines.append(f"  {'smtp':<12} every e-mail is also delivered to {settings.smtp}")
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


def serve(args: argparse.Namespace) -> int:
    from .app import SpecDriftError, create_app, create_env

    settings = settings_from(args)
    try:
        env = create_env(settings)
    except (SpecDriftError, ValueError, OSError) as exc:
        print(f"resetkit: cannot start: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings, env=env)
    credentials = {name: env.vendors[name].credentials() for name in settings.vendors}
    print(banner(settings, credentials), flush=True)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if settings.log_requests:
        _log_requests_to_stdout()
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="resetkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
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
        return serve(args)
    if args.command == "conform":
        from .conform.cli import run_conform

        code: int = run_conform(args)
        return code
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
