"""A real browser: Debian's chromium driven through its chromedriver by Selenium (never a downloaded browser).

The set-up installs `chromium` and `chromium-driver` with apt when they are missing; the tests skip, saying why,
only where that is impossible (not root, no apt, no network).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FOREIGN_SITE = "evil.example"
APT = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "chromium", "chromium-driver"]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    # A foreign site on this machine: evil.example resolves to 127.0.0.1 (a page there is another site to the mock).
    f"--host-resolver-rules=MAP {FOREIGN_SITE} 127.0.0.1",
)


def _install_chromium() -> str | None:
    """None when chromium and chromedriver are there (installed now if need be); else why they cannot be."""
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return None
    if shutil.which("apt-get") is None:
        return "chromium and chromium-driver are not installed and there is no apt-get to install them"
    if os.geteuid() != 0:
        return "chromium and chromium-driver are not installed and installing them with apt-get needs root"
    for command in (APT, ["apt-get", "update"], APT):
        done = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
        if done.returncode == 0 and command is APT:
            break
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        return f"apt-get could not install chromium and chromium-driver: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    problem = _install_chromium()
    if problem:
        pytest.skip(problem)
    return CHROMIUM


@pytest.fixture
def browser(chromium: str) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="resetkit-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture
def mock() -> Iterator[LiveMock]:
    """The whole mock (strict) on a free port, links pointing at its own hosted pages."""
    with start_live_mock(Settings(port=0, strict=True, accounts=3)) as live:
        yield live
    assert not live.env.violations, "\n".join(live.env.violations)


class OtherOrigin:
    """A second tiny web server on another port: a page there is cross-origin to the mock (named `name`, which
    resolves to 127.0.0.1 in the browser: `localhost`, or the foreign site)."""

    def __init__(self, name: str = "localhost") -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0], "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://{name}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def other_origin() -> Iterator[OtherOrigin]:
    server = OtherOrigin()
    yield server
    server.close()


@pytest.fixture
def foreign_site() -> Iterator[OtherOrigin]:
    """A page on another site (evil.example, mapped to 127.0.0.1 in the browser)."""
    server = OtherOrigin(FOREIGN_SITE)
    yield server
    server.close()
