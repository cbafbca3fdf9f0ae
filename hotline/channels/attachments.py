"""Email attachments on disk: written under generated names, typed by their content.

A file is stored as EMAIL_ATTACHMENT_DIR/<2 hex>/<32 hex>, a random name that says nothing of
the sender's file name (which may be "../../x" or a name that identifies someone); it is written
to a temporary file beside it and renamed, readable by this user only. Its type is what its
first bytes say (puremagic's signatures), text when it is valid UTF-8 without NULs, otherwise
application/octet-stream; the sender's declared type is kept beside it, never trusted.

A file written in a transaction that then rolls back stays on disk with no row naming it: it
cannot be reached through Hotline, and `stored_names()` lists what is there for a clean-up.
"""

import codecs
import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path

import puremagic
from django.conf import settings

NAME = re.compile(r"^[0-9a-f]{32}$")
FALLBACK = "application/octet-stream"


def root() -> Path:
    return Path(settings.EMAIL_ATTACHMENT_DIR)


def path_of(stored_name: str) -> Path:
    """Where a stored attachment is; ValueError for anything but a generated name."""
    if not NAME.match(stored_name):
        raise ValueError("Not a stored attachment's name.")
    return root() / stored_name[:2] / stored_name


def store(data: bytes) -> tuple[str, str]:
    """Write the bytes under a new generated name: (that name, their SHA-256)."""
    name = secrets.token_hex(16)
    path = path_of(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name, hashlib.sha256(data).hexdigest()


def detect(data: bytes) -> str:
    """The type the content says it is."""
    try:
        kind = str(puremagic.from_string(data, mime=True))
    except (puremagic.PureError, ValueError):
        kind = ""
    if kind:
        return kind[:100]
    if data and b"\x00" not in data[:8192]:
        try:
            # Incremental: a character cut at the end of the sample is not an error.
            codecs.getincrementaldecoder("utf-8")().decode(data[:65536], final=False)
        except UnicodeDecodeError:
            return FALLBACK
        return "text/plain"
    return FALLBACK


def stored_names() -> list[str]:
    return sorted(p.name for p in root().glob("??/*") if NAME.match(p.name))
