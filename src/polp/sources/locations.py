"""Positions of documents that are not JSON text (YAML templates), for file and line in every finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from polp.errors import Location
from polp.iam.jsonpath import JsonPath, render_path
from polp.iam.source import DocumentSource


@dataclass(slots=True)
class PositionedSource(DocumentSource):
    """A document whose positions were recorded while loading it: ``positions`` maps a JSON path of
    the whole file to its 1-based line and column; ``prefix`` places the document inside the file."""

    positions: Mapping[JsonPath, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)

    def embedded(self, prefix: JsonPath) -> PositionedSource:
        return PositionedSource(name=self.name, prefix=(*self.prefix, *prefix), positions=self.positions)

    def locate(self, path: JsonPath) -> Location:
        full = (*self.prefix, *path)
        probe = full
        while probe and probe not in self.positions:
            probe = probe[:-1]
        position = self.positions.get(probe)
        if position is None:
            return Location(self.name, None, None, render_path(full))
        return Location(self.name, position[0], position[1], render_path(full))
