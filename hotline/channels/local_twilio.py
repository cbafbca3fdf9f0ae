"""A local stand-in for Twilio's Messages API, for the tests and the demo: real HTTP on
127.0.0.1, answering as Twilio documents it, so that the real `twilio` client (through the
adapter) talks to it.

    with LocalTwilio.running() as twilio:
        channel = sms_channel(tmp_path, twilio)    # api_base = twilio.url
        ...                                         # send through the adapter
        twilio.requests[0].fields["Body"]

It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (HTTP basic auth with the
account SID and auth token) with 201 and the message resource as JSON: sid "SM" + 32 hex,
status "queued", to, from, body, num_segments, error_code null, uri... Told beforehand, it
answers the next requests otherwise: `fail_next(n)` (503, an outage), `refuse_next(n, 21610)`
(400 with Twilio's error JSON), `drop_next(n)` (closes the connection without answering), and
`hold_next()` (waits, before answering, until the test releases it). Every request is recorded
with its form fields, whatever it was answered.

With `callbacks=True` (the demo's `manage.py sms_gateway`) it also does what Twilio does next:
it posts the message's status callbacks, "sent" then "delivered", to the StatusCallback address
the request gave, signed with the auth token as Twilio signs them.
"""

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen

from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)
MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"
ERRORS = {
    21610: "Attempt to send to unsubscribed recipient",
    21211: "Invalid 'To' Phone Number",
    20003: "Authenticate",
    20429: "Too Many Requests",
}
GSM_LIMIT, UNICODE_LIMIT = 160, 70
CALLBACK_DELAY = 1.0  # seconds between "accepted", "sent" and "delivered"


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    fields: dict[str, str]
    authorized: bool
    answered: int | None = None  # the HTTP status, None when the connection was dropped


@dataclass
class Hold:
    """A request kept waiting: `arrived` is set when it comes, `release()` lets it be answered."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


def segments(body: str) -> int:
    """How many SMS segments the body takes (GSM-7 when ASCII, else UCS-2), as Twilio counts
    them roughly; enough for a test server."""
    single, multi = (GSM_LIMIT, 153) if body.isascii() else (UNICODE_LIMIT, 67)
    if len(body) <= single:
        return 1
    return -(-len(body) // multi)


class LocalTwilio:
    def __init__(
        self,
        account_sid: str = "",
        auth_token: str = "",
        *,
        port: int = 0,
        callbacks: bool = False,
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.callbacks = callbacks
        self.on_message = on_message  # told of each message accepted (the demo prints a line)
        self.requests: list[Received] = []
        self._plan: list[tuple[str, Any]] = []  # what to do with the next requests, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @classmethod
    @contextmanager
    def running(cls, *args: Any, **kwargs: Any) -> Iterator["LocalTwilio"]:
        server = cls(*args, **kwargs)
        server._thread.start()
        try:
            yield server
        finally:
            for _kind, arg in server._plan:
                if isinstance(arg, Hold):
                    arg.release()
            server._server.shutdown()
            server._server.server_close()
            server._thread.join(timeout=10)

    # --- What the next requests get -----------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        with self._lock:
            self._plan += [("status", status)] * n

    def refuse_next(self, n: int = 1, code: int = 21610, status: int = 400) -> None:
        with self._lock:
            self._plan += [("error", (status, code))] * n

    def drop_next(self, n: int = 1) -> None:
        with self._lock:
            self._plan += [("drop", None)] * n

    def hold_next(self) -> Hold:
        hold = Hold()
        with self._lock:
            self._plan.append(("hold", hold))
        return hold

    def sent(self) -> list[dict[str, str]]:
        """The form fields of the requests answered 201: the messages it accepted."""
        return [r.fields for r in self.requests if r.answered == 201]

    # --- The server -----------------------------------------------------------------------------

    def _next(self) -> tuple[str, Any]:
        with self._lock:
            return self._plan.pop(0) if self._plan else ("accept", None)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads `requests`

            def do_GET(self) -> None:
                self._answer(405, _error(20004, "Method not allowed", 405))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                fields = dict(parse_qsl(raw, keep_blank_values=True))
                expected = (
                    "Basic "
                    + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                )
                received = Received(
                    "POST", self.path, fields, self.headers.get("Authorization") == expected
                )
                with fake._lock:
                    fake.requests.append(received)
                if self.path != MESSAGES_PATH.format(sid=fake.account_sid):
                    received.answered = 404
                    self._answer(404, _error(20404, "The requested resource was not found", 404))
                    return
                if not received.authorized:
                    received.answered = 401
                    self._answer(401, _error(20003, ERRORS[20003], 401))
                    return
                kind, arg = fake._next()
                if kind == "hold":
                    arg.arrived.set()
                    arg.released.wait(timeout=30)
                if kind == "drop":
                    # Read, then hang up without a word: what a crashing gateway does.
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if kind == "status":
                    received.answered = arg
                    self._answer(arg, _error(arg, "Service unavailable", arg))
                    return
                if kind == "error":
                    status, code = arg
                    received.answered = status
                    self._answer(status, _error(code, ERRORS.get(code, "Error"), status))
                    return
                received.answered = 201
                message = fake._message(fields)
                self._answer(201, message)
                fake._accepted(message, fields.get("StatusCallback", ""))

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _accepted(self, message: dict[str, Any], callback: str) -> None:
        if self.on_message is not None:
            self.on_message(message)
        if self.callbacks and callback.startswith(("http://", "https://")):
            threading.Thread(target=self._report, args=(message, callback), daemon=True).start()

    def _report(self, message: dict[str, Any], callback: str) -> None:
        """Twilio's status callbacks for an accepted message, a moment apart."""
        for status in ("sent", "delivered"):
            time.sleep(CALLBACK_DELAY)
            params = {
                "MessageSid": message["sid"],
                "SmsSid": message["sid"],
                "AccountSid": self.account_sid,
                "From": message["from"] or "",
                "To": message["to"] or "",
                "MessageStatus": status,
                "SmsStatus": status,
                "ApiVersion": "2010-04-01",
            }
            signature = RequestValidator(self.auth_token).compute_signature(callback, params)
            request = Request(  # noqa: S310 (http or https, checked in _accepted)
                callback,
                data=urlencode(params).encode(),
                headers={"X-Twilio-Signature": str(signature)},
            )
            try:
                with urlopen(request, timeout=10) as answer:  # noqa: S310
                    answer.read()
            except OSError as error:
                # As Twilio does: a callback that fails is not retried.
                logger.warning("status callback %s failed: %s", status, error)

    def _message(self, fields: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        body = fields.get("Body", "")
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": fields.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": fields.get("To"),
            "uri": f"{base}.json",
        }


def _error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
