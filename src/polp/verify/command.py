"""``polp verify polp.yaml --against SOURCE...``: the four checks for every identity, and the exit code.

Exit codes, as for the audit: 0 every identity passes (excess within ``--max-excess``), 1 a check
fails, 2 the manifest or a source cannot be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from polp.errors import EXIT_FINDINGS, EXIT_OK
from polp.generate.compile import CompiledIdentity, compile_manifest
from polp.inventory import Inventory
from polp.manifest.model import Manifest
from polp.verify.minimality import excess, expected_permissions, unenforced_conditions
from polp.verify.never import check_never
from polp.verify.principal import Actual, parse_maps, resolve, session_arn, target_of
from polp.verify.report import IdentityResult, VerifyReport
from polp.verify.sufficiency import check_sufficiency
from polp.verify.trust import check_trust, principal_problems


def verify_identity(
    manifest: Manifest, compiled: CompiledIdentity, actual: Actual | None, target: str
) -> IdentityResult:
    """The four checks of one identity against the principal that plays it (None: not found)."""
    identity = compiled.identity
    found = IdentityResult(
        identity.name,
        identity.role_name,
        identity.location,
        None,
        target=target,
        trust_location=identity.trust_location,
    )
    if actual is None:
        hint = (
            f"no role or user {target!r} in the sources; map the identity with maps_to or "
            f"--map {identity.name}=ARN"
        )
        return replace(found, trust_problems=(hint,))
    principal = session_arn(actual, manifest)
    policies, boundary = actual.identity_policies, actual.boundary
    return replace(
        found,
        principal_arn=actual.arn,
        principal_kind=actual.record.kind,
        sufficient=check_sufficiency(compiled, principal, policies, boundary),
        excess=excess(actual.permissions, expected_permissions(compiled)),
        conditions=unenforced_conditions(compiled, principal, policies, boundary),
        never=tuple(
            check_never(item, actual.permissions, manifest, identity, principal, policies, boundary)
            for item in identity.never
        ),
        trust=check_trust(actual, manifest, identity),
        trust_problems=tuple(principal_problems(actual, identity)),
        symbolic=actual.symbolic,
    )


def verify_manifest(
    manifest: Manifest, inventory: Inventory, *, maps: Sequence[str] = (), max_excess: int = 0
) -> VerifyReport:
    """Verify every identity of ``manifest`` against the principals of ``inventory``."""
    mapping = parse_maps(tuple(maps), manifest)
    plan = compile_manifest(manifest)
    # Identities mapped to the same principal share its policies (and their cached answers).
    actuals: dict[str, Actual | None] = {}
    results = []
    for compiled in plan.identities:
        target = target_of(compiled.identity, mapping)
        if target not in actuals:
            actuals[target] = resolve(inventory, manifest, target)
        results.append(verify_identity(manifest, compiled, actuals[target], target))
    return VerifyReport(
        manifest.file, manifest.pipeline, inventory.origins, results, max_excess, inventory.problems
    )


def exit_code(report: VerifyReport) -> int:
    return EXIT_OK if report.passed else EXIT_FINDINGS
