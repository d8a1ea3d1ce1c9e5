"""How sources write what they cannot know.

Infrastructure code rarely names its account: Terraform writes ``data.aws_caller_identity.x.account_id``,
CloudFormation ``AWS::AccountId``, and the ARN of a role created by the same code is only known after
it is applied. polp writes every such account as :data:`UNKNOWN_ACCOUNT`, one fixed word that can never
be a real (12-digit) account id, so that "the account this code is deployed to" compares equal to
itself: a trust policy naming ``arn:aws:iam::UNKNOWN-ACCOUNT:root`` is the role's own account, not a
foreign one. Using it does not make a policy symbolic.

Any other value that cannot be resolved (a variable without a default, a parameter, a remote lookup)
is written as a placeholder ``${reference}`` in the document, the reference is listed in
``PrincipalRecord.unresolved`` and the policy reference is marked ``symbolic``.
"""

from __future__ import annotations

UNKNOWN_ACCOUNT = "UNKNOWN-ACCOUNT"
#: Terraform's and CloudFormation's partition when nothing says otherwise.
DEFAULT_PARTITION = "aws"


def placeholder(reference: str) -> str:
    """The text standing for an unresolved reference inside a document."""
    return "${" + reference + "}"


def iam_arn(account: str, kind: str, path: str, name: str, partition: str = DEFAULT_PARTITION) -> str:
    """``arn:aws:iam::<account>:<kind><path><name>`` for users, groups, roles and policies."""
    return f"arn:{partition}:iam::{account}:{kind}{normalise_path(path)}{name}"


def normalise_path(path: object) -> str:
    """An IAM path as AWS stores it: starts and ends with ``/`` (``/`` when absent or not a string)."""
    if not isinstance(path, str) or not path:
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    return path
