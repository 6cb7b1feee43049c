"""One long-lived node process running ``driver.js`` with the reference ``jsonata@2.0.6``, and the comparison
of its answers with sfnkit's.

Install the reference with ``npm install --no-save --no-package-lock --prefix tests/jsonata_oracle jsonata@2.0.6``
(``.ci/run`` does it); without node or the package, :func:`missing` says which piece is absent.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "node_modules" / "jsonata" / "package.json"
VERSION = "2.0.6"


def missing() -> str | None:
    """Why the oracle cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install -y nodejs npm)"
    if not PACKAGE.exists():
        return f"the reference engine is not installed: npm install --prefix {HERE} jsonata@{VERSION}"
    version = json.loads(PACKAGE.read_text()).get("version")
    if version != VERSION:
        return f"tests/jsonata_oracle holds jsonata {version}, not {VERSION}"
    return None


class Oracle:
    """``ask(request)`` -> the reference's answer: ``{"result": v}``, ``{"undefined": True}``,
    ``{"function": True}`` or ``{"error": {"code", "message", ...}}``."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", "--max-old-space-size=1024", "--stack-size=4000", str(HERE / "driver.js")],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request, ensure_ascii=True) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the node oracle exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


def canonical(answer: dict[str, Any], *, as_written: bool = False) -> str:
    """An answer as comparable text: results as JSON in their own key order (AWS keeps it), whole floats as
    integers (JavaScript has one number type); errors by their JSONata code alone.

    ``as_written``: sfnkit's answer as its history writes it, so a ``2.0`` that would reach the history as
    ``2.0`` where AWS writes ``2`` is a difference (the reference's JSON never holds one). Numbers from 2**53 on
    are still compared as doubles: how AWS writes a double that large no recording shows."""
    if "error" in answer:
        return f"error {answer['error'].get('code')}"
    if "undefined" in answer:
        return "undefined"
    if "function" in answer:
        return "function"
    result = _numbers(answer["result"], 2**53 if as_written else 0)
    return "result " + json.dumps(result, ensure_ascii=False, separators=(",", ":"))


def _numbers(value: Any, from_size: float) -> Any:
    # one number type, as in JavaScript: two numbers of at least ``from_size`` match when they are the same double
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if not abs(value) >= from_size:
            return value
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, list):
        return [_numbers(v, from_size) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v, from_size) for k, v in value.items()}
    return value
