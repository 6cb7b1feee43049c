"""Stand-in responses for AWS calls that nothing local can answer (a service moto does not implement, a Lambda
function with a runtime other than Python): a value of the operation's *output shape* in botocore's service
model, generated deterministically from a seed.

What a stub gives follows the shape exactly, so a state machine's ``ResultSelector``/``ResultPath`` paths into the
result find the members AWS would return: every member of a structure (to a bounded depth), one element in a list
or map, the first value of an enum, numbers within the shape's ``min``/``max``, ``...Arn`` members shaped as ARNs
in the local account. The value is in boto3's form (botocore member names, ``datetime`` timestamps), so it goes
through :func:`sfnkit.aws.shapes.from_boto` like a real response and a state machine sees it as Step Functions
shapes every result. The same (seed, task, operation) always gives the same value, and names of members
are visible in the values (``"JobName-3f2a9c1e"``), so a stubbed answer is easy to recognise in a history.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from typing import Any

__all__ = ["stub_response"]

_MAX_DEPTH = 5
#: The instant stub timestamps are drawn around (a fixed day, so stubs do not depend on when they are made).
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC).timestamp()


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join((str(seed), *parts)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stub_response(
    shape: Any,
    *,
    seed: int = 0,
    key: str = "",
    service: str = "",
    region: str = "us-east-1",
    account: str = "123456789012",
    request: Any = None,
) -> dict[str, Any]:
    """A response for botocore output ``shape`` (None gives ``{}``) in boto3's form. ``key`` (e.g. the state
    name and the operation) selects the deterministic stream. Top-level members that the ``request`` also has
    (``JobName``, ``TrainingJobName``, ``QueueUrl``...) repeat its value, as AWS's responses do."""
    if shape is None:
        return {}
    gen = _Generator(_rng(seed, key, getattr(shape, "name", "")), service, region, account)
    value = gen.value(shape, "", 0)
    if not isinstance(value, dict):
        return {}
    if isinstance(request, dict):
        given = {str(k).lower(): v for k, v in request.items()}
        for name, sub in shape.members.items():
            v = given.get(name.lower())
            if name in value and isinstance(v, str) and sub.type_name == "string":
                value[name] = v
    return value


class _Generator:
    def __init__(self, rng: random.Random, service: str, region: str, account: str) -> None:
        self.rng = rng
        self.service = service or "service"
        self.region = region
        self.account = account

    def _hex(self, n: int = 8) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def value(self, shape: Any, member: str, depth: int) -> Any:
        t = shape.type_name
        if t == "structure":
            if depth >= _MAX_DEPTH:
                return {}
            out: dict[str, Any] = {}
            for name, sub in shape.members.items():
                if sub.serialization.get("location") in ("header", "headers", "statusCode") and name != "Payload":
                    continue  # HTTP metadata the SDK reports beside the result, not in it
                if sub.type_name in ("structure", "list", "map") and depth + 1 >= _MAX_DEPTH:
                    continue
                out[name] = self.value(sub, name, depth + 1)
            return out
        if t == "list":
            return [] if depth >= _MAX_DEPTH else [self.value(shape.member, member, depth + 1)]
        if t == "map":
            if depth >= _MAX_DEPTH:
                return {}
            return {f"key-{self._hex(4)}": self.value(shape.value, member, depth + 1)}
        if t == "string":
            return self.string(shape, member)
        if t in ("integer", "long"):
            low = int(shape.metadata.get("min", 0))
            high = int(shape.metadata.get("max", max(low, 100)))
            return self.rng.randint(low, max(low, min(high, low + 100)))
        if t in ("float", "double"):
            return round(self.rng.uniform(0, 100), 2)
        if t == "boolean":
            return self.rng.random() < 0.5
        if t == "timestamp":
            return datetime.fromtimestamp(_EPOCH + self.rng.randint(0, 86_400), UTC)
        if t == "blob":
            return ""
        return None

    def string(self, shape: Any, member: str) -> str:
        enum = shape.enum
        if enum:
            return str(enum[0])
        low = member.lower()
        if low.endswith("arn"):
            return (
                f"arn:aws:{self.service}:{self.region}:{self.account}:{member[:-3].lower() or 'resource'}/{self._hex()}"
            )
        if low.endswith("id") or low.endswith("token"):
            return f"{self._hex(8)}-{self._hex(4)}-{self._hex(4)}-{self._hex(4)}-{self._hex(12)}"
        if low.endswith("url") or low.endswith("uri"):
            return f"https://{self.service}.{self.region}.amazonaws.com/{self.account}/{self._hex()}"
        text = f"{member or 'value'}-{self._hex()}"
        max_len = shape.metadata.get("max")
        return text[: int(max_len)] if isinstance(max_len, int) and max_len > 0 else text
