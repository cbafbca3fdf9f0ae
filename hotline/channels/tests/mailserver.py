"""Real mail servers for the email tests: a throwaway Dovecot (IMAP) and aiosmtpd (SMTP).

`Dovecot` writes its own configuration in a temporary directory (runtime, state and mail
there too), listens on 127.0.0.1 at a free port, and reads each user from a passwd-file of its
own that `add_mailbox()` writes, so that each test gets
a mailbox of its own in one server for the whole session. As root (as here), the login process
runs as Dovecot's own users and the mail belongs to `nobody` (Dovecot refuses mail owned by
root); as anyone else, everything runs as that user.

`SmtpSink` is aiosmtpd's Controller with a handler that keeps every message it receives.
"""

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available() -> bool:
    return Path(DOVECOT).exists() and Path(DOVEADM).exists()


@dataclass
class Mailbox:
    host: str
    port: int
    user: str
    password: str


class Dovecot:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.conf = root / "dovecot.conf"
        self.users = root / "users"
        self.mail = root / "mail"
        self.log = root / "dovecot.log"
        self._count = 0

    def _ids(self) -> tuple[str, str, int, int]:
        """(internal user, login user, mail uid, mail gid)."""
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            return "dovecot", "dovenull", nobody.pw_uid, nobody.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def start(self) -> None:
        internal, login, uid, gid = self._ids()
        for sub in ("base", "state"):
            (self.root / sub).mkdir(mode=0o755)
        self.mail.mkdir()
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            os.chown(self.mail, uid, gid)
        self.users.mkdir(mode=0o755)
        self.conf.write_text(
            "\n".join(
                [
                    "protocols = imap",
                    "listen = 127.0.0.1",
                    f"base_dir = {self.root}/base",
                    f"state_dir = {self.root}/state",
                    f"log_path = {self.log}",
                    "ssl = no",
                    "disable_plaintext_auth = no",
                    "auth_mechanisms = plain login",
                    f"default_internal_user = {internal}",
                    f"default_login_user = {login}",
                    f"mail_location = maildir:{self.mail}/%u",
                    "service imap-login {",
                    "  chroot =",
                    "  inet_listener imap {",
                    "    address = 127.0.0.1",
                    f"    port = {self.port}",
                    "  }",
                    "}",
                    "service anvil {",
                    "  chroot =",
                    "}",
                    # One passwd-file per user: a user added later is a new file, read at once.
                    "passdb {",
                    "  driver = passwd-file",
                    f"  args = {self.users}/%n",
                    "}",
                    "userdb {",
                    "  driver = passwd-file",
                    f"  args = {self.users}/%n",
                    "}",
                    "",
                ]
            )
        )
        # Dovecot forks into the background: its output goes to the log, not to a pipe that
        # would stay open as long as it runs.
        subprocess.run(
            [DOVECOT, "-c", str(self.conf)],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not start; see {self.log}")

    def stop(self) -> None:
        subprocess.run(
            [DOVEADM, "-c", str(self.conf), "stop"],
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )

    def add_mailbox(self) -> Mailbox:
        """A new user with an empty mailbox."""
        _internal, _login, uid, gid = self._ids()
        self._count += 1
        user = f"box{self._count}"
        password = secrets.token_hex(8)
        hashed = subprocess.run(
            [DOVEADM, "pw", "-s", "SHA512-CRYPT", "-p", password],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        (self.users / user).write_text(f"{user}:{hashed}:{uid}:{gid}::{self.mail}/{user}::\n")
        return Mailbox("127.0.0.1", self.port, user, password)


@dataclass
class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    port: int = field(default_factory=free_port)
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    _controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
