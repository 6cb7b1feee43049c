"""``sfnkit.asl.scan.Scanner``: the walk outside quoted strings that the expression and template readers share."""

from __future__ import annotations

from sfnkit.asl.scan import Scanner


def outside(scan: Scanner) -> str:
    return "".join(ch for _, ch in scan)


def test_quoted_strings_are_skipped_whole() -> None:
    assert outside(Scanner("a'b,(c'd\"e)\"f")) == "adf"


def test_a_backslash_escapes_inside_quotes_only_when_asked() -> None:
    assert outside(Scanner(r"'a\'b'c")) == "c"
    assert outside(Scanner(r"'a\'b'c", escapes=False)) == "b"  # closes at the backslashed quote; "'c" never closes
    assert outside(Scanner("x'never closed")) == "x"


def test_depth_counts_the_chosen_brackets_and_goes_below_zero_at_an_unopened_close() -> None:
    scan = Scanner("f(a[1], ')')) tail", opening="[(", closing="])")
    seen = [(i, ch, scan.depth) for i, ch in scan]
    assert (1, "(", 1) in seen and (3, "[", 2) in seen and (5, "]", 1) in seen
    assert [(i, d) for i, ch, d in seen if ch == ")"] == [(11, 0), (12, -1)]


def test_only_the_given_range_and_the_given_quotes() -> None:
    assert outside(Scanner("0123456789", 2, 5)) == "234"
    assert outside(Scanner("a'b'c\"d\"e", quotes='"')) == "a'b'ce"


def test_the_caller_may_skip_ahead() -> None:
    scan = Scanner("a /x'y/ b)")
    out = []
    for i, ch in scan:
        out.append(ch)
        if ch == "/":
            scan.pos = scan.text.index("/", i + 1) + 1  # a regex literal, quote and all
    assert "".join(out) == "a / b)"
