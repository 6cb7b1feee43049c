"""Reading expression text outside its quoted strings: the one loop four readers share.

The JSONPath filter reader (``[?(...)]``: where a parenthesis closes, where an operand ends), the intrinsic
function reader (where a path argument ends), the Terraform reader (where a ``${...}`` interpolation closes) and
the serverless.yml reader (the fallbacks of ``${a, 'b, c'}``) all walk text the same way: a quoted string is
skipped whole, whatever brackets or commas it holds, and brackets outside quotes nest. :class:`Scanner` is that
walk; each reader keeps only its own stopping rule.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["Scanner"]


class Scanner:
    """The characters of ``text[start:end]`` that stand outside quoted strings, and the bracket depth there.

    Iterating yields ``(index, character)`` for each character outside quotes; a quoted string (opened by one of
    ``quotes``, closed by the same character; a backslash escapes the next character when ``escapes``) is skipped
    whole, its quotes included, and an unterminated one runs to ``end``. ``depth`` is the number of ``opening``
    brackets seen minus the ``closing`` ones, updated *before* the bracket is yielded: a closing bracket that
    matches nothing opened here yields with ``depth == -1``. Between two steps the caller may move ``pos``
    forward, past something it recognises (a JSONPath regex literal ``/.../``).
    """

    __slots__ = ("closing", "depth", "end", "escapes", "opening", "pos", "quotes", "text")

    def __init__(
        self,
        text: str,
        start: int = 0,
        end: int | None = None,
        *,
        quotes: str = "'\"",
        escapes: bool = True,
        opening: str = "(",
        closing: str = ")",
    ) -> None:
        self.text = text
        self.pos = start
        self.end = len(text) if end is None else end
        self.quotes = quotes
        self.escapes = escapes
        self.opening = opening
        self.closing = closing
        self.depth = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        text = self.text
        while self.pos < self.end:
            i = self.pos
            ch = text[i]
            self.pos = i + 1
            if ch in self.quotes:
                self.pos = self.past_quoted(i)
                continue
            if ch in self.opening:
                self.depth += 1
            elif ch in self.closing:
                self.depth -= 1
            yield i, ch

    def past_quoted(self, i: int) -> int:
        """The index just past the quoted string that opens at ``i`` (``end`` when it never closes)."""
        text, end, quote = self.text, self.end, self.text[i]
        k = i + 1
        while k < end:
            ch = text[k]
            if ch == "\\" and self.escapes:
                k += 2
                continue
            if ch == quote:
                return k + 1
            k += 1
        return end
