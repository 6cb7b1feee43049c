"""Caches keyed by the identity of a definition's own objects, released when the machine that owns them goes.

The front end compiles payload templates and JSONata payload trees once per object of the frozen model and finds
them again by ``id()``. An ``id`` is only a key while its object lives, so each entry holds its object; without
more, a cache would keep every definition it ever saw alive (5,000 dropped machines: 28 -> 279 MiB). Dicts and
lists cannot be weakly referenced, so ownership goes through the machine: :func:`own` registers, when a
:class:`~sfnkit.asl.model.StateMachine` is built, a finaliser that drops every entry for an object of its
definition when the machine is garbage collected. Objects no machine owns (a template compiled by hand) are
cached up to a bound, as before.
"""

from __future__ import annotations

import weakref
from typing import Any, Final, Generic, TypeVar

__all__ = ["IdentityCache", "own"]

V = TypeVar("V")

_CACHES: weakref.WeakSet[IdentityCache[Any]] = weakref.WeakSet()
MAX_ENTRIES: Final = 4096


class IdentityCache(Generic[V]):
    """A map from an object (by identity) to a value derived from it, holding the object while it is cached."""

    __slots__ = ("__weakref__", "_entries", "_max")

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: dict[int, tuple[Any, V]] = {}
        self._max = max_entries
        _CACHES.add(self)

    def get(self, obj: Any) -> V | None:
        entry = self._entries.get(id(obj))
        return entry[1] if entry is not None and entry[0] is obj else None

    def put(self, obj: Any, value: V) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[id(obj)] = (obj, value)

    def __len__(self) -> int:
        return len(self._entries)

    def _release(self, ids: frozenset[int]) -> None:
        entries = self._entries
        for key in ids & entries.keys():
            entries.pop(key, None)


def _containers(value: Any) -> frozenset[int]:
    """The ids of every dict and list in a JSON value (iteratively: a definition may be deeply nested)."""
    ids: set[int] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is dict:
            if id(v) not in ids:
                ids.add(id(v))
                stack.extend(x for x in v.values() if type(x) in (dict, list))
        elif t is list and id(v) not in ids:
            ids.add(id(v))
            stack.extend(x for x in v if type(x) in (dict, list))
    return frozenset(ids)


def _release_all(definition: Any) -> None:
    if not any(len(cache) for cache in _CACHES):
        return
    ids = _containers(definition)
    for cache in list(_CACHES):
        cache._release(ids)


def own(machine: Any, definition: Any) -> None:
    """Tie the cache entries for ``definition``'s objects to ``machine``: they go when the machine is collected.

    The definition's containers are listed when the machine goes, not when it is built: loading stays one walk
    of the definition (listing them took a fifth of loading a 10,000-state machine), and the finaliser holding
    the definition keeps nothing alive that the machine did not (its ``definition`` is this object)."""
    if type(definition) in (dict, list):
        done = weakref.finalize(machine, _release_all, definition)
        done.atexit = False  # the caches go with the process anyway
