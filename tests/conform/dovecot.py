"""A real IMAP server for the IMAP lane: Debian's dovecot-imapd (installed by the set-up when missing) with one
test user and a maildir, and a tiny SMTP server (aiosmtpd) that delivers every message into that maildir, as a
catch-all test mailbox does (`qa+anything@example.com` all lands with `qa@example.com`)."""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller

from resetkit.runner import free_port
from tests.fixtures.processes import stop_process

DOVECOT = "/usr/sbin/dovecot"
APT = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "dovecot-imapd"]
MAIL_USER = "dovecot"  # the system user the package creates; dovecot never gives mail access to root
CONFIG = """\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%n
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={user} home={folder}/mail/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"""
PLAIN = "ssl = no"
TLS = "ssl = required\nssl_cert = <{folder}/cert.pem\nssl_key = <{folder}/key.pem"


def install_dovecot() -> str | None:
    """None when dovecot is there (installed now if need be); else why it cannot be."""
    if Path(DOVECOT).exists():
        return None
    if shutil.which("apt-get") is None:
        return "dovecot-imapd is not installed and there is no apt-get to install it"
    if os.geteuid() != 0:
        return "dovecot-imapd is not installed and installing it with apt-get needs root"
    done = None
    for command in (APT, ["apt-get", "update"], APT):
        done = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
        if done.returncode == 0 and command is APT:
            break
    if not Path(DOVECOT).exists():
        return f"apt-get could not install dovecot-imapd: {(done.stderr if done else '').strip()[-300:]}"
    return None


@dataclass
class ImapServer:
    """A running dovecot with one user; `url` is what `resetkit conform --mailbox` takes."""

    host: str
    port: int
    user: str
    password: str
    maildir: Path
    certificate: Path | None = None  # over TLS only (imaps://): the self-signed certificate a client must trust

    @property
    def url(self) -> str:
        scheme = "imaps" if self.certificate else "imap"
        return f"{scheme}://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}/INBOX"


def self_signed_certificate(folder: Path) -> Path:
    """A key and a one-day certificate for 127.0.0.1 (cert.pem, key.pem) made with openssl; the certificate."""
    key, certificate = folder / "key.pem", folder / "cert.pem"
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subject]
        + ["-keyout", str(key), "-out", str(certificate)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return certificate


class MaildirDelivery:
    """aiosmtpd handler: every message, whoever it is addressed to, into the test user's maildir."""

    def __init__(self, maildir: Path, owner: pwd.struct_passwd) -> None:
        self.path = maildir
        self.box = mailbox.Maildir(maildir, create=True)
        self.owner = owner
        self._own(maildir)

    def _own(self, path: Path) -> None:
        for folder, _, files in os.walk(path):
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(name, self.owner.pw_uid, self.owner.pw_gid)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        key = self.box.add(envelope.original_content or envelope.content)
        os.chown(self.path / "new" / key, self.owner.pw_uid, self.owner.pw_gid)
        return "250 OK"


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, f"dovecot exited with {process.returncode}: {log.read_text()[-500:]}"
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"dovecot did not listen on {port}: {log.read_text()[-500:]}"
            time.sleep(0.1)


@contextmanager
def running_dovecot(user: str = "qa@example.com", password: str = "secret", tls: bool = False) -> Iterator[ImapServer]:
    """dovecot on a free port for one user (plain IMAP, or IMAP over TLS only with a self-signed certificate), with
    its own configuration and state in a folder of its own (not pytest's: dovecot's unprivileged processes must be
    able to reach it)."""
    owner = pwd.getpwnam(MAIL_USER)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="resetkit-dovecot-"))
    folder.chmod(0o755)
    for name in ("run", "state", "mail"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    os.chown(folder / "mail", owner.pw_uid, owner.pw_gid)
    (folder / "users").write_text(f"{user}:{{PLAIN}}{password}\n", encoding="utf-8")
    config = folder / "dovecot.conf"
    certificate = self_signed_certificate(folder) if tls else None
    ports = {"imap_port": 0, "imaps_port": port} if tls else {"imap_port": port, "imaps_port": 0}
    ssl = (TLS if tls else PLAIN).format(folder=folder)
    config.write_text(CONFIG.format(folder=folder, user=MAIL_USER, ssl=ssl, **ports), encoding="utf-8")
    log = folder / "dovecot.log"
    log.touch()
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for_port("127.0.0.1", port, process, log)
        yield ImapServer("127.0.0.1", port, user, password, folder / "mail" / user.partition("@")[0], certificate)
    finally:
        stop_process(process)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def delivering_to(server: ImapServer) -> Iterator[str]:
    """An SMTP server (HOST:PORT) that puts everything it receives into the IMAP user's maildir."""
    port = free_port()
    controller = Controller(MaildirDelivery(server.maildir, pwd.getpwnam(MAIL_USER)), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        controller.stop()
