"""The IAM glob language: ``*`` is any run of characters, ``?`` exactly one, everything else literal.

Every match of actions or ARNs in polp goes through this module. Actions compare case-insensitively,
ARNs case-sensitively; callers say which with ``case_sensitive``.

:func:`globs_intersect` decides exactly whether two globs have a common match. It runs the product
of the two patterns' automata row by row with the reachable positions of one pattern kept as the bits
of an integer, so it costs O(len(a)) big-integer operations rather than O(len(a) * len(b)) steps.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Internal wildcard, produced by :mod:`polp.iam.arn` for the ``b`` side of
#: :func:`globs_intersect_segmented`: any run of characters without ``/`` (a bucket name, say). A
#: private-use character, so it never occurs in real policies; every other function takes it
#: literally.
SEGMENT_STAR = "\ue000"

_CACHE_SIZE = 1 << 16


def has_wildcard(s: str) -> bool:
    """Whether ``s`` contains ``*`` or ``?``."""
    return "*" in s or "?" in s


@lru_cache(maxsize=_CACHE_SIZE)
def compile_glob(pattern: str, *, case_sensitive: bool) -> re.Pattern[str]:
    """The regex equivalent of a glob; use it with ``fullmatch``.

    A plain translation (``*`` to ``.*``) backtracks exponentially on patterns like ``*a*a*a*a*b``.
    Here every star but the last finds the leftmost match of the literal segment after it and
    commits to it (an atomic group): the leftmost placement of each fixed-length segment is always
    the best, so nothing is lost, and matching costs O(len(value) * len(pattern)) at worst.
    """
    segments = [_segment_regex(s) for s in pattern.split("*")]
    if len(segments) == 1:
        body = segments[0]
    else:
        first, *middle, last = segments
        body = first + "".join(f"(?>.*?{s})" for s in middle if s) + ".*" + last
    flags = re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE
    return re.compile(body, flags)


def _segment_regex(segment: str) -> str:
    return "".join("." if ch == "?" else re.escape(ch) for ch in segment)


def glob_match(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """Whether the whole of ``value`` matches the glob ``pattern``."""
    if not has_wildcard(pattern):
        if case_sensitive:
            return pattern == value
        return pattern == value or pattern.lower() == value.lower()
    return compile_glob(pattern, case_sensitive=case_sensitive).fullmatch(value) is not None


def globs_intersect(a: str, b: str, *, case_sensitive: bool) -> bool:
    """Whether some string matches both globs (either may contain ``*`` and ``?``)."""
    return _intersect(a, b, case_sensitive, False)


def globs_intersect_segmented(a: str, b: str, *, case_sensitive: bool) -> bool:
    """:func:`globs_intersect` where :data:`SEGMENT_STAR` in ``b`` is a ``/``-free wildcard."""
    return _intersect(a, b, case_sensitive, True)


@lru_cache(maxsize=_CACHE_SIZE)
def _intersect(a: str, b: str, case_sensitive: bool, segment_star: bool) -> bool:
    """:func:`globs_intersect`; with ``segment_star``, :data:`SEGMENT_STAR` in ``b`` is a wildcard."""
    if not case_sensitive:
        a, b = a.lower(), b.lower()
    b_wild = has_wildcard(b) or (segment_star and SEGMENT_STAR in b)
    if not has_wildcard(a):
        if not b_wild:
            return a == b
        if not (segment_star and SEGMENT_STAR in b):
            return compile_glob(b, case_sensitive=True).fullmatch(a) is not None
    elif not b_wild:
        return compile_glob(a, case_sensitive=True).fullmatch(b) is not None
    return _product(a, b, segment_star)


def _product(a: str, b: str, segment_star: bool) -> bool:
    """Reachability in the product automaton of two globs.

    State ``(i, j)``: some string has been matched by ``a[:i]`` and ``b[:j]``. The set of reachable
    ``j`` for the current ``i`` is the integer ``reach`` (bit ``j``). A witness never needs a
    character consumed by stars on both sides at once (drop it and both still match), which keeps
    the moves simple: a star either matches nothing or absorbs one character produced by the other
    side.
    """
    m = len(b)
    full = (1 << (m + 1)) - 1
    star = 0  # b[j] == "*"
    seg = 0  # b[j] is a segment star
    any_char = 0  # b[j] == "?"
    literals: dict[str, int] = {}
    for j, ch in enumerate(b):
        bit = 1 << j
        if ch == "*":
            star |= bit
        elif segment_star and ch == SEGMENT_STAR:
            seg |= bit
        elif ch == "?":
            any_char |= bit
        else:
            literals[ch] = literals.get(ch, 0) | bit
    all_literals = full & ~(star | seg | any_char | (1 << m))
    skippable = star | seg

    def close(reach: int) -> int:
        # b's stars may match the empty string: spread every reachable bit through the run of
        # stars that starts at it (an addition carries along the run and out one past its end).
        inside = reach & skippable
        if not inside:
            return reach
        return (reach | ((inside + skippable) ^ skippable)) & full

    reach = close(1)
    for ch in a:
        if not reach:
            return False
        if ch == "*":
            # a's star absorbs anything b produces from the lowest reachable position on.
            lowest = reach & -reach
            reach = full & ~(lowest - 1)
            continue
        if ch == "?":
            step = any_char | all_literals
            stay = star | seg
        else:
            step = any_char | literals.get(ch, 0)
            stay = star | (seg if ch != "/" else 0)
        reach = close((((reach & step) << 1) | (reach & stay)) & full)
    return bool(reach >> m & 1)
