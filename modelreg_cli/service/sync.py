"""`modelreg sync` when both sides moved: replay each local registry commit as the operations it
made, on the remote's latest state (store/publish.py does the git part: fetch, push, retry)."""

from __future__ import annotations

import functools

from modelreg_cli.core import replay
from modelreg_cli.core.changes import Change, Stamp
from modelreg_cli.core.replay import Renumbering
from modelreg_cli.service.askers import alias_history, stage_history
from modelreg_cli.store import publish
from modelreg_cli.store.files import RegistryStore
from modelreg_cli.store.history import read_commit, registry_diff


def sync(store: RegistryStore) -> publish.Synced:
    """Fast-forward, push, or replay the local registry commits on the remote's and push them."""
    with store.transaction():
        prefix = store.repo.relative(store.root)
        renumbering = Renumbering()  # shared by all the replayed commits: later ones follow new numbers
        return publish.sync(store, lambda commit, onto: replay_commit(store, commit, onto, renumbering), prefix)


def replay_commit(store: RegistryStore, commit: str, onto: str, renumbering: Renumbering) -> str:
    """COMMIT's registry events made again on ONTO, as one commit with its message and author;
    ONTO itself when nothing was left to do."""
    original = read_commit(store.repo, commit)
    events = registry_diff(store, original.parents[0], commit).events
    replay.check_replayable(commit, events)
    stamp = Stamp(original.author, original.time)
    local = store.at(commit)
    tip = onto
    made: list[Change] = []
    for event in events:
        now = store.at(tip)
        config = now.read_config()
        current = event.before if event.type == "model_renamed" else event.model
        model = str(event.model)
        change = replay.replay_event(
            event, events, config,
            now.read_model(str(current)) if current else None, now.model_names(),
            local.read_model(model) if event.model else None, renumbering, stamp,
            held_before=stage_history(now, config.stages, model),
            alias_returning=functools.partial(alias_history, now, model),
        )
        if change is not None:
            tip = store.build_on(change, tip)
            made.append(change)
    if not made:
        return onto
    message = replay.replayed_message(made, original.reason, commit)
    return store.repo.recommit(tip, onto, commit, message)
