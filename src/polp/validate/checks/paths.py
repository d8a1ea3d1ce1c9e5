"""JSON paths of statement elements, for the locations of findings."""

from __future__ import annotations

from polp.iam.jsonpath import JsonPath
from polp.iam.model import Statement


def element_path(statement: Statement, element: str, index: int | None = None, count: int = 0) -> JsonPath:
    """The path of ``element`` (``Action``) or of its ``index``-th value.

    The model keeps a one-value list and a bare string alike, so a single value is located at the
    element itself, which is right for both.
    """
    if index is None or count <= 1:
        return (*statement.path, element)
    return (*statement.path, element, index)


def statement_values(statement: Statement, element: str) -> tuple[str, ...] | None:
    """The strings of Action, NotAction, Resource or NotResource (None when absent)."""
    if element == "Action":
        return statement.action
    if element == "NotAction":
        return statement.not_action
    if element == "Resource":
        return statement.resource
    return statement.not_resource
