"""Values each process keeps, and every process forgets at the next read once their data changes.

One mechanism for every per-process cache of database rows (docs/decisions/0004):

    from hotline.lib.cache import Shared

    def read_policies() -> list[SlaPolicy]:
        return list(SlaPolicy.objects.active().select_related("calendar"))

    POLICIES = Shared("hours.policies", read_policies, depends_on=[SlaPolicy, Calendar])

    POLICIES.get()  # the kept value, or a new one when the data changed since it was built

How it works. Each name has a *generation*: a random token in the shared cache
(`django.core.cache`, a table of the database that every web and worker process reads). A
process keeps the value it built together with the token it read just before building it, and
builds again when the token it reads differs. A save, delete or many-to-many change of a model
in `depends_on` writes a new token (signals connected here): in the change's own transaction,
so that the change and its token commit together, and again after the commit, so that a process
that read the old rows while the change was not yet committed cannot keep them under the new
token. So a change is seen by every process at its next read, not after a delay.

Cost. Reading the tokens is one small query: inside `checked_once()` (which the middleware
wraps around every request) one query for all names, at most once, and a change made during the
request reads its own name again; elsewhere (task worker, commands) one query per `get()`.

A token missing from the shared cache (culled, cleared, never written) counts as a change: the
first reader writes a new one with `add` (so readers racing each other agree on one) and every
process builds once more, then keeps its value again.

Define a `Shared` in a module that every process imports at startup (the app's `ready()`): a
process that changes rows without having imported it would tell no one.

Changes that send no signal (bulk SQL, `QuerySet.update()`, `bulk_create`, a restored backup)
must call `changed()` themselves. A value must not depend on data that another app changes
behind signals' backs, and it is shared by the process's threads: treat it as read-only.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

# Named to sort after every other key: a full DatabaseCache culls the third of its keys that sort
# first (the throttle's counts), so the generations stay. One lost anyway (a cache cleared, a
# cull frequency of 0) costs each process one build.
KEY_PREFIX = "zz-generation:"

# The tokens read in the current request (or other `checked_once` block), by name.
_checked: ContextVar[dict[str, str] | None] = ContextVar("hotline_cache_checked", default=None)
_registry: dict[str, "Shared[Any]"] = {}


class Shared(Generic[T]):
    """A named value built by `build()`, kept by each process until its generation moves."""

    def __init__(
        self,
        name: str,
        build: Callable[[], T],
        *,
        depends_on: Iterable[type[models.Model]] = (),
    ) -> None:
        if name in _registry:
            raise ValueError(f"A shared value is already named {name!r}.")
        self.name = name
        self.build = build
        self._kept: tuple[str, T] | None = None
        _registry[name] = self
        for model in depends_on:
            self.follow(model)

    def __repr__(self) -> str:
        return f"<Shared {self.name}>"

    def follow(self, model: type[models.Model]) -> None:
        """Forget the value whenever a row of `model` is saved or deleted, or one of its
        many-to-many relations changes."""
        uid = f"hotline.lib.cache:{self.name}:{model._meta.label}"
        post_save.connect(self._signalled, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(self._signalled, sender=model, weak=False, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if not isinstance(through, type):
                raise TypeError(f"{field} has no model for its relation yet: follow it later.")
            m2m_changed.connect(
                self._signalled, sender=through, weak=False, dispatch_uid=f"{uid}:{field.name}"
            )

    def get(self) -> T:
        token = _token(self.name)  # first: a value built after reading it is at least as new
        kept = self._kept
        if kept is not None and kept[0] == token:
            return kept[1]
        value = self.build()
        self._kept = (token, value)
        return value

    def changed(self) -> None:
        """Every process builds the value again at its next read, this one too. Called by the
        signals; call it after a change that sends none."""
        self._kept = None
        checked = _checked.get()
        if checked is not None:
            checked.pop(self.name, None)
        connection = transaction.get_connection()
        if not connection.in_atomic_block:
            _write(self.name)
            return
        # One token in the transaction and one after its commit, however many rows change. A
        # rolled-back transaction or savepoint takes its callbacks (and its token) with it.
        if not any(
            isinstance(callback, _AfterCommit) and callback.name == self.name
            for _, callback, _ in connection.run_on_commit
        ):
            _write(self.name)
            transaction.on_commit(_AfterCommit(self.name))

    def forget_here(self) -> None:
        """Drop this process's value only (tests: rows rolled back send no signal)."""
        self._kept = None

    def _signalled(self, sender: Any, **kwargs: Any) -> None:
        # Relation changes are signalled before and after; saves and deletes carry no action.
        if kwargs.get("action", "post_").startswith("post_"):
            self.changed()


class _AfterCommit:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self) -> None:
        _write(self.name)

    def __repr__(self) -> str:
        return f"<new generation of {self.name} after commit>"


@contextmanager
def checked_once() -> Iterator[None]:
    """Inside the block each generation is read from the shared cache at most once (and again
    after a change made inside it): a request sees the data as of its start, as a whole."""
    if _checked.get() is not None:
        yield
        return
    reset = _checked.set({})
    try:
        yield
    finally:
        _checked.reset(reset)


def forget_here() -> None:
    """Drop every value this process keeps, without touching the shared generations."""
    for shared in _registry.values():
        shared.forget_here()


def _token(name: str) -> str:
    checked = _checked.get()
    if checked is None:
        return _fetch([name]).get(name) or _create(name)
    if name not in checked:
        checked.update(_fetch([name, *(other for other in _registry if other not in checked)]))
    if name not in checked:
        checked[name] = _create(name)
    return checked[name]


def _fetch(names: list[str]) -> dict[str, str]:
    found = cache.get_many([KEY_PREFIX + name for name in names])
    return {key.removeprefix(KEY_PREFIX): token for key, token in found.items()}


def _create(name: str) -> str:
    """A generation for a name the shared cache lost or never had. Readers racing here agree on
    the first one written."""
    token = uuid.uuid4().hex
    if cache.add(KEY_PREFIX + name, token, timeout=None):
        return token
    return cache.get(KEY_PREFIX + name) or token


def _write(name: str) -> None:
    # Random, not counted: a token rolled back with its transaction is never issued again.
    cache.set(KEY_PREFIX + name, uuid.uuid4().hex, timeout=None)
    checked = _checked.get()
    if checked is not None:
        checked.pop(name, None)
