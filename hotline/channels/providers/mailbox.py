"""An email channel's transport: its mailbox read over IMAP (imap-tools), its mail sent over
SMTP through Django's email backend.

Reading never changes the mailbox: messages are fetched with BODY.PEEK (no \\Seen flag set, so
the mailbox's own users still see them unread) and what was taken is remembered by UID in the
channel's row. Memory stays bounded: UIDs are listed, sizes fetched for a batch, and each
message fetched alone; a message over `max_bytes` is fetched as its header only.
"""

import contextlib
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage, get_connection

if TYPE_CHECKING:
    from hotline.channels.models import Channel

TIMEOUT = 30  # seconds for any one IMAP command
SIZES = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class MailboxError(Exception):
    """The mailbox could not be read; the text names no address nor any message."""


@dataclass(frozen=True)
class Listed:
    uid: int
    size: int


class Reader:
    """One IMAP session on the channel's folder."""

    def __init__(self, box: Any, folder: str) -> None:
        self.box = box
        self.folder = folder

    def uidvalidity(self) -> int:
        return int(self.box.folder.status(self.folder, ["UIDVALIDITY"])["UIDVALIDITY"])

    def _uid(self, *args: str) -> list[Any]:
        status, data = self.box.client.uid(*args)
        if status != "OK":
            raise MailboxError(f"The IMAP server refused {args[0]}.")
        return list(data)

    def new(self, after: int, limit: int) -> list[Listed]:
        """The first `limit` messages with a UID above `after`, with their sizes."""
        found = self._uid("SEARCH", f"UID {after + 1}:*")
        # "n:*" names the last message even when its UID is below n: hence the filter.
        uids = sorted(u for u in (int(x) for x in b" ".join(found).split()) if u > after)
        uids = uids[:limit]
        if not uids:
            return []
        sizes: dict[int, int] = {}
        for item in self._uid("FETCH", f"{uids[0]}:{uids[-1]}", "(UID RFC822.SIZE)"):
            text = item[0] if isinstance(item, tuple) else item
            for match in SIZES.finditer(text or b""):
                if match.group(1):
                    sizes[int(match.group(1))] = int(match.group(2))
                else:
                    sizes[int(match.group(4))] = int(match.group(3))
        return [Listed(uid, sizes.get(uid, 0)) for uid in uids]

    def fetch(self, uid: int, *, header_only: bool = False) -> bytes:
        part = "BODY.PEEK[HEADER]" if header_only else "BODY.PEEK[]"
        for item in self._uid("FETCH", str(uid), f"({part})"):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        raise MailboxError("The IMAP server sent no message for a listed UID.")


@contextmanager
def reading(channel: "Channel") -> Iterator[Reader]:
    """A logged-in session on the channel's folder; raises MailboxError (or the channel's
    ImproperlyConfigured for a missing secret)."""
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
    from imap_tools.errors import MailboxLoginError

    from hotline.channels.models import MailSecurity

    password = channel.secret()
    host, port = channel.mail_host, channel.mail_port or 993
    try:
        if channel.mail_security == MailSecurity.TLS:
            box: Any = MailBox(
                host, port, timeout=TIMEOUT, ssl_context=ssl.create_default_context()
            )
        elif channel.mail_security == MailSecurity.STARTTLS:
            box = MailBoxStartTls(
                host, port, timeout=TIMEOUT, ssl_context=ssl.create_default_context()
            )
        else:
            box = MailBoxUnencrypted(host, port, timeout=TIMEOUT)
    except (OSError, ssl.SSLError) as error:
        raise MailboxError(f"The IMAP server cannot be reached ({type(error).__name__}).") from None
    try:
        try:
            box.login(channel.mail_user, password, initial_folder=channel.mail_folder)
        except MailboxLoginError:
            raise MailboxError("The IMAP server refused the user name or password.") from None
        except Exception as error:
            raise MailboxError(
                f"The IMAP folder cannot be opened ({type(error).__name__})."
            ) from None
        yield Reader(box, channel.mail_folder)
    finally:
        with contextlib.suppress(Exception):  # the session ends either way
            box.logout()


def send(message: EmailMessage) -> None:
    """Hand one email to the SMTP server (Django's email backend and settings)."""
    with get_connection(fail_silently=False) as connection:
        connection.send_messages([message])
