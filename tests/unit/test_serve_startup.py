"""`resetkit serve` as a user runs it: binds before it tells, refuses bad options in one line, drains on a signal."""

from __future__ import annotations

import importlib.metadata
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from resetkit import cli
from resetkit.settings import Settings

SERVE = [sys.executable, "-m", "resetkit", "serve", "--accounts", "0", "--no-grpc"]


def first_line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "serve printed nothing"
    return process.stdout.readline()


@pytest.fixture
def started() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`resetkit serve --port 0` and the base URL its banner names."""
    process = subprocess.Popen([*SERVE, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        found = re.search(r"http://127\.0\.0\.1:(\d+)", first_line(process))
        assert found is not None
        yield process, found.group(0)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def run_serve(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SERVE, *options], capture_output=True, text=True, timeout=60)


def test_port_0_prints_the_port_it_listens_on(started: tuple[subprocess.Popen[str], str]) -> None:
    _, base = started
    assert not base.endswith(":0")
    with urllib.request.urlopen(f"{base}/__admin/health", timeout=10) as response:
        assert response.status == 200


def test_links_carry_the_real_port(started: tuple[subprocess.Popen[str], str]) -> None:
    _, base = started
    with urllib.request.urlopen(f"{base}/__admin/reset-page/placewise", timeout=10) as response:
        assert response.status == 200
    process, _ = started
    assert process.stdout is not None
    banner = "".join(process.stdout.readline() for _ in range(6))
    assert f"{base}/__admin/reset-page/<vendor>" in banner


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = run_serve("--port", str(taken.getsockname()[1]))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "cannot listen on 127.0.0.1:" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_an_address_this_machine_does_not_have_is_one_line_and_exit_2() -> None:
    run = run_serve("--host", "192.0.2.1", "--port", "0")  # TEST-NET-1: never a local address
    assert run.returncode == 2
    assert run.stderr == "resetkit: cannot listen on 192.0.2.1:0: Cannot assign requested address\n"


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--port", "99999"], "99999 is not a port"),
        (["--port", "-1"], "-1 is not a port"),
        (["--port", "http"], "'http' is not a port number"),
        (["--grpc-port", "70000"], "70000 is not a port"),
        (["--accounts", "-1"], "-1 is not between 0 and"),
        (["--accounts", "many"], "'many' is not a whole number"),
        (["--seed", "x"], "invalid int value"),
    ],
)
def test_a_bad_number_is_one_line_and_exit_2(
    options: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", *options])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and complaint in err and err.count("\n") == 1


def _settings(monkeypatch: pytest.MonkeyPatch, *options: str) -> Settings:
    seen = []
    monkeypatch.setattr(cli, "serve", lambda args: seen.append(cli.settings_from(args)) or 0)
    assert cli.main(["serve", *options]) == 0
    return seen[0]


def test_grpc_is_served_on_the_http_port_and_on_no_port_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, "--port", "65535")
    assert settings.grpc_on_http_port and settings.grpc_port is None


def test_grpc_port_adds_a_port_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, "--grpc-port", "0")
    assert settings.grpc_on_http_port and settings.grpc_port == 0


def test_no_grpc_turns_grpc_off_on_every_port(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, "--no-grpc", "--grpc-port", "9001")
    assert not settings.grpc_on_http_port and settings.grpc_port is None


def test_a_server_without_zitadel_serves_no_grpc(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, "--vendor", "placewise")
    assert not settings.grpc_on_http_port and settings.grpc_port is None


def slow_request(base: str, answers: list[int]) -> None:
    """A request that takes 1.5 s (a `Prefer` delay), then answers 503; its status goes to `answers`."""
    request = urllib.request.Request(
        f"{base}/leadsquared/api/Authentication/SecureForgotPassword",
        data=b'{"EmailAddress": "nobody@example.com"}',
        headers={"Content-Type": "application/json", "Prefer": "code=503, delay=1500"},
    )
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        answers.append(error.code)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=lambda s: signal.Signals(s).name)
def test_a_signal_lets_the_request_in_flight_finish_then_exits_0(
    started: tuple[subprocess.Popen[str], str], signum: int
) -> None:
    process, base = started
    answers: list[int] = []
    client = threading.Thread(target=slow_request, args=(base, answers))
    client.start()
    time.sleep(0.5)  # the request is in its delay
    process.send_signal(signum)
    client.join(10)
    assert answers == [503]  # answered, not cut off
    assert process.wait(10) == 0
    assert process.stderr is not None and "Traceback" not in process.stderr.read()


def test_a_second_signal_does_not_cut_the_drain_short(started: tuple[subprocess.Popen[str], str]) -> None:
    process, base = started
    answers: list[int] = []
    client = threading.Thread(target=slow_request, args=(base, answers))
    client.start()
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    client.join(10)
    assert answers == [503] and process.wait(10) == 0
    assert process.stderr is not None and "Traceback" not in process.stderr.read()


def test_an_open_event_stream_does_not_hold_up_the_exit(started: tuple[subprocess.Popen[str], str]) -> None:
    process, base = started
    stream = urllib.request.urlopen(f"{base}/__admin/outbox/stream", timeout=10)
    assert stream.readline() == b"retry: 1000\n"
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(cli.DRAIN_SECONDS) == 0
    assert time.monotonic() - began < cli.DRAIN_SECONDS / 2
    stream.close()


def test_help_lists_only_commands_that_exist(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listed = re.search(r"\{([a-z,]+)\}", capsys.readouterr().out)
    assert listed is not None
    for command in listed.group(1).split(","):
        with pytest.raises(SystemExit) as exit_:
            cli.main([command, "--help"])
        assert exit_.value.code == 0
    assert set(listed.group(1).split(",")) == {"serve", "conform"}


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"resetkit {importlib.metadata.version('resetkit')}\n"
