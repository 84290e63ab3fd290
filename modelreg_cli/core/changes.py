"""The registry's write operations as pure functions.

Each takes the current state of one model (and the config) plus a request, checks the
rules, and returns a Change: the files to write and delete and the commit message.
Nothing here touches the disk or git, so every rule is testable on plain data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from modelreg_cli.core import fields, layout
from modelreg_cli.core.manifests import (
    Artifact,
    Lineage,
    ModelManifest,
    RegistryConfig,
    VersionManifest,
)
from modelreg_cli.core.names import (
    canonical_stage,
    check_metric,
    validate_alias,
    validate_email,
    validate_key,
    validate_line,
    validate_message,
    validate_model_name,
)
from modelreg_cli.core.policy import (
    HeldStage,
    Returning,
    alias_move_violations,
    check_alias,
    check_alias_removal,
    check_transition,
    enforce,
    model_removal_violations,
    stage_move_violations,
    version_removal_violations,
)
from modelreg_cli.core.serialize import dump_document
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import ConflictError, InvalidInputError, NotFoundError, UsageError


@dataclass(frozen=True)
class Stamp:
    """Who makes a change and when (from git's identity, so it matches the commit)."""

    who: str
    when: str


@dataclass
class Change:
    """One user action: files to write and delete (relative to the registry root) and its commit."""

    op: str
    model: str
    subject: str
    writes: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    version: int | None = None
    message: str | None = None
    trailers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # What users typed reaches the commit message: its subject stays one line, and no line of
        # it may pass for one of the trailers below.
        validate_line(self.subject, "the commit subject")
        if self.message:
            validate_message(self.message)

    @property
    def paths(self) -> list[str]:
        return sorted({*self.writes, *self.deletes})

    def commit_message(self) -> str:
        parts = [self.subject]
        if self.message and self.message.strip():
            parts.append(self.message.strip())
        trailers = [f"Modelreg-Op: {self.op}"]
        if self.model:
            trailers.append(f"Modelreg-Model: {self.model}")
        if self.version is not None:
            trailers.append(f"Modelreg-Version: {self.version}")
        trailers += [f"Modelreg-{key}: {value}" for key, value in self.trailers.items()]
        parts.append("\n".join(trailers))
        return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class RegisterRequest:
    name: str
    source: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    run_id: str | None = None
    description: str = ""
    stage: str | None = None
    aliases: tuple[str, ...] = ()
    artifact: Artifact | None = None
    lineage: Lineage | None = None

    @classmethod
    def of_version(cls, manifest: VersionManifest, initial_stage: str) -> RegisterRequest:
        """The request that registers MANIFEST again (as `sync` does on another state): every field a
        registration sets (core/fields.py), so none is dropped."""
        given = {name: getattr(manifest, name) for name in fields.GIVEN}
        if given["stage"] == initial_stage:
            given["stage"] = None  # registered where every version starts
        return cls(name=manifest.name, **given)


def check_new_name(name: str, existing: Iterable[str]) -> str:
    """A new model name must be valid and differ from every existing one, in any case."""
    validate_model_name(name)
    for other in existing:
        if other == name:
            raise ConflictError(f"model {name!r} already exists: choose another name")
        if other.lower() == name.lower():
            raise ConflictError(
                f"model {name!r} differs from existing model {other!r} only in case: use {other!r} or another name"
            )
    return name


def _model_writes(state: ModelState) -> dict[str, str]:
    return {layout.model_file(state.name): dump_document(state.model)}


def _version_write(manifest: VersionManifest) -> dict[str, str]:
    return {layout.version_file(manifest.name, manifest.version): dump_document(manifest)}


def _check_tags(tags: Mapping[str, str], what: str = "tag") -> dict[str, str]:
    return {validate_key(key, f"{what} key"): validate_line(value, f"{what} value") for key, value in tags.items()}


def create_model(
    existing: Iterable[str],
    name: str,
    stamp: Stamp,
    description: str = "",
    tags: Mapping[str, str] | None = None,
    owners: Iterable[str] = (),
) -> tuple[ModelState, Change]:
    check_new_name(name, existing)
    model = ModelManifest(
        name=name,
        description=description,
        owners=[validate_email(owner) for owner in dict.fromkeys(owners)],
        tags=_check_tags(tags or {}),
        created_at=stamp.when,
        created_by=stamp.who,
        updated_at=stamp.when,
    )
    state = ModelState(model)
    change = Change("create", name, f"create model {name}", writes=_model_writes(state))
    return state, change


def register(
    config: RegistryConfig,
    state: ModelState | None,
    existing: Iterable[str],
    request: RegisterRequest,
    stamp: Stamp,
    message: str | None = None,
) -> tuple[VersionManifest, Change]:
    """Add the next version of a model, creating the model when it does not exist yet."""
    if state is None:
        state, _ = create_model(existing, request.name, stamp)
    number = state.model.last_version + 1
    stage = canonical_stage(request.stage, config.stages) if request.stage else config.initial_stage
    if stage in config.exclusive_stages and state.holders(stage):
        holder = state.holders(stage)[0]
        raise ConflictError(
            f"version {holder} of {state.name!r} holds {stage}, which only one version may hold: register without "
            f"--stage, then run `modelreg transition {state.name} {number} {stage} --archive-existing`"
        )
    aliases = [validate_alias(alias) for alias in dict.fromkeys(request.aliases)]
    validate_line(request.source, "source")
    metrics = {validate_key(key, "metric key"): check_metric(key, value) for key, value in request.metrics.items()}
    given = {name: getattr(request, name) for name in fields.GIVEN}  # every field a registration sets
    given.update(stage=stage, metrics=metrics, params=dict(request.params),
                 tags=_check_tags(request.tags), lineage=request.lineage or Lineage())
    manifest = VersionManifest(name=state.name, version=number, **given,
                               created_at=stamp.when, created_by=stamp.who, updated_at=stamp.when)
    _check_registration(config, state, manifest, aliases, stamp.who)
    state.model.last_version = number
    state.model.aliases = {**state.model.aliases, **dict.fromkeys(aliases, number)}
    state.model.updated_at = stamp.when
    state.versions[number] = manifest
    subject = f"register {state.name} v{number}"
    if stage != config.initial_stage:
        subject += f" in {stage}"
    if aliases:
        subject += " as " + ", ".join(f"@{alias}" for alias in aliases)
    change = Change(
        "register", state.name, subject,
        writes={**_model_writes(state), **_version_write(manifest)},
        version=number, message=message,
    )
    return manifest, change


def copy_version(
    config: RegistryConfig,
    state: ModelState | None,
    existing: Iterable[str],
    original: VersionManifest,
    source: str,
    stamp: Stamp,
    message: str | None = None,
) -> tuple[VersionManifest, Change]:
    """ORIGINAL registered again as the next version of STATE's model (created when STATE is None;
    its name is the request's), as MLflow's copy_model_version does: the same artifact (SOURCE: the
    original's source, as valid where the copy lives), run, metrics, params, tags and description,
    in the first stage, with lineage pointing at the original (models:/NAME/N)."""
    if state is None:
        raise InvalidInputError("copy_version needs the destination model: create it first")
    origin = f"models:/{original.name}/{original.version}"
    request = RegisterRequest.of_version(original, config.initial_stage)
    lineage = Lineage(code_commit=original.lineage.code_commit, datasets=list(original.lineage.datasets),
                      parents=[origin])
    copied = RegisterRequest(**{**request.__dict__, "name": state.name, "source": source, "stage": None,
                                "aliases": (), "lineage": lineage})
    manifest, change = register(config, state, existing, copied, stamp, message)
    change.subject = f"copy {original.name} v{original.version} to {state.name} v{manifest.version}"
    change.trailers = {**change.trailers, "Copied-From": origin}
    return manifest, change


def _check_registration(config: RegistryConfig, state: ModelState, manifest: VersionManifest, aliases: list[str],
                        who: str) -> None:
    """A version registered in a stage other than the first moves into it; its aliases are set."""
    if config.policy is None:
        return
    found = stage_move_violations(config, state, manifest, aliases, config.initial_stage, who)
    for alias in aliases:
        found += alias_move_violations(config, state, alias, manifest, aliases, who)
    enforce(found, f"registering {state.name} v{manifest.version}")


def archive_stage(config: RegistryConfig) -> str:
    for stage in config.stages:
        if stage.lower() == "archived":
            return stage
    raise InvalidInputError("this registry has no Archived stage to move the current holder to: add it to stages in modelreg.yaml")


@dataclass(frozen=True)
class Transition:
    version: int
    from_stage: str
    to_stage: str
    archived: tuple[int, ...] = ()


def transition(
    config: RegistryConfig,
    state: ModelState,
    number: int,
    stage: str,
    stamp: Stamp,
    archive_existing: bool = False,
    message: str | None = None,
    *,
    held_before: HeldStage | None = None,
    every_holder: bool = False,
) -> tuple[Transition, Change | None]:
    """Move a version to STAGE; None for the change when it is already there. The policy applies
    (core/policy.py); HELD_BEFORE tells, when asked, whether a version held a stage before.
    EVERY_HOLDER (with ARCHIVE_EXISTING): archive every other version in STAGE, exclusive or not,
    as MLflow's archive_existing_versions does."""
    target = canonical_stage(stage, config.stages)
    manifest = state.version(number)
    before = manifest.stage
    if before == target:
        return Transition(number, before, target), None
    displaced: list[int] = []
    if target in config.exclusive_stages or (every_holder and archive_existing):
        displaced = [n for n in state.holders(target) if n != number]
    archived = archive_stage(config) if displaced else ""
    if displaced and not archive_existing:
        holders = ", ".join(f"version {n}" for n in displaced)
        raise ConflictError(
            f"{holders} of {state.name!r} already holds {target}, which only one version may hold: "
            f"pass --archive-existing to move it to {archived}"
        )
    check_transition(config, state, number, target, stamp.who, displaced, archived, held_before)
    writes = _move(state, [number], target, stamp) | _move(state, displaced, archived, stamp)
    writes |= _moved_model(state, stamp)
    subject = f"transition {state.name} v{number}: {before} -> {target}"
    if displaced:
        subject += "; archive " + ", ".join(f"v{n}" for n in displaced)
    change = Change("transition", state.name, subject, writes=writes, version=number, message=message)
    return Transition(number, before, target, tuple(displaced)), change


def _moved_model(state: ModelState, stamp: Stamp) -> dict[str, str]:
    """A version changing stage is a change to its model too (its updated_at moves, as in MLflow)."""
    state.model.updated_at = stamp.when
    return _model_writes(state)


def _move(state: ModelState, numbers: Iterable[int], stage: str, stamp: Stamp) -> dict[str, str]:
    """Put versions NUMBERS of STATE in STAGE; the files to write."""
    writes: dict[str, str] = {}
    for number in numbers:
        manifest = state.version(number)
        manifest.stage = stage
        manifest.updated_at = stamp.when
        writes.update(_version_write(manifest))
    return writes


def set_alias(state: ModelState, alias: str, number: int, stamp: Stamp, message: str | None = None, *,
              config: RegistryConfig | None = None, returning: Returning | None = None) -> Change | None:
    """Point ALIAS at a version, moving it when it pointed elsewhere; None when already there.
    With CONFIG, its policy applies to a protected alias."""
    validate_alias(alias)
    state.version(number)
    previous = state.model.aliases.get(alias)
    if previous == number:
        return None
    check_alias(config, state, alias, number, stamp.who, returning)
    state.model.aliases = {**state.model.aliases, alias: number}  # an alias does not move updated_at (as in MLflow)
    if previous is None:
        subject = f"alias {state.name}@{alias} -> v{number}"
    else:
        subject = f"alias {state.name}@{alias}: v{previous} -> v{number}"
    return Change("alias-set", state.name, subject, writes=_model_writes(state), version=number, message=message)


def delete_alias(state: ModelState, alias: str, stamp: Stamp, message: str | None = None, *,
                 config: RegistryConfig | None = None) -> Change:
    if alias not in state.model.aliases:
        known = ", ".join(sorted(state.model.aliases)) or "none"
        raise NotFoundError(f"model {state.name!r} has no alias {alias!r} (aliases: {known})")
    check_alias_removal(config, state, [alias], stamp.who)
    aliases = dict(state.model.aliases)
    number = aliases.pop(alias)
    state.model.aliases = aliases
    subject = f"delete alias {state.name}@{alias} (was v{number})"
    return Change("alias-delete", state.name, subject, writes=_model_writes(state), version=number, message=message)


def set_tag(
    state: ModelState, key: str, value: str, stamp: Stamp, number: int | None = None, message: str | None = None
) -> Change | None:
    validate_key(key, "tag key")
    validate_line(value, "tag value")
    target = state.model if number is None else state.version(number)
    if target.tags.get(key) == value:
        return None
    target.tags = {**target.tags, key: value}
    return _touch(state, target, None, "tag-set", f"tag {_label(state, number)}: {key}={value}", number, message)


def delete_tag(
    state: ModelState, key: str, stamp: Stamp, number: int | None = None, message: str | None = None
) -> Change:
    target = state.model if number is None else state.version(number)
    if key not in target.tags:
        raise NotFoundError(f"{_label(state, number)} has no tag {key!r}")
    target.tags = {k: v for k, v in target.tags.items() if k != key}
    return _touch(state, target, None, "tag-delete", f"untag {_label(state, number)}: {key}", number, message)


def describe(
    state: ModelState, text: str, stamp: Stamp, number: int | None = None, message: str | None = None
) -> Change | None:
    target = state.model if number is None else state.version(number)
    if target.description == text:
        return None
    target.description = text
    return _touch(state, target, stamp, "describe", f"describe {_label(state, number)}", number, message)


def _label(state: ModelState, number: int | None) -> str:
    return state.name if number is None else f"{state.name} v{number}"


def _touch(
    state: ModelState,
    target: ModelManifest | VersionManifest,
    stamp: Stamp | None,
    op: str,
    subject: str,
    number: int | None,
    message: str | None,
) -> Change:
    """The change that writes TARGET (the model or one version); STAMP, when given, moves its
    updated_at. A tag moves nothing, as in MLflow: updated_at tells of the lifecycle."""
    if stamp is not None:
        target.updated_at = stamp.when
    if isinstance(target, VersionManifest):
        writes = _version_write(target)
    else:
        writes = _model_writes(state)
    return Change(op, state.name, subject, writes=writes, version=number, message=message)


def _all_paths(state: ModelState) -> list[str]:
    return [layout.model_file(state.name), *(layout.version_file(state.name, n) for n in sorted(state.versions))]


def delete_model(state: ModelState, message: str | None = None, *, config: RegistryConfig | None = None,
                 who: str = "") -> Change:
    """Remove a model with all its versions. With CONFIG, its policy decides who may take away the
    gated stages and protected aliases the model holds (core/policy.py)."""
    if config is not None:
        enforce(model_removal_violations(config, state, who), f"deleting {state.name}")
    return Change("delete", state.name, f"delete model {state.name}", deletes=_all_paths(state), message=message)


def delete_version(state: ModelState, number: int, stamp: Stamp, message: str | None = None, *,
                   config: RegistryConfig | None = None) -> Change:
    """Remove one version; aliases pointing at it go too. Its number is never given again."""
    state.version(number)
    dropped = state.aliases_of(number)
    if config is not None:
        enforce(version_removal_violations(config, state, number, stamp.who), f"deleting {state.name} v{number}")
    check_alias_removal(config, state, dropped, stamp.who)
    del state.versions[number]
    state.model.aliases = {a: n for a, n in state.model.aliases.items() if n != number}
    state.model.updated_at = stamp.when
    subject = f"delete {state.name} v{number}"
    if dropped:
        subject += " and alias " + ", ".join(f"@{alias}" for alias in dropped)
    return Change(
        "delete", state.name, subject,
        writes=_model_writes(state), deletes=[layout.version_file(state.name, number)],
        version=number, message=message,
    )


def rename(
    state: ModelState, new_name: str, existing: Iterable[str], stamp: Stamp, message: str | None = None, *,
    config: RegistryConfig | None = None,
) -> Change:
    """Move a model, its versions, tags and aliases to NEW_NAME. With CONFIG, its policy decides who
    may (policy.rename_approvers, else whoever may take away what the model holds)."""
    old_name = state.name
    check_new_name(new_name, (name for name in existing if name != old_name))
    if new_name == old_name:
        raise ConflictError(f"model {old_name!r} already has that name")
    if config is not None:
        enforce(model_removal_violations(config, state, stamp.who, renaming=True), f"renaming {old_name}")
    deletes = _all_paths(state)
    state.model.name = new_name
    state.model.updated_at = stamp.when
    for manifest in state.versions.values():
        manifest.name = new_name
        manifest.updated_at = stamp.when  # as in MLflow: a rename touches every version
    writes = _model_writes(state)
    for manifest in state.versions.values():
        writes.update(_version_write(manifest))
    deletes = [path for path in deletes if path not in writes]
    return Change("rename", new_name, f"rename model {old_name} -> {new_name}", writes=writes, deletes=deletes,
                  message=message)


# rollback ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageMove:
    """One version moved from one stage to another by a change."""

    version: int
    before: str
    after: str


@dataclass(frozen=True)
class Undone:
    """The commit a rollback undoes: the last change of the stage or alias."""

    commit: str
    subject: str


def check_rollback(config: RegistryConfig, state: ModelState, stage: str | None, alias: str | None,
                   to: int | None) -> None:
    """Refuse a rollback that cannot be made, before its history is searched."""
    if (stage is None) == (alias is None):
        raise UsageError("give exactly one of --stage STAGE or --alias ALIAS: what to roll back")
    if stage is not None:
        canonical = canonical_stage(stage, config.stages)
        if canonical in config.resting_stages:
            raise InvalidInputError(
                f"{canonical} is where versions start or end, not a stage to roll back: roll back the stage a "
                "version was promoted to (e.g. Production)"
            )
    if alias is not None:
        validate_alias(alias)
    if to is not None:
        _existing(state, to)


def _existing(state: ModelState, number: int) -> VersionManifest:
    if number not in state.versions and 1 <= number <= state.model.last_version:
        raise NotFoundError(
            f"version {number} of {state.name!r} was deleted: roll back to a version that exists "
            f"(`modelreg versions {state.name}` lists them)"
        )
    return state.version(number)


def nothing_to_roll_back(state: ModelState, what: str, changed: bool, deleted: list[int],
                         moved_on: Sequence[tuple[int, str]] = ()) -> NotFoundError:
    """The refusal when history holds no earlier holder of WHAT (a stage, or '@alias') to go back to;
    CHANGED tells whether WHAT ever changed at all, DELETED the earlier holders that are gone,
    MOVED_ON those that hold another stage now."""
    if moved_on:
        now = ", ".join(f"v{n} holds {stage}" for n, stage in moved_on)
        gone = f"; {', '.join(f'v{n}' for n in deleted)} were deleted" if deleted else ""
        return NotFoundError(
            f"nothing to roll back to: the earlier holders of {state.name} {what} moved on ({now} now{gone}), and "
            "rolling back must not take that away; pass --to VERSION to choose a version"
        )
    if deleted:
        earlier = ", ".join(f"v{n}" for n in deleted)
        return NotFoundError(
            f"nothing to roll back to: the earlier holders of {state.name} {what} ({earlier}) were deleted; "
            "pass --to VERSION to choose a version"
        )
    if not changed:
        return NotFoundError(
            f"nothing to roll back to: no version of {state.name!r} has ever held {what}; "
            "pass --to VERSION to choose a version"
        )
    return NotFoundError(
        f"nothing to roll back to: no other version of {state.name!r} has held {what}; "
        "pass --to VERSION to choose a version"
    )


def rollback_stage(
    config: RegistryConfig,
    state: ModelState,
    stage: str,
    target: int,
    stamp: Stamp,
    undone: Undone | None = None,
    message: str | None = None,
    *,
    held_before: HeldStage | None = None,
) -> tuple[list[StageMove], Change]:
    """Give STAGE back to version TARGET: it alone holds the stage afterwards, the current holders
    go to Archived (as `transition --archive-existing` does), all in one commit; the moves it made.
    It never takes another stage from anyone: a TARGET holding one (other than where versions
    start or end) is refused. The policy applies; HELD_BEFORE tells, when asked, whether a version
    held a stage before."""
    stage = canonical_stage(stage, config.stages)
    manifest = _existing(state, target)
    holders = state.holders(stage)
    if holders == [target]:
        raise ConflictError(f"version {target} of {state.name!r} already holds {stage}: nothing to roll back")
    if manifest.stage != stage and manifest.stage not in config.resting_stages:
        raise ConflictError(
            f"version {target} of {state.name!r} holds {manifest.stage}: rolling {stage} back to it would take it out "
            f"of {manifest.stage}; choose another version with --to"
        )
    displaced = [n for n in holders if n != target]
    archived = archive_stage(config) if displaced else ""
    check_transition(config, state, target, stage, stamp.who, displaced, archived, held_before,
                     what=f"rolling back {state.name} {stage} to v{target}")
    moves = [StageMove(target, manifest.stage, stage)] if manifest.stage != stage else []
    moves += [StageMove(n, stage, archived) for n in displaced]
    writes = _move(state, [target] if manifest.stage != stage else [], stage, stamp)
    writes |= _move(state, displaced, archived, stamp) | _moved_model(state, stamp)
    was = ", ".join(f"v{n}" for n in displaced) or "none"
    subject = f"rollback {state.name} {stage}: {was} -> v{target}"
    return moves, _rollback_change(state, subject, writes, target, undone, message)


def rollback_alias(
    state: ModelState, alias: str, target: int, stamp: Stamp, undone: Undone | None = None, message: str | None = None,
    *, config: RegistryConfig | None = None, returning: Returning | None = None,
) -> Change:
    """Point ALIAS back at version TARGET (restoring it when it was removed), in one commit. With
    CONFIG, its policy applies to a protected alias."""
    validate_alias(alias)
    _existing(state, target)
    previous = state.model.aliases.get(alias)
    if previous == target:
        raise ConflictError(f"{state.name}@{alias} already points at version {target}: nothing to roll back")
    check_alias(config, state, alias, target, stamp.who, returning)
    state.model.aliases = {**state.model.aliases, alias: target}
    was = f"v{previous}" if previous is not None else "none"
    subject = f"rollback {state.name}@{alias}: {was} -> v{target}"
    return _rollback_change(state, subject, _model_writes(state), target, undone, message)


def _rollback_change(state: ModelState, subject: str, writes: dict[str, str], target: int, undone: Undone | None,
                     message: str | None) -> Change:
    body = [f"Undoes {undone.commit} ({undone.subject})."] if undone else []
    if message and message.strip():
        body.append(message.strip())
    trailers = {"Undoes": undone.commit} if undone else {}
    return Change("rollback", state.name, subject, writes=writes, version=target,
                  message="\n\n".join(body) or None, trailers=trailers)
