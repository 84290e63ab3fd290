"""The promotion policy of modelreg.yaml, applied to one move. Pure: no I/O.

A *move* is a version entering a stage (by transition, rollback, promote, register --stage or a
hand edit) or a protected alias being set, moved or removed. The same functions judge a move made
by a command (core/changes.py, before anything is written) and a move found in a commit
(core/checks.py, for `modelreg check --base`), so what a command may do and what a check accepts
are the same thing. See docs/policy.md.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelreg_cli.core.manifests import OWNERS, Gate, Policy, RegistryConfig, VersionManifest
from modelreg_cli.core.metrics import Direction, verdict
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import PolicyError

Returning = Callable[[], bool]
"""Whether the version held the stage (or the alias pointed at it) before: asked only when it matters."""
HeldStage = Callable[[int, str], bool]
"""(version, stage) -> whether that version of the model held the stage before (from history)."""
Who = str | tuple[str, ...]
"""Who makes a change: one git identity (an email), or every identity a change of a whole branch
is owed to (each of them must be allowed)."""


def people(who: Who) -> tuple[str, ...]:
    return (who,) if isinstance(who, str) else who


@dataclass(frozen=True)
class Violation:
    """One rule a move breaks: `rule` names it (transition, require, fields, not-worse, approvers),
    `message` says what is wrong and what to do."""

    rule: str
    message: str


# --------------------------------------------------------------------------- moves into a stage


def stage_move_violations(
    config: RegistryConfig,
    before: ModelState | None,
    version: VersionManifest,
    aliases: Sequence[str],
    from_stage: str,
    who: Who,
    returning: Returning | None = None,
    stepwise: bool = False,
    leaving: bool = True,
) -> list[Violation]:
    """What VERSION (as it is after the move, in its new stage, with ALIASES) breaks by moving from
    FROM_STAGE, made by WHO; BEFORE is its model before the move (None: new). STEPWISE: the move
    is the net effect of several (a whole branch), so it may go through other stages, each of
    whose approvers WHO must be, instead of being one allowed transition. LEAVING: judge its leaving
    FROM_STAGE too (who may take versions out of it)."""
    policy = config.policy
    to_stage = version.stage
    if policy is None or from_stage == to_stage:
        return []
    found = []
    allowed = policy.allowed_targets(from_stage)
    if allowed is not None and to_stage.lower() not in {target.lower() for target in allowed}:
        path = _path(config, before, version, from_stage, who) if stepwise else None
        if path is None:
            found.append(Violation("transition", _transition_message(policy, from_stage, to_stage, allowed)))
    if leaving:
        found += leave_violations(config, before, from_stage, who, f"take versions out of {from_stage}")
    gate = policy.gate(to_stage)
    if gate is not None:
        replaced = _stage_holder(before, to_stage, version.version)
        found += gate_violations(gate, version, aliases, replaced, f"the current {to_stage} version")
        found += approver_violations(gate, before, who, f"move versions into {to_stage}")
    return _excuse_return(found, returning, from_stage == config.archive)


def leave_violations(config: RegistryConfig, before: ModelState | None, stage: str, who: Who, what: str
                     ) -> list[Violation]:
    """Taking a version out of STAGE (moving it, deleting it or its model) needs the stage's
    leave_approvers (by default its approvers)."""
    gate = config.policy.gate(stage) if config.policy is not None else None
    if gate is None:
        return []
    return _approval(gate.who_may_leave(), before, who, what)


def _path(config: RegistryConfig, before: ModelState | None, version: VersionManifest, from_stage: str, who: Who
          ) -> list[str] | None:
    """The stages VERSION could have gone through, one allowed transition at a time, from FROM_STAGE
    to its stage, each entered and left by people its gate allows; None when there is no such way.
    (What a version must meet on the way is judged commit by commit, when it got there: its tags
    may have changed since.)"""
    assert config.policy is not None
    policy, target = config.policy, version.stage
    seen, frontier = {from_stage}, [(from_stage, list[str]())]
    while frontier:
        stage, path = frontier.pop(0)
        targets = policy.allowed_targets(stage)
        for step in config.stages if targets is None else targets:
            if step == target:
                return path
            if step in seen or not _passable(config, before, step, who):
                continue
            seen.add(step)
            frontier.append((step, [*path, step]))
    return None


def _passable(config: RegistryConfig, before: ModelState | None, stage: str, who: Who) -> bool:
    assert config.policy is not None
    gate = config.policy.gate(stage)
    if gate is None:
        return True
    return not (approver_violations(gate, before, who, "") or leave_violations(config, before, stage, who, ""))


def _transition_message(policy: Policy, from_stage: str, to_stage: str, allowed: list[str]) -> str:
    listed = f"only to {', '.join(allowed)}" if allowed else "to no other stage"
    text = f"a version in {from_stage} may move {listed}"
    through = [stage for stage in allowed if (targets := policy.allowed_targets(stage)) is None or to_stage in targets]
    if through:
        return f"{text}: move it to {through[0]} first"
    return text


def _stage_holder(before: ModelState | None, stage: str, other_than: int) -> VersionManifest | None:
    """The version a move into STAGE replaces: its highest holder before, apart from the mover."""
    if before is None:
        return None
    holders = [n for n in before.holders(stage) if n != other_than]
    return before.versions[holders[-1]] if holders else None


# --------------------------------------------------------------------------- taking things away


def version_removal_violations(config: RegistryConfig, before: ModelState, number: int, who: Who) -> list[Violation]:
    """Deleting version NUMBER of BEFORE takes its stage away from it: the stage's leave approvers
    decide (its aliases going with it are judged as alias removals)."""
    stage = before.version(number).stage
    return leave_violations(config, before, stage, who, f"delete {before.name} v{number}, which holds {stage}")


def model_removal_violations(config: RegistryConfig, before: ModelState, who: Who, renaming: bool = False
                             ) -> list[Violation]:
    """Deleting (or, RENAMING, renaming) the model BEFORE takes every stage and alias it holds
    away from it: each gated stage's leave approvers and each protected alias's approvers must
    agree; a rename is decided by policy.rename_approvers instead, when it is set."""
    policy = config.policy
    if policy is None:
        return []
    verb = "rename" if renaming else "delete"
    if renaming and policy.rename_approvers is not None:
        return _approval(policy.rename_approvers, before, who, f"rename models (renaming {before.name})")
    found: list[Violation] = []
    for stage in config.stages:
        holders = before.holders(stage)
        if holders:
            held = f"v{', v'.join(map(str, holders))} {'hold' if len(holders) > 1 else 'holds'} {stage}"
            found += leave_violations(config, before, stage, who, f"{verb} {before.name}, whose {held}")
    for alias in sorted(before.model.aliases):
        gate = policy.protected_aliases.get(alias)
        if gate is not None:
            found += _approval(gate.who_may_leave(), before, who,
                               f"{verb} {before.name}, which holds the protected alias @{alias}")
    return found


# --------------------------------------------------------------------------- protected aliases


def alias_move_violations(
    config: RegistryConfig,
    before: ModelState | None,
    alias: str,
    version: VersionManifest,
    aliases: Sequence[str],
    who: Who,
    returning: Returning | None = None,
) -> list[Violation]:
    """What pointing ALIAS at VERSION (as it is after the change, with ALIASES) breaks, made by WHO."""
    policy = config.policy
    gate = policy.protected_aliases.get(alias) if policy is not None else None
    if gate is None:
        return []
    previous = before.model.aliases.get(alias) if before is not None else None
    replaced = before.versions.get(previous) if before is not None and previous is not None else None
    if replaced is not None and replaced.version == version.version:
        replaced = None
    found = gate_violations(gate, version, aliases, replaced, f"the version @{alias} points at now")
    found += approver_violations(gate, before, who, f"move the protected alias @{alias}")
    return _excuse_return(found, returning, from_archive=False)


def alias_removal_violations(config: RegistryConfig, before: ModelState | None, alias: str, who: Who) -> list[Violation]:
    """Removing a protected alias needs one of its leave_approvers (by default its approvers)."""
    policy = config.policy
    gate = policy.protected_aliases.get(alias) if policy is not None else None
    if gate is None:
        return []
    return _approval(gate.who_may_leave(), before, who, f"remove the protected alias @{alias}")


# --------------------------------------------------------------------------- gates


def gate_violations(
    gate: Gate, version: VersionManifest, aliases: Sequence[str], replaced: VersionManifest | None, replaced_as: str
) -> list[Violation]:
    """The conditions, required fields and not-worse rules of GATE that VERSION fails; REPLACED is
    the version it takes the place of (REPLACED_AS says how), if any."""
    from modelreg_cli.core.filter import parse_filter

    found = []
    entity = version_entity(version, aliases)
    for condition in gate.require:
        if not parse_filter(condition, "versions").matches(entity):
            found.append(Violation("require", f"`{condition}` does not hold for v{version.version}{_values(condition, entity)}"))
    missing = [name for name in gate.fields if not has_field(entity, name)]
    if missing:
        found.append(Violation("fields", f"v{version.version} has no {', '.join(missing)}: {_how_to_add(version, missing)}"))
    if replaced is not None:
        for metric, better in gate.not_worse_than_current.items():
            problem = _worse(metric, better, version, replaced, replaced_as)
            if problem:
                found.append(Violation("not-worse", problem))
    return found


def _how_to_add(version: VersionManifest, missing: Sequence[str]) -> str:
    """What to do about missing fields: the mutable ones can be set, the others need a new version."""
    fixed = [name for name in missing if name != "description" and not name.startswith("tags.")]
    steps = []
    if "description" in missing:
        steps.append(f"set the description with `modelreg describe {version.name} TEXT --version {version.version}`")
    for name in missing:
        if name.startswith("tags."):
            steps.append(f"set the tag with `modelreg tag set {version.name} {name[5:]} VALUE --version {version.version}`")
    if fixed:
        steps.append(f"register a version that records {', '.join(fixed)} (fixed once registered)")
    return ", and ".join(steps)


def version_entity(version: VersionManifest, aliases: Sequence[str]) -> dict[str, Any]:
    """The version as the filter language sees it (as `modelreg search --versions` does)."""
    return {**version.model_dump(mode="json"), "aliases": sorted(aliases)}


def has_field(entity: Mapping[str, Any], name: str) -> bool:
    """Whether the version dict has NAME (run_id, artifact.sha256, metrics.auc, ...) with a value."""
    value: Any = entity
    for part in name.split(".", 1):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return value is not None and value is not False and value != "" and value != [] and value != {}


def _worse(metric: str, better: Direction, version: VersionManifest, replaced: VersionManifest, replaced_as: str) -> str:
    current = replaced.metrics.get(metric)
    if current is None:
        return ""  # nothing to compare with
    new = version.metrics.get(metric)
    where = f"v{replaced.version}, {replaced_as}"
    if new is None:
        return f"v{version.version} has no metric {metric} to compare with {_number(current)} of {where}"
    if verdict(current, new, better) == "worse":
        return (f"{metric} {_number(new)} of v{version.version} is worse than {_number(current)} of {where} "
                f"({better} is better)")
    return ""


_KEYED = re.compile(r"\b(metrics?|params?|tags?)\.(`[^`]*`|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)", re.IGNORECASE)


def _values(condition: str, entity: Mapping[str, Any]) -> str:
    """' (auc is 0.88)': the values of the keys a failed condition names, to say why it failed."""
    shown = []
    for kind, key in dict.fromkeys(_KEYED.findall(condition)):
        group = {"metric": "metrics", "param": "params", "tag": "tags"}.get(kind.lower(), kind.lower())
        key = key.strip("`")
        values = entity.get(group) or {}
        shown.append(f"{key} is {_number(values[key])}" if key in values else f"{key} is missing")
    return f" ({', '.join(shown)})" if shown else ""


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- who


def approver_violations(gate: Gate, before: ModelState | None, who: Who, what: str) -> list[Violation]:
    return _approval(gate.approvers, before, who, what)


def _approval(approvers: Sequence[str] | None, before: ModelState | None, who: Who, what: str) -> list[Violation]:
    """Nothing when APPROVERS is None (anyone) or every one of WHO is an approver; else the
    `approvers` violation naming those who are not. `owners` means the owners in BEFORE."""
    if approvers is None:
        return []
    owners = list(before.model.owners) if before is not None else []
    refused = [person for person in people(who) if not is_approver(person, approvers, owners)]
    if not refused:
        return []
    return [Violation("approvers", f"{' and '.join(refused)} may not {what}: ask "
                                   f"{describe_approvers(approvers, owners)} to make the change")]


def is_approver(who: str, approvers: Sequence[str], owners: Sequence[str]) -> bool:
    """Whether the git email WHO matches an approver: an email or fnmatch pattern (any case), or
    `owners`, meaning any of OWNERS."""
    email = who.strip().lower()
    for entry in approvers:
        patterns = owners if entry == OWNERS else [entry]
        if any(fnmatch.fnmatchcase(email, pattern.strip().lower()) for pattern in patterns):
            return True
    return False


def describe_approvers(approvers: Sequence[str], owners: Sequence[str]) -> str:
    """'an owner of the model (a@x.com, b@x.com) or someone matching *@risk.example.com'."""
    parts = []
    for entry in approvers:
        if entry == OWNERS:
            parts.append(f"an owner of the model ({', '.join(owners)})" if owners else
                         "an owner of the model (it has none: list them under owners in its model.yaml)")
        elif any(char in entry for char in "*?["):
            parts.append(f"someone matching {entry}")
        else:
            parts.append(entry)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _excuse_return(found: list[Violation], returning: Returning | None, from_archive: bool) -> list[Violation]:
    """Drop the rules a returning version is excused from, when it is one (asked only then): a
    version that held the stage before is excused from not-worse (a rollback may go back to an
    older, worse version), and, coming back FROM_ARCHIVE, from the transitions (a rollback gives
    the stage back to the holder it displaced). Any other move obeys the transitions."""
    exempt = ("not-worse", "transition") if from_archive else ("not-worse",)
    if returning is None or not any(v.rule in exempt for v in found) or not returning():
        return found
    return [v for v in found if v.rule not in exempt]


# --------------------------------------------------------------------------- refusing


def enforce(violations: Sequence[Violation], what: str) -> None:
    """Raise the one-line refusal naming every rule WHAT breaks, if it breaks any."""
    if violations:
        rules = "; ".join(f"{v.rule}: {v.message}" for v in violations)
        raise PolicyError(f"the policy in modelreg.yaml refuses {what}: {rules}")


def check_transition(
    config: RegistryConfig,
    state: ModelState,
    number: int,
    target: str,
    who: str,
    displaced: Sequence[int] = (),
    archived: str = "",
    held_before: HeldStage | None = None,
    what: str | None = None,
) -> None:
    """Refuse moving version NUMBER of STATE (its state before the move) into TARGET, and the
    DISPLACED holders to ARCHIVED with it, when the policy forbids any of it. HELD_BEFORE tells
    whether a version held a stage before (a version going back is excused some rules)."""
    if config.policy is None:
        return
    manifest = state.version(number)
    gate = config.policy.gate(target)
    # A holder displaced from TARGET leaves it; when the same people decide leaving and entering,
    # the mover's own approval already says it.
    same_people = gate is None or gate.leave_approvers is None
    found = []
    for version, stage in [(number, target), *((other, archived) for other in displaced)]:
        current = state.version(version)
        returning = _asker(held_before, version, stage)
        moves = stage_move_violations(config, state, current.model_copy(update={"stage": stage}),
                                      state.aliases_of(version), current.stage, who, returning,
                                      leaving=version == number or not same_people)
        prefix = "" if version == number else f"(archiving v{version}) "
        found += [Violation(v.rule, prefix + v.message) for v in moves]
    enforce(found, what or f"{state.name} v{number}: {manifest.stage} -> {target}")


def _asker(held_before: HeldStage | None, version: int, stage: str) -> Returning | None:
    return None if held_before is None else (lambda: held_before(version, stage))


def check_alias(
    config: RegistryConfig | None, state: ModelState, alias: str, number: int, who: str, returning: Returning | None = None
) -> None:
    """Refuse pointing ALIAS of STATE (before the change) at NUMBER when the policy forbids it."""
    if config is None or config.policy is None:
        return
    aliases = sorted({*state.aliases_of(number), alias})
    found = alias_move_violations(config, state, alias, state.version(number), aliases, who, returning)
    enforce(found, f"{state.name}@{alias} -> v{number}")


def check_alias_removal(config: RegistryConfig | None, state: ModelState, aliases: Sequence[str], who: str) -> None:
    if config is None or config.policy is None:
        return
    for alias in aliases:
        enforce(alias_removal_violations(config, state, alias, who), f"removing {state.name}@{alias}")


# --------------------------------------------------------------------------- promote


def promotion_candidate(config: RegistryConfig, state: ModelState, to_stage: str, from_stage: str | None,
                        condition: str | None) -> tuple[int, str]:
    """(the version `promote` moves, the stage it is taken from): the highest version in FROM_STAGE
    (default: the stage before TO_STAGE in the configured order), which must meet CONDITION."""
    from modelreg_cli.core.filter import FilterError, parse_filter
    from modelreg_cli.core.names import canonical_stage
    from modelreg_cli.errors import InvalidInputError, NotFoundError

    target = canonical_stage(to_stage, config.stages)
    if from_stage is not None:
        source = canonical_stage(from_stage, config.stages)
    else:
        place = config.stages.index(target)
        if place == 0:
            raise InvalidInputError(f"{target} is the first stage: nothing comes before it to promote from "
                                    "(pass --from STAGE)")
        source = config.stages[place - 1]
    if source == target:
        raise InvalidInputError(f"--from and --to are both {target}: promote from another stage")
    try:
        test = parse_filter(condition, "versions") if condition is not None else None
    except FilterError as exc:
        raise InvalidInputError(f"--if {condition!r}: {exc}") from None
    holders = state.holders(source)
    if not holders:
        raise NotFoundError(f"no version of {state.name!r} is in {source}: nothing to promote to {target}")
    number = holders[-1]
    if test is not None and condition is not None:
        entity = version_entity(state.versions[number], state.aliases_of(number))
        if not test.matches(entity):
            raise PolicyError(f"{state.name} v{number} (the latest in {source}) does not qualify for {target}: "
                              f"--if `{condition}` does not hold{_values(condition, entity)}")
    return number, source


# --------------------------------------------------------------------------- CODEOWNERS

CODEOWNERS_BEGIN = "# BEGIN modelreg: made by `modelreg codeowners --write` from model owners and policy approvers"
CODEOWNERS_END = "# END modelreg"


def policy_approvers(config: RegistryConfig) -> list[str]:
    """The plain emails among the approvers of every gate and protected alias (patterns and
    `owners` cannot name a CODEOWNERS entry), in the order they appear."""
    if config.policy is None:
        return []
    gates = [*config.policy.gates.values(), *config.policy.protected_aliases.values()]
    found = [entry for gate in gates for entry in gate.approvers or []
             if entry != OWNERS and not any(char in entry for char in "*?[")]
    return list(dict.fromkeys(found))


def codeowners_lines(config: RegistryConfig, owners: Mapping[str, Sequence[str]], prefix: str) -> list[str]:
    """CODEOWNERS rules for the registry at PREFIX (its folder from the top of the repository): the
    policy approvers own modelreg.yaml, and each model's folder is owned by its owners and the
    approvers (who review its promotions). OWNERS: model name -> its owners."""
    from modelreg_cli.core import layout

    top = f"/{prefix}/" if prefix else "/"
    approvers = policy_approvers(config)
    lines = [CODEOWNERS_BEGIN]
    if approvers:
        lines.append(f"{top}{layout.CONFIG_FILE} {' '.join(approvers)}")
    for name in sorted(owners):
        who = list(dict.fromkeys([*owners[name], *approvers]))
        path = f"{top}{layout.model_dir(name)}/"
        lines.append(f"{path} {' '.join(who)}" if who else f"# {path} has no owners: add them to its model.yaml")
    lines.append(CODEOWNERS_END)
    return lines


def merge_codeowners(existing: str, lines: Sequence[str]) -> str:
    """EXISTING CODEOWNERS text with modelreg's block replaced by LINES (appended when absent: the
    last matching rule wins, so the block goes after the hand-written ones)."""
    kept = existing.splitlines()
    if CODEOWNERS_BEGIN.split(":")[0] in existing:
        start = next(i for i, line in enumerate(kept) if line.startswith(CODEOWNERS_BEGIN.split(":")[0]))
        end = next((i for i, line in enumerate(kept) if i > start and line.strip() == CODEOWNERS_END), len(kept) - 1)
        merged = kept[:start] + list(lines) + kept[end + 1:]
    else:
        merged = kept + ([""] if kept and kept[-1].strip() else []) + list(lines)
    return "\n".join(merged) + "\n"
