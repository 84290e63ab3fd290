"""Governance commands: promote (a gated transition for CI), check (for pre-commit hooks and pull
requests), codeowners (review routing from owners and approvers)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from modelreg_cli.cli.common import (
    BranchOption,
    MessageOption,
    PushOption,
    RegistryOption,
    open_registry,
    print_json,
    writing,
)
from modelreg_cli.cli.render.text import safe


def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    to: Annotated[str, typer.Option("--to", help="The stage to promote into, e.g. Production.", show_default=False)],
    from_stage: Annotated[
        str | None, typer.Option("--from", help="Take the latest version in this stage (default: the stage before "
                                 "--to in modelreg.yaml).", show_default=False)
    ] = None,
    condition: Annotated[
        str | None, typer.Option("--if", help="Promote only if the version matches this filter, as in `search "
                                 "--versions`: \"metrics.accuracy >= 0.9\".", show_default=False)
    ] = None,
    archive_existing: Annotated[
        bool, typer.Option("--archive-existing", help="Move the version holding an exclusive --to stage to Archived.")
    ] = False,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
    json: Annotated[bool, typer.Option("--json", help="Print the promoted version as JSON.")] = False,
) -> None:
    """Promote the latest version of a stage if it passes --if and the policy's gates.

    Exits 1 with the reason when it does not qualify, so a CI job can run it unconditionally."""
    with writing(ctx, registry, push, branch) as writer:
        result = writer.promote(
            name, to, from_stage=from_stage, condition=condition, archive_existing=archive_existing, message=message
        )
        if json:
            print_json(result.to_json())
            return
        line = f"Promoted {name} version {result.version.version}: {result.from_stage} -> {result.to_stage}"
        if result.archived:
            line += "; archived " + ", ".join(f"version {n}" for n in result.archived)
        typer.echo(line)


def check(
    ctx: typer.Context,
    staged: Annotated[
        bool, typer.Option("--staged", help="Check the staged files, and the staged change against HEAD (the "
                           "pre-commit hook).")
    ] = False,
    base: Annotated[
        str | None, typer.Option("--base", help="Also check every commit since this revision (e.g. origin/main) "
                                 "against the policy as it was there.", show_default=False)
    ] = None,
    require_signed: Annotated[
        bool, typer.Option("--require-signed", help="With --base: every commit must carry a signature git can "
                           "verify.")
    ] = False,
    artifacts: Annotated[
        bool, typer.Option("--artifacts", help="Also verify every version's artifact against its sha256 and size "
                           "(as `modelreg verify` does).")
    ] = False,
    registry: RegistryOption = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of problems (file, line, rule, message, commit, "
                           "author) for CI annotations.")
    ] = False,
) -> None:
    """Check the registry's files, invariants and (with --base or --staged) every change against the policy.

    Every file must parse and fit the schema and the invariants must hold. Lists every problem; exit 1 if any."""
    from modelreg_cli.cli.render import checks

    if require_signed and base is None:
        from modelreg_cli.errors import UsageError

        raise UsageError("--require-signed checks the commits since --base: pass --base REV too")
    report = open_registry(ctx, registry).check(staged=staged, base=base, require_signed=require_signed,
                                                artifacts=artifacts)
    for note in report.notes:
        sys.stderr.write(f"note: {safe(note)}\n")
    if json:
        print_json([problem.to_json() for problem in report.problems])
    else:
        for problem in report.problems:
            typer.echo(checks.problem_line(problem))
    if report.problems:
        count = len(report.problems)
        sys.stderr.write(f"error: {count} problem{'s' if count != 1 else ''} found: fix "
                         f"{'them' if count != 1 else 'it'} and run `modelreg check` again\n")
        raise typer.Exit(1)
    if not json:
        typer.echo(checks.summary(report))


def codeowners(
    ctx: typer.Context,
    write: Annotated[
        bool, typer.Option("--write", help="Write the lines into the repository's CODEOWNERS (keeping its other "
                           "lines) instead of printing them; nothing is committed.")
    ] = False,
    registry: RegistryOption = None,
) -> None:
    """CODEOWNERS lines from model owners and the policy's approvers, for reviews of promotions.

    The right people are then asked to review each promotion pull request."""
    reg = open_registry(ctx, registry)
    if not write:
        typer.echo("\n".join(safe(line) for line in reg.codeowners()))
        return
    path = reg.write_codeowners()
    typer.echo(f"Wrote modelreg's rules to {path} (not committed: review it, then commit it)")
