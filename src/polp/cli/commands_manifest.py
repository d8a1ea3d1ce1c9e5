"""``polp plan`` and ``polp verify``: from a pipeline manifest to policy-as-code, and back to proof."""

from __future__ import annotations

import os
import sys

import click

from polp.errors import EXIT_FINDINGS, EXIT_OK, InputError, Location

PLAN_FORMATS = ("terraform", "terraform-json", "cloudformation", "json")
VERIFY_FORMATS = ("text", "json", "sarif", "markdown")


def _stale(files: dict[str, str], directory: str) -> list[str]:
    """The generated files that differ from what is in ``directory`` (for ``--check``)."""
    out = []
    for relative, text in files.items():
        path = os.path.join(directory, relative)
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                same = handle.read() == text
        except OSError:
            same = False
        if not same:
            out.append(relative)
    return out


@click.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(PLAN_FORMATS),
    default="terraform",
    show_default=True,
    help="terraform (.tf), terraform-json (.tf.json), cloudformation (YAML) or json (plain IAM JSON).",
)
@click.option(
    "--output",
    "-o",
    "directory",
    type=click.Path(file_okay=False),
    help="The directory to write to (default: print every file).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if the files in --output are not up to date."
)
def plan(manifest: str, fmt: str, directory: str | None, check: bool) -> int:
    """Compile MANIFEST (polp.yaml) into one least-privilege role per identity.

    Each role gets the exact actions its capabilities need on the named resources, the declared
    conditions (tags, network), a trust policy with the audience and subject pinned, the session
    duration and the permissions boundary. Exit codes: 0 written, 1 the generated policies have
    validation findings above a suggestion (or --check found stale files), 2 the manifest is invalid.
    """
    from polp.generate.compile import compile_manifest
    from polp.generate.validation import plan_findings
    from polp.generate.write import render, write_plan
    from polp.manifest.load import load_manifest

    compiled = compile_manifest(load_manifest(manifest))
    files = render(compiled, fmt)
    findings = plan_findings(compiled)
    for finding in findings:
        click.echo(f"polp: validation: {finding}", err=True)
    if check:
        if directory is None:
            raise InputError("--check needs --output DIR (the directory to compare with)")
        stale = _stale(files, directory)
        for relative in stale:
            click.echo(f"polp: out of date: {os.path.join(directory, relative)}", err=True)
        if stale:
            click.echo(f"polp: run `polp plan {manifest} --format {fmt} -o {directory}`", err=True)
        return EXIT_FINDINGS if stale or findings else EXIT_OK
    if directory is None:
        for relative, text in files.items():
            sys.stdout.write(f"# ---- {relative} ----\n{text}")
        return EXIT_FINDINGS if findings else EXIT_OK
    removed = write_plan(files, directory)
    for relative in removed:
        click.echo(f"polp: removed {os.path.join(directory, relative)} (no longer generated)", err=True)
    click.echo(
        f"polp: wrote {len(files)} files to {directory} ({len(compiled.identities)} identities)", err=True
    )
    return EXIT_FINDINGS if findings else EXIT_OK


@click.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "--against",
    "sources",
    multiple=True,
    required=True,
    type=click.Path(),
    help="What to verify (repeatable): account details, Terraform, CloudFormation, policy files, "
    "the output of polp plan, or directories of them.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="IDENTITY=ARN",
    help="The principal that plays an identity (an ARN or a role name; repeatable). Default: the "
    "identity's maps_to, else the role name polp plan creates.",
)
@click.option(
    "--max-excess",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Fail when more than N actions-on-resources or conditions exceed the manifest.",
)
@click.option("--format", "-f", "fmt", type=click.Choice(VERIFY_FORMATS), default="text", show_default=True)
@click.option("--output", "-o", help="Write the report to a file (written whole or not at all).")
def verify(
    manifest: str,
    sources: tuple[str, ...],
    maps: tuple[str, ...],
    max_excess: int,
    fmt: str,
    output: str | None,
) -> int:
    """Prove by simulation that the roles in SOURCE match MANIFEST, identity by identity.

    sufficient: every call each capability needs is allowed under the declared conditions;
    minimal: everything allowed beyond the manifest is excess (gated by --max-excess);
    never: every must-never item is denied; trust: only the declared subjects can assume the role.
    Exit codes: 0 all pass, 1 a check fails, 2 the manifest or a source cannot be read.
    """
    from polp.manifest.load import load_manifest
    from polp.outputs.atomic import write_output
    from polp.sources import load_inventory
    from polp.verify.command import exit_code, verify_manifest
    from polp.verify.render_json import render_json, render_sarif
    from polp.verify.render_text import render_markdown, render_text

    loaded = load_manifest(manifest)
    for source in sources:
        if not os.path.exists(source):
            raise InputError("no such file or directory", Location(source))
    report = verify_manifest(loaded, load_inventory(list(sources)), maps=maps, max_excess=max_excess)
    renderers = {"text": render_text, "json": render_json, "sarif": render_sarif, "markdown": render_markdown}
    write_output(output, renderers[fmt](report))
    return exit_code(report)


COMMANDS = (plan, verify)
