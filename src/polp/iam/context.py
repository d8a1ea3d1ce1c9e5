"""The request context: the condition keys of one request and their values.

AWS compares condition key *names* case-insensitively, the tag-key part included
(``aws:PrincipalTag/Team`` is ``AWS:PRINCIPALTAG/team``), so every lookup goes through a lowercase
index built once at construction. Values are kept as the strings AWS compares: JSON ``true`` is
``"true"``, a number is its decimal text.

A key given as a list is *multivalued* in this request (``aws:TagKeys``), even with one element: AWS
never substitutes a multivalued key into a policy variable, so :meth:`RequestContext.single` answers
``None`` for it. A key mapped to ``None`` is absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

Values = tuple[str, ...]


def _scalar(key: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(
        f"context key {key!r}: a value must be a string, boolean or number, found {type(value).__name__}"
    )


class RequestContext(Mapping[str, Values]):
    """An immutable mapping of condition key to values, looked up case-insensitively.

    Iteration yields the keys as written. Two keys that differ only in case are a malformed request
    (AWS would see one key) and raise :class:`ValueError`; a value of another type raises
    :class:`TypeError` (callers turn both into a usage error with a location).
    """

    __slots__ = ("_keys", "_lower", "_single")

    _keys: dict[str, str]
    _lower: dict[str, Values]
    _single: dict[str, str]

    def __init__(self, values: Mapping[str, object] | None = None) -> None:
        keys: dict[str, str] = {}
        lower: dict[str, Values] = {}
        single: dict[str, str] = {}
        for key, raw in (values or {}).items():
            if not isinstance(key, str):
                raise TypeError(f"context keys must be strings, found {type(key).__name__}")
            if raw is None:
                continue
            low = key.lower()
            if low in lower:
                raise ValueError(
                    f"context key {key!r} is given twice (key names are case-insensitive; "
                    f"also given as {keys[low]!r})"
                )
            keys[low] = key
            if isinstance(raw, list | tuple):
                lower[low] = tuple(_scalar(key, item) for item in raw)
            else:
                text = _scalar(key, raw)
                lower[low] = (text,)
                single[low] = text
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_lower", lower)
        object.__setattr__(self, "_single", single)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RequestContext is immutable")

    # -- Mapping -------------------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Values:
        try:
            return self._lower[key.lower()]
        except KeyError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._lower)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._lower

    def get(self, key: str, default: Values | None = None) -> Values | None:  # type: ignore[override]
        """The values of ``key`` (any case), or ``default`` (``None``) when the key is absent."""
        return self._lower.get(key.lower(), default)

    def __repr__(self) -> str:
        items = ", ".join(f"{self._keys[k]!r}: {self._render(k)}" for k in self._lower)
        return f"RequestContext({{{items}}})"

    def _render(self, low: str) -> str:
        return repr(self._single[low]) if low in self._single else repr(list(self._lower[low]))

    # -- fast paths for the evaluator ---------------------------------------------------------------

    def get_lower(self, key_lower: str) -> Values | None:
        """:meth:`get` for a key already in lowercase (the compiled evaluator lowercases once)."""
        return self._lower.get(key_lower)

    def single(self, key: str) -> str | None:
        """The value of a single-valued key; ``None`` if absent or multivalued (given as a list)."""
        return self._single.get(key.lower())

    def single_lower(self, key_lower: str) -> str | None:
        return self._single.get(key_lower)

    def is_multivalued(self, key: str) -> bool:
        low = key.lower()
        return low in self._lower and low not in self._single

    # -- derived contexts ----------------------------------------------------------------------------

    def _as_raw(self) -> dict[str, object]:
        return {
            self._keys[k]: (self._single[k] if k in self._single else list(v)) for k, v in self._lower.items()
        }

    def merged(self, other: Mapping[str, object]) -> RequestContext:
        """A new context with ``other``'s keys added; they replace keys of any case in this one.

        A key mapped to ``None`` in ``other`` is removed.
        """
        raw = self._as_raw()
        replaced = {key.lower() for key in other}
        kept: dict[str, object] = {k: v for k, v in raw.items() if k.lower() not in replaced}
        kept.update(other)
        return RequestContext(kept)

    def with_defaults(self, defaults: RequestContext) -> RequestContext:
        """This context with the keys of ``defaults`` that it lacks (in any case) added.

        ``self`` when there are none to add. The evaluator's fast path for the keys AWS derives from the
        principal (``aws:PrincipalArn``...): ``defaults`` is built once per principal, and no value is
        converted or validated again.
        """
        d_keys, d_lower, d_single = defaults._keys, defaults._lower, defaults._single
        if not d_lower:
            return self
        lower = self._lower
        if not lower.keys().isdisjoint(d_lower):
            keep = [low for low in d_lower if low not in lower]
            if not keep:
                return self
            d_keys = {low: d_keys[low] for low in keep}
            d_lower = {low: d_lower[low] for low in keep}
            d_single = {low: d_single[low] for low in keep if low in d_single}
        out = object.__new__(RequestContext)
        object.__setattr__(out, "_keys", {**d_keys, **self._keys})
        object.__setattr__(out, "_lower", {**d_lower, **lower})
        object.__setattr__(out, "_single", {**d_single, **self._single})
        return out

    def with_values(self, **values: object) -> RequestContext:
        """``merged(values)``; pass keys with colons as ``**{"aws:username": "bob"}``."""
        return self.merged(values)


EMPTY_CONTEXT = RequestContext()
