"""An email as Hotline reads it: who sent it, its ids, its text, and what kind of mail it is.

`parse(raw)` never raises on what a sender wrote: Python's `email` package (policy.default)
reads the headers (RFC 2047 encoded words included); each text part is decoded with its
declared charset, and when that charset is unknown or wrong (bytes it cannot decode), with
UTF-8 and then Windows-1252, which decodes every byte. A text labelled ASCII or Latin-1 is
tried as UTF-8 first: mail programs label UTF-8 so, and Latin-1 text is almost never valid UTF-8.
A header the package cannot make sense of is read as raw text the same way. Some charsets are
read as their supersets, as mail programs do (GB2312 as GB18030, Shift_JIS as CP932), since
senders label the superset's text with the older name.

HTML is never rendered: an HTML part becomes plain text here (tags dropped, scripts and styles
with their content, block elements as line breaks), and the page shows that text escaped. When a
message has both, the text part is taken. Attachments come with their declared type, size,
file name (as text, its last path segment) and bytes; `attachments.py` keeps them.

What kind of mail it is, for the loop rules: `automatic` when it says so (Auto-Submitted other
than "no", Precedence bulk/list/junk, a List-Id, X-Autoreply, X-Auto-Response-Suppress), and
`bounce` with the Message-ID it reports on when it is a delivery status notification
(multipart/report; report-type=delivery-status).
"""

import codecs
import contextlib
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import Message
from html.parser import HTMLParser

MAX_ID_LENGTH = 255  # Message.provider_id's length: a longer id is kept as its hash
MAX_SUBJECT_LENGTH = 300
MAX_BODY_CHARS = 200_000  # the text kept of one message; the mailbox keeps all of it
MAX_REFERENCES = 50  # of a long thread's References, the newest

SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
}
# Labels that mail programs put on UTF-8 text too: UTF-8 is tried first (Latin-1 text is
# almost never valid UTF-8), then Windows-1252, the superset of both that decodes every byte.
LATIN = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}
FALLBACKS = ("utf-8", "cp1252")
IDS = re.compile(r"<([^<>\s]{1,998})>")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Attachment:
    content_type: str  # as the sender declared it
    size: int
    filename: str = ""  # the sender's, as text to show (never a path)
    data: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str  # "" when the message has none (the caller gives it one)
    sender: str  # the From address, lower-cased; "" when there is none usable
    sender_name: str
    to: list[str]
    subject: str
    body: str  # the text, whole (up to MAX_BODY_CHARS)
    from_html: bool  # the text was made from an HTML part
    in_reply_to: list[str]
    references: list[str]
    automatic: bool
    auto_reason: str  # which header said so, a code
    bounce: bool
    bounced_id: str  # the Message-ID a bounce reports on, "" when it names none
    bounce_status: str  # the DSN status code, as 5.1.1
    attachments: list[Attachment] = field(default_factory=list)
    truncated: bool = False


def decode(data: bytes, charset: str | None) -> str:
    """Bytes as text: the declared charset (or its superset), else UTF-8, else Windows-1252
    (which decodes any byte)."""
    tried: list[str] = []
    if charset:
        name = charset.strip().strip('"').lower()
        name = SUPERSETS.get(name, name)
        try:
            codecs.lookup(name)
            if name not in LATIN:
                tried.append(name)
        except LookupError:
            pass
    for name in (*tried, *FALLBACKS):
        try:
            return clean(data.decode(name))
        except (UnicodeDecodeError, LookupError):
            continue
    return clean(data.decode("utf-8", errors="replace"))


def clean(text: str) -> str:
    """Text the database takes: surrogates (undecodable bytes the email package kept) read
    again, NUL and other control characters but tab and line breaks dropped."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        raw = text.encode("utf-8", errors="surrogateescape")
        text = next(
            (t for t in (_try(raw, "utf-8"), _try(raw, "cp1252")) if t is not None),
            raw.decode("utf-8", errors="replace"),
        )
    return CONTROL.sub("", text)


def _try(raw: bytes, charset: str) -> str | None:
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        return None


def header(message: Message, name: str) -> str:
    """A header's text, whatever its encoding; "" when absent."""
    try:
        value = message.get(name)
        if value is None:
            return ""
        return clean(" ".join(str(value).split()))
    except Exception:  # the email package's parser has its bugs; the header still has text
        return _raw(message, name)


def _raw(message: Message, name: str) -> str:
    """A header as it came (no parsing but RFC 2047's words), for what the parser refuses."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return _raw_header(str(value))
    return ""


def _raw_header(value: str) -> str:
    parts = []
    for chunk, charset in decode_header(value):
        parts.append(decode(chunk, charset) if isinstance(chunk, bytes) else clean(chunk))
    return " ".join(" ".join(parts).split())


def ids(value: str) -> list[str]:
    return [normal_id(m) for m in IDS.findall(value)]


def normal_id(value: str) -> str:
    """A Message-ID as stored: without its brackets, its length bounded (a longer one by hash,
    so that the same id always gives the same value)."""
    value = value.strip().strip("<>")
    if len(value) > MAX_ID_LENGTH:
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
    return value


def _address(message: Message, name: str) -> tuple[str, str]:
    # Should the package's parser fail, the older, forgiving reader below has its turn.
    with contextlib.suppress(Exception):
        value = message.get(name)
        addresses = getattr(value, "addresses", ()) if value is not None else ()
        for address in addresses:
            spec = clean(address.addr_spec or "")
            if "@" in spec and len(spec) <= 254 and not any(c.isspace() for c in spec):
                return spec.lower(), clean(address.display_name or "")[:100]
    name_, spec = email.utils.parseaddr(_raw(message, name))
    if "@" in spec and len(spec) <= 254:
        return spec.lower(), name_[:100]
    return "", ""


class _Text(HTMLParser):
    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "table",
            "ul",
            "ol",
            "hr",
            "section",
            "article",
        ]
    )
    SKIP = frozenset(("script", "style", "head", "title", "template"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """An HTML part as plain text (nothing of it is ever rendered)."""
    parser = _Text()
    # HTMLParser is forgiving; should it give up, the text so far stands.
    with contextlib.suppress(Exception):
        parser.feed(html)
        parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    """The sender's file name as text to show: its last path segment, no control characters."""
    try:
        name = part.get_filename() or ""
    except Exception:  # a broken parameter: the file is kept, nameless
        name = ""
    name = clean(str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if name in (".", "..") else name[:200]


def _automatic(message: Message) -> str:
    auto = header(message, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return "auto_submitted"
    if header(message, "Precedence").lower() in ("bulk", "list", "junk", "auto_reply"):
        return "precedence"
    if header(message, "List-Id") or header(message, "List-Unsubscribe"):
        return "list"
    if header(message, "X-Autoreply") or header(message, "X-Autorespond"):
        return "autoreply"
    if header(message, "X-Auto-Response-Suppress").lower() in ("all", "oof", "autoreply"):
        return "autoreply"
    return ""


def _bounce(message: Message) -> tuple[bool, str, str]:
    """(is a delivery status notification, the Message-ID it reports on, its status code)."""
    if message.get_content_type() != "multipart/report":
        return False, "", ""
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return False, "", ""
    bounced, status = "", ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            # Its "body" is header blocks; the per-recipient block has the Status field.
            blocks = part.get_payload() if part.is_multipart() else []
            for block in blocks if isinstance(blocks, list) else []:
                if isinstance(block, Message):
                    status = status or header(block, "Status")
            if not status:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    found = re.search(rb"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", payload, re.M)
                    status = found.group(1).decode() if found else ""
        elif kind in ("message/rfc822", "text/rfc822-headers") and not bounced:
            if part.is_multipart():
                inner = part.get_payload(0)
                if isinstance(inner, Message):
                    bounced = next(iter(ids(header(inner, "Message-ID"))), "")
            else:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    inner = message_from_bytes(payload, policy=policy.default)
                    bounced = next(iter(ids(header(inner, "Message-ID"))), "")
    return True, bounced, status[:20]


def parse(raw: bytes) -> ParsedEmail:
    message = message_from_bytes(raw, policy=policy.default)
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = part.get_content_disposition()
        if kind.startswith("message/") or kind == "text/rfc822-headers":
            continue
        if disposition == "attachment" or not kind.startswith("text/"):
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            attachments.append(Attachment(kind[:100], len(data), _filename(part), data))
            continue
        if kind == "text/plain" and plain is None:
            plain = _part_text(part)
        elif kind == "text/html" and html is None:
            html = _part_text(part)
    from_html = plain is None and html is not None
    body = plain if plain is not None else html_text(html or "")
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    truncated = len(body) > MAX_BODY_CHARS
    sender, sender_name = _address(message, "From")
    bounce, bounced_id, bounce_status = _bounce(message)
    auto = _automatic(message)
    to = []
    with contextlib.suppress(Exception):  # an unreadable To changes nothing Hotline does
        to_header = message.get("To")
        for address in getattr(to_header, "addresses", ()) if to_header is not None else ():
            if address.addr_spec and "@" in address.addr_spec:
                to.append(clean(address.addr_spec).lower())
    return ParsedEmail(
        message_id=next(iter(ids(header(message, "Message-ID"))), ""),
        sender=sender,
        sender_name=sender_name,
        to=to,
        subject=header(message, "Subject")[:MAX_SUBJECT_LENGTH],
        body=body[:MAX_BODY_CHARS],
        from_html=from_html,
        in_reply_to=ids(header(message, "In-Reply-To"))[:MAX_REFERENCES],
        references=ids(header(message, "References"))[-MAX_REFERENCES:],
        automatic=bool(auto) or bounce,
        auto_reason=auto or ("bounce" if bounce else ""),
        bounce=bounce,
        bounced_id=bounced_id,
        bounce_status=bounce_status,
        attachments=attachments,
        truncated=truncated,
    )


def reply_subject(subject: str) -> str:
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}".strip()


QUOTE_INTRO = re.compile(
    r"^(On .{5,200} wrote:|El .{5,200} escribió:|-{2,} ?Original Message ?-{2,}|"
    r"-{2,} ?Mensaje original ?-{2,}|From: .+)$",
    re.IGNORECASE,
)


def split_quoted(body: str) -> tuple[str, str]:
    """(what the person wrote, the quoted earlier messages below it) for display: from the first
    line that introduces a quote ("On … wrote:", "-----Original Message-----") followed by
    quoted lines, or the first run of ">" lines that goes on to the end. The stored body is
    whole; a message that is only a quote is shown whole."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        rest = [entry.strip() for entry in lines[index:] if entry.strip()]
        starts = QUOTE_INTRO.match(stripped) is not None and index + 1 < len(lines)
        quoted_to_end = stripped.startswith(">") and all(r.startswith(">") for r in rest)
        if starts or quoted_to_end:
            own = "\n".join(lines[:index]).strip()
            if own:
                return own, "\n".join(lines[index:]).strip()
            return body, ""
    return body, ""


# The id `parse` found, for a message without one: unique per channel and mailbox position.
def fallback_id(channel_key: str, uidvalidity: int, uid: int) -> str:
    return f"uid.{uid}.{uidvalidity}@{channel_key}.hotline.invalid"
