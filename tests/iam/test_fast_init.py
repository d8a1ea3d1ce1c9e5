"""polp._slots.fast_init: the direct __init__ behaves as the dataclass's own."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from polp._slots import fast_init
from polp.checks.interface import Finding, PrincipalInfo
from polp.iam.effective import Grant, StatementRef


@fast_init
@dataclass(frozen=True, slots=True)
class _Sample:
    a: str
    b: tuple[str, ...] = ()
    c: dict[str, int] = field(default_factory=dict)


def test_arguments_defaults_and_factories() -> None:
    one = _Sample("x")
    assert (one.a, one.b, one.c) == ("x", (), {})
    assert one.c is not _Sample("y").c  # a new object per instance, as default_factory promises
    assert _Sample("x", ("p",), {"k": 1}) == _Sample(a="x", b=("p",), c={"k": 1})
    with pytest.raises(TypeError):
        _Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Sample("x", unknown=1)  # type: ignore[call-arg]


def test_instances_stay_frozen_and_copyable() -> None:
    one = _Sample("x", ("p",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.a = "y"  # type: ignore[misc]
    assert dataclasses.replace(one, a="y") == _Sample("y", ("p",))
    assert pickle.loads(pickle.dumps(one)) == one
    ref = StatementRef("p", "s")
    assert hash(Grant("s3:GetObject", ("*",), ref)) == hash(Grant("s3:GetObject", ("*",), ref))


def test_refuses_classes_it_cannot_speed_up() -> None:
    @dataclass(slots=True)
    class Mutable:
        a: str

    @dataclass(frozen=True, slots=True)
    class Checked:
        a: str

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError):
        fast_init(Mutable)
    with pytest.raises(TypeError):
        fast_init(Checked)


def test_the_hot_classes_use_it() -> None:
    ref = StatementRef("p", "s")
    grant = Grant("s3:GetObject", ("*",), ref, condition_keys=("aws:SourceIp",))
    assert (grant.not_resources, grant.conditionally_denied) == ((), False)
    assert grant == dataclasses.replace(grant)
    info = PrincipalInfo("role", "r", "arn:aws:iam::111122223333:role/r")
    assert Finding.__init__.__qualname__ == "Finding.__init__"
    finding = Finding(rule=None, message="m", principal=info)  # type: ignore[arg-type]
    assert finding.details == {} and finding.principal is info
