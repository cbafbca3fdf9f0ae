"""The request id of the request being served, for audit events and log lines."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
