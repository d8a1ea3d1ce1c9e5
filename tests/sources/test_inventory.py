"""The inventory's look-ups: principals by ARN and a user's groups by name."""

from __future__ import annotations

from polp.inventory import Inventory, PrincipalRecord

ACCOUNT = "111122223333"


def _group(name: str, path: str = "") -> PrincipalRecord:
    return PrincipalRecord("group", name, f"arn:aws:iam::{ACCOUNT}:group/{path}{name}")


def test_a_users_groups_are_found_by_name_first_one_first() -> None:
    alice = PrincipalRecord(
        "user", "alice", f"arn:aws:iam::{ACCOUNT}:user/alice", groups=("ops", "gone", "ml")
    )
    first, second = _group("ops"), _group("ops", "other/")
    inventory = Inventory(principals=(alice, first, _group("ml"), second))
    assert [g.arn for g in inventory.groups_of(alice)] == [first.arn, f"arn:aws:iam::{ACCOUNT}:group/ml"]
    assert inventory.get(alice.arn) is alice


def test_with_principals_indexes_the_new_principals_only() -> None:
    bob = PrincipalRecord("user", "bob", f"arn:aws:iam::{ACCOUNT}:user/bob", groups=("ops",))
    before = Inventory(principals=(bob, _group("ops")))
    after = before.with_principals([bob, _group("ops", "new/")])
    assert [g.arn for g in after.groups_of(bob)] == [f"arn:aws:iam::{ACCOUNT}:group/new/ops"]
    assert [g.arn for g in before.groups_of(bob)] == [f"arn:aws:iam::{ACCOUNT}:group/ops"]
