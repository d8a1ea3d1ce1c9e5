"""Compiled matchers for the Action and Resource elements.

Actions match case-insensitively over the whole name. ARNs match case-sensitively and component by
component: a wildcard in the partition, service, region or account segment never spans a colon, while
in the resource segment it spans anything (``/`` and ``:`` included). A pattern with fewer than six
segments (``arn:aws:*``) is matched as a plain glob over the whole ARN.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from polp.iam.variables import Pieces, literal_pieces, pieces_regex

Matcher = Callable[[str], bool]


def action_regex(pattern: str) -> str:
    return pieces_regex(literal_pieces(pattern))


def arn_regex_from_pieces(pieces: Pieces) -> str:
    """The regular expression (without anchors) for a Resource pattern given as glob pieces.

    Pieces come from :mod:`polp.iam.variables`: literal text (possibly substituted) and wildcards.
    """
    colons = sum(text.count(":") for wild, text in pieces if not wild)
    if colons < 5:
        return pieces_regex(pieces)
    out: list[str] = []
    seen = 0
    for wild, text in pieces:
        if wild:
            if seen < 5:
                out.append("[^:]*" if text == "*" else "[^:]")
            else:
                out.append(".*" if text == "*" else ".")
            continue
        out.append(re.escape(text))
        seen += text.count(":")
    return "".join(out)


def arn_regex(pattern: str) -> str:
    """The regular expression (without anchors) for one Resource pattern taken literally."""
    if pattern == "*":
        return ".*"
    return arn_regex_from_pieces(literal_pieces(pattern))


def _combine(patterns: Iterable[str], to_regex: Callable[[str], str], *, fold_case: bool) -> Matcher:
    """One matcher for a set of patterns.

    Compiling a regular expression costs far more than matching with one, and most patterns are
    plain names or a name with one trailing ``*``: those are answered with a set and ``startswith``
    (the same answer the regular expression gives), and only the rest is compiled.
    """
    exact: set[str] = set()
    prefixes: set[str] = set()
    bodies: set[str] = set()
    for pattern in patterns:
        text = pattern.lower() if fold_case else pattern
        head = text[:-1] if text.endswith("*") else text
        if "*" not in head and "?" not in head:
            if head == "" and text == "*":
                return lambda _value: True
            (prefixes if text.endswith("*") else exact).add(head)
        else:
            bodies.add(to_regex(pattern))
    starts = tuple(sorted(prefixes))
    regex = re.compile("(?:" + "|".join(sorted(bodies)) + r")\Z",
                       (re.IGNORECASE if fold_case else 0) | re.DOTALL).match if bodies else None

    def match(value: str) -> bool:
        if fold_case:
            value = value.lower()
        if value in exact or (starts and value.startswith(starts)):
            return True
        return regex is not None and regex(value) is not None

    return match


@lru_cache(maxsize=16384)
def compile_actions(patterns: tuple[str, ...]) -> Matcher:
    """Whether an action name matches any of the patterns (case-insensitive)."""
    return _combine(patterns, action_regex, fold_case=True)


@lru_cache(maxsize=16384)
def compile_arns(patterns: tuple[str, ...]) -> Matcher:
    """Whether an ARN matches any of the Resource patterns (case-sensitive, per segment)."""
    return _combine(patterns, arn_regex, fold_case=False)


@lru_cache(maxsize=65536)
def compile_arn_pieces(pieces: Pieces) -> re.Pattern[str]:
    """A Resource pattern after variable substitution, compiled (use ``fullmatch``)."""
    return re.compile(arn_regex_from_pieces(pieces), re.DOTALL)


def arn_pattern_matches(pattern: str, arn: str) -> bool:
    return compile_arns((pattern,))(arn)


def action_pattern_matches(pattern: str, action: str) -> bool:
    return compile_actions((pattern,))(action)
