"""Replaying a registry change on another state: what `modelreg sync` does with local commits
when the remote moved on. Pure: events and states in, changes out.

A local commit is not rebased as text. Each of its events (a version registered, a stage changed,
an alias moved, ...) is applied again, as the operation it was, to the registry as it is now on
the remote: a registered version takes the next free number there (later events of the same
replay follow it to its new number), a promotion checks the exclusive stage against the current
holder. Events no operation makes (a hand edit of metrics, owners or modelreg.yaml) cannot be
replayed; the user is told to rebase that commit with git.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from modelreg_cli.core import changes
from modelreg_cli.core.changes import Change, RegisterRequest, Stamp
from modelreg_cli.core.events import Event
from modelreg_cli.core.manifests import RegistryConfig
from modelreg_cli.core.policy import HeldStage, Returning
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import ConflictError

REPLAYABLE = {
    "model_created", "model_deleted", "model_renamed", "version_registered", "version_deleted", "stage_changed",
    "alias_set", "alias_moved", "alias_removed", "tag_set", "tag_removed", "description_changed",
}


@dataclass
class Renumbering:
    """Version numbers that changed in the replay: (model, number in the local commit) -> new number."""

    numbers: dict[tuple[str, int], int] = field(default_factory=dict)

    def of(self, model: str, number: int | None) -> int | None:
        return None if number is None else self.numbers.get((model, number), number)


def check_replayable(commit: str, events: Iterable[Event]) -> None:
    for event in events:
        if event.type not in REPLAYABLE:
            raise ConflictError(
                f"commit {commit[:12]} has a change modelreg cannot replay ({event.type.replace('_', ' ')}"
                f"{' of ' + event.model if event.model else ''}): rebase it with git instead"
            )


def displaced(events: Iterable[Event], event: Event) -> bool:
    """Whether the local commit moved another version out of EVENT's target stage (--archive-existing)."""
    return any(
        other.type == "stage_changed" and other.model == event.model and other.version != event.version
        and other.before == event.after
        for other in events
    )


def replay_event(
    event: Event,
    events: list[Event],
    config: RegistryConfig,
    now: ModelState | None,
    names: list[str],
    local: ModelState | None,
    renumbering: Renumbering,
    stamp: Stamp,
    held_before: HeldStage | None = None,
    alias_returning: Callable[[int, str], Returning] | None = None,
) -> Change | None:
    """The change that redoes EVENT on the state NOW (None when there is nothing left to do).

    LOCAL is the model as the local commit left it (for the fields of a new version or model);
    NAMES are the models that exist now. RENUMBERING is updated when a version gets a new number.
    The policy of CONFIG applies as it does to the commands; HELD_BEFORE and ALIAS_RETURNING answer
    from history whether a stage or alias goes back where it was (a replayed rollback)."""
    name = str(event.model)
    if event.type == "model_created":
        if now is not None:
            return None  # its versions and aliases come as their own events
        assert local is not None
        _, change = changes.create_model(
            names, name, Stamp(local.model.created_by, local.model.created_at), local.model.description,
            local.model.tags, local.model.owners,
        )
        return change
    if event.type == "model_renamed":
        return None if now is None else changes.rename(now, str(event.after), names, stamp, config=config)
    if now is None:
        return None  # the model is gone now: nothing of it to redo
    number = renumbering.of(name, event.version)
    if event.type == "version_registered":
        assert local is not None and event.version is not None
        manifest = local.versions[event.version]
        request = RegisterRequest.of_version(manifest, config.initial_stage)
        registered, added = changes.register(
            config, now, names, request, Stamp(manifest.created_by, manifest.created_at)
        )
        renumbering.numbers[(name, event.version)] = registered.version
        return added
    if number is not None and number not in now.versions:
        return None  # the version was deleted on the remote: its changes have nothing to apply to
    if event.type == "version_deleted":
        return changes.delete_version(now, int(number), stamp, config=config) if number is not None else None
    if event.type == "model_deleted":
        return changes.delete_model(now, config=config, who=stamp.who)
    if event.type == "stage_changed":
        assert number is not None
        _, moved = changes.transition(
            config, now, number, str(event.after), stamp, archive_existing=displaced(events, event),
            held_before=held_before,
        )
        return moved
    if event.type in ("alias_set", "alias_moved"):
        target = renumbering.of(name, int(event.after))
        if target not in now.versions:
            return None
        returning = alias_returning(int(target), str(event.key)) if alias_returning else None
        return changes.set_alias(now, str(event.key), int(target), stamp, config=config, returning=returning)
    if event.type == "alias_removed":
        if event.key not in now.model.aliases:
            return None
        return changes.delete_alias(now, str(event.key), stamp, config=config)
    if event.type == "tag_set":
        return changes.set_tag(now, str(event.key), str(event.after), stamp, number)
    if event.type == "tag_removed":
        tags = now.model.tags if number is None else now.versions[number].tags
        return changes.delete_tag(now, str(event.key), stamp, number) if event.key in tags else None
    if event.type == "description_changed":
        return changes.describe(now, str(event.after or ""), stamp, number)
    raise ConflictError(f"modelreg cannot replay a {event.type} event: rebase with git instead")


def replayed_message(made: list[Change], reason: str, original: str) -> str:
    """The message of a replayed commit: what the replay did (numbers may have changed), the user's
    reason, and the trailers of what it did plus the commit it replays."""
    first = made[0]
    subject = "; ".join(change.subject for change in made)
    parts = [subject]
    if reason:
        parts.append(reason)
    trailers = [f"Modelreg-Op: {first.op}"]
    if first.model:
        trailers.append(f"Modelreg-Model: {first.model}")
    if first.version is not None:
        trailers.append(f"Modelreg-Version: {first.version}")
    trailers.append(f"Modelreg-Replays: {original}")
    parts.append("\n".join(trailers))
    return "\n\n".join(parts) + "\n"
