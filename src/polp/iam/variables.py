"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'company-wide'}``, ``${*}``.

Variables exist only in policies whose ``Version`` is ``2012-10-17``. With ``2008-10-17`` or no
``Version`` AWS treats ``${aws:username}`` as literal text, so callers substitute only when the
policy's version allows it (the ``variables`` flag of :mod:`polp.iam.conditions`) and otherwise use
the text as written.

The rules, from the IAM user guide ("IAM policy elements: Variables and tags"):

* ``${key}`` is replaced by the value of ``key`` in the request context; key names are
  case-insensitive. Only single-valued keys can be variables: a key that is absent, or multivalued
  in the request, has no value, and a policy value using it matches nothing (substitution "fails").
* ``${key, 'default'}`` uses ``default`` (case-sensitive, may contain spaces) when the key has no
  value. AWS documents the separator as a comma and a space; any whitespace around the comma is
  accepted here. The variable name itself cannot contain spaces.
* ``${*}``, ``${?}`` and ``${$}`` are a literal ``*``, ``?`` and ``$``.
* Substitution is a single pass: a substituted value is never scanned for variables again.
* Anything that is not one of these forms (``${`` without ``}``, ``${}``, ``${ key }``) is literal
  text; IAM rejects such policies at creation, which is the validator's business.

For ``StringLike``/``ArnLike``/``Resource`` matching the substituted text is a glob, and characters that
came from a substitution (an escape, a context value, a default) are literal: a user named ``a*`` must
not turn into a wildcard. So the glob forms work on *pieces*, ``(is_wildcard, text)`` pairs, and the
regular expressions are built from them with :func:`re.escape` for the literal parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from polp.iam.context import RequestContext

#: ``(True, "*")`` / ``(True, "?")`` is a wildcard; ``(False, text)`` is literal text.
Piece = tuple[bool, str]
Pieces = tuple[Piece, ...]

# A part of a parsed template: literal policy text (its * and ? are wildcards in glob contexts), an
# escape (${*} ${?} ${$}: always literal), or a variable (lowercased key, default or None).
_Part = tuple[Literal["text"], str] | tuple[Literal["escape"], str] | tuple[Literal["var"], str, str | None]

_VARIABLE = re.compile(
    r"""\$\{(?:
        (?P<escape>[*?$])
      | (?P<name>[^\s{}$,']+)(?:\s*,\s*'(?P<default>[^']*)')?
    )\}""",
    re.VERBOSE,
)


def has_variables(text: str) -> bool:
    """Whether ``text`` may contain a policy variable (a fast check for ``${``)."""
    return "${" in text


@lru_cache(maxsize=16384)
def _parse(text: str) -> tuple[tuple[_Part, ...], tuple[str, ...]]:
    """The parts of ``text`` and the (lowercased) keys its variables reference."""
    parts: list[_Part] = []
    keys: list[str] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        if m.start() > pos:
            parts.append(("text", text[pos:m.start()]))
        escape = m.group("escape")
        if escape is not None:
            parts.append(("escape", escape))
        else:
            key = m.group("name").lower()
            parts.append(("var", key, m.group("default")))
            if key not in keys:
                keys.append(key)
        pos = m.end()
    if pos < len(text):
        parts.append(("text", text[pos:]))
    return tuple(parts), tuple(keys)


def _glob_pieces(text: str) -> list[Piece]:
    """Split literal policy text into pieces at its ``*`` and ``?`` wildcards."""
    out: list[Piece] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in "*?":
            if i > start:
                out.append((False, text[start:i]))
            out.append((True, ch))
            start = i + 1
    if start < len(text):
        out.append((False, text[start:]))
    return out


def literal_pieces(text: str) -> Pieces:
    """The glob pieces of ``text`` taken literally (no variable substitution)."""
    return tuple(_glob_pieces(text))


@lru_cache(maxsize=65536)
def _resolve(text: str, values: tuple[str | None, ...]) -> Pieces | None:
    """The pieces of ``text`` with variables replaced by ``values`` (in :func:`_parse` key order)."""
    parts, keys = _parse(text)
    by_key = dict(zip(keys, values, strict=True))
    out: list[Piece] = []
    for part in parts:
        if part[0] == "text":
            out.extend(_glob_pieces(part[1]))
        elif part[0] == "escape":
            out.append((False, part[1]))
        else:
            value = by_key[part[1]]
            if value is None:
                value = part[2]
                if value is None:
                    return None
            if value:
                out.append((False, value))
    return tuple(out)


def substitute_pieces(text: str, ctx: RequestContext) -> Pieces | None:
    """The glob pieces of ``text`` after substitution, or ``None`` if a variable has no value."""
    if "${" not in text:
        return literal_pieces(text)
    _parts, keys = _parse(text)
    return _resolve(text, tuple(ctx.single_lower(k) for k in keys))


def substitute(text: str, ctx: RequestContext) -> str | None:
    """``text`` with its policy variables replaced, or ``None`` if one cannot be resolved.

    ``None`` means the policy value matches nothing (AWS: "any attempt to match it fails"); a
    negated operator such as ``StringNotEquals`` is therefore *true* against it.
    """
    if "${" not in text:
        return text
    pieces = substitute_pieces(text, ctx)
    if pieces is None:
        return None
    return "".join(piece for _wild, piece in pieces)


def substituter(text: str) -> Callable[[RequestContext], str | None]:
    """``lambda ctx: substitute(text, ctx)``, faster for a value that is one variable and nothing else
    (``${aws:PrincipalTag/team}``, the usual form in a condition): the variable's value, or its default."""
    parts, _keys = _parse(text)
    if len(parts) == 1 and parts[0][0] == "var":
        key, default = parts[0][1], parts[0][2]

        def one_variable(ctx: RequestContext) -> str | None:
            value = ctx.single_lower(key)
            return default if value is None else value

        return one_variable
    return partial(substitute, text)


def pieces_regex(pieces: Pieces) -> str:
    """The regular expression (no anchors) matching what a glob made of ``pieces`` matches."""
    out: list[str] = []
    for wild, text in pieces:
        if wild:
            out.append(".*" if text == "*" else ".")
        else:
            out.append(re.escape(text))
    return "".join(out)


@lru_cache(maxsize=65536)
def compile_pieces(pieces: Pieces, case_sensitive: bool = True) -> re.Pattern[str]:
    """A compiled glob (use ``fullmatch``); ``*`` and ``?`` span any character, newlines included."""
    flags = re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE
    return re.compile(pieces_regex(pieces), flags)


def substitute_glob(text: str, ctx: RequestContext, *, case_sensitive: bool = True) -> re.Pattern[str] | None:
    """``text`` as a compiled glob after substitution, or ``None`` if a variable has no value.

    The policy text's own ``*`` and ``?`` are wildcards; ``${*}``, ``${?}`` and substituted values are
    literal. Use ``pattern.fullmatch(value)``. Results are cached on the text, the values of the
    variables it references and ``case_sensitive``.
    """
    pieces = substitute_pieces(text, ctx)
    if pieces is None:
        return None
    return compile_pieces(pieces, case_sensitive)


def compile_glob_text(text: str, *, case_sensitive: bool = True) -> re.Pattern[str]:
    """``text`` as a compiled glob, taken literally (for policies without variable support)."""
    return compile_pieces(literal_pieces(text), case_sensitive)


def variable_keys(text: str) -> tuple[str, ...]:
    """The lowercased context keys that the variables of ``text`` reference (for the validator)."""
    if "${" not in text:
        return ()
    return _parse(text)[1]
