"""`resetkit serve | conform`: the command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from .settings import ALL_VENDORS, Settings


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the stateful mock of all (or one) vendors")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--vendor", choices=ALL_VENDORS, help="serve only this vendor, at the root path")
    serve.add_argument("--seed", type=int, default=0, help="seed for the fake accounts (same seed, same accounts)")
    serve.add_argument("--accounts", type=int, default=100, help="fake accounts per vendor (default 100)")
    serve.add_argument("--strict", action="store_true", help="validate every response against the spec (500 if not)")
    serve.add_argument("--no-rate-limits", action="store_true", help="ignore x-rate-limit (for load tests only)")


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
    )


def banner(settings: Settings, credentials: dict[str, dict[str, str]]) -> str:
    base = f"http://{settings.host}:{settings.port}"
    lines = [f"resetkit mock on {base} (strict={'on' if settings.strict else 'off'}, seed={settings.seed})"]
    for name in settings.vendors:
        creds = ", ".join(f"{k}={v}" for k, v in credentials[name].items())
        lines.append(f"  {name:<12} {base}{settings.prefix(name) or '/'}   {creds}")
    lines.append(f"  {'admin':<12} {base}/__admin   (outbox: {base}/__admin/outbox)")
    return "\n".join(lines)


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
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="resetkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    from .conform.cli import add_conform_parser

    add_conform_parser(sub)
    args = parser.parse_args(argv)
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
