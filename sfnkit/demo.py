"""``sfnkit demo``: the main job on the embedded example pipeline (``sfnkit.examples``)."""

from __future__ import annotations

from typing import Any

from sfnkit import examples
from sfnkit.asl import model as m

__all__ = ["main"]


def _tree(body: m.Body, indent: str = "  ") -> list[str]:
    lines = []
    for st in body.states.values():
        arrow = " (end)" if st.is_terminal else ""
        nxt = ", ".join(f"{kind} -> {target}" for kind, target in st.transitions())
        lines.append(f"{indent}{st.name:<16} {st.type:<9} {nxt}{arrow}")
        for i, child in enumerate(m.state_children(st)):
            label = f"branch {i}" if isinstance(st, m.ParallelState) else "item processor"
            lines.append(f"{indent}  [{label}] StartAt {child.start_at}")
            lines.extend(_tree(child, indent + "    "))
    return lines


def main(report: Any = None) -> int:
    import sfnkit

    definition = examples.definition("order_pipeline")
    diagnostics = sfnkit.validate(definition)
    sm = sfnkit.load(definition)
    print(f"sfnkit {sfnkit.__version__} demo: the embedded order pipeline")
    print(f"  {definition['Comment']}")
    print(f"\nValidation: {sum(d.severity == 'ERROR' for d in diagnostics)} errors, "
          f"{sum(d.severity == 'WARNING' for d in diagnostics)} warnings")
    for d in diagnostics:
        print("  " + d.format("order_pipeline.asl.json"))
    print(f"\nStates ({len(sm.index)}), StartAt {sm.start_at}:")
    print("\n".join(_tree(sm)))
    return 0
