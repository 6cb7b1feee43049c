"""The typed seams between sfnkit's layers: what a JSON value is, and what sfnkit needs from the objects users
pass in (something with a history, a set of mocked answers, an object store).

These are structural types (``typing.Protocol``): any object with the right members fits, so a user's own storage
or a history read from AWS work without subclassing anything. They sit at the bottom of the package (they import
nothing from sfnkit at run time), so every layer may use them in its signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from sfnkit.history.model import History
    from sfnkit.runtime.mocks import MockConfig

__all__ = [
    "JSON",
    "HasHistories",
    "HasHistory",
    "HistorySource",
    "MockSource",
    "StateMocks",
    "Storage",
    "StorageSource",
]

#: A JSON value as Python holds it (``json.loads`` gives one): what executions take as input and give as output,
#: and what a history's details hold. Values sfnkit hands back are typed ``Any`` where a user indexes into them
#: (``ex.output["x"]``), as ``json.loads`` is, so user code needs no casts; this alias names them in the docs and
#: in signatures that only pass them along.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None


@runtime_checkable
class HasHistory(Protocol):
    """Anything with an execution history: a local ``Execution``, a ``RemoteExecution`` followed on AWS, a Map
    run's child. Every view and report accepts one (or a ``History`` itself)."""

    @property
    def history(self) -> History: ...


@runtime_checkable
class HasHistories(Protocol):
    """Many executions at once: the ``Batch`` that ``run_many`` returns; reports then add an ``execution`` column."""

    @property
    def histories(self) -> Sequence[History]: ...


#: What the views and reports read: one history (a ``History``, or anything with ``.history``), a batch, or a list
#: of those (reports then add an ``execution`` column).
HistorySource: TypeAlias = "History | HasHistory | HasHistories | Sequence[History | HasHistory]"


class StateMocks(Protocol):
    """What the interpreter asks of one Step Functions Local test case (``MockConfig.test_case(...)`` gives one):
    the handler that answers a state's task calls, or None when the state is not mocked."""

    def handler_for(self, state_name: str) -> Callable[[Any], Any] | None: ...


#: What ``mocks=`` accepts: a Step Functions Local MockConfigFile (its path, its parsed mapping or a loaded
#: ``MockConfig``, with ``test_case=``) or one test case's mocks.
MockSource: TypeAlias = "MockConfig | StateMocks | str | Path | Mapping[str, Any] | None"


@runtime_checkable
class Storage(Protocol):
    """What a Distributed Map needs from an object store (its ItemReader and ResultWriter): S3 by bucket and key."""

    def get_object(self, bucket: str, key: str) -> bytes: ...

    def list_objects(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]: ...

    def put_object(self, bucket: str, key: str, body: bytes) -> None: ...


#: What ``storage=`` accepts: a ``Storage``, a folder whose subfolders are buckets, or ``{bucket: folder}``.
StorageSource: TypeAlias = "Storage | str | Path | Mapping[str, str | Path] | None"
