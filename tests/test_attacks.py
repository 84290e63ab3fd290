"""Attacks on `modelreg check --base`: each builds a small branch as someone the policy does not
trust and asserts the check refuses it naming the rule; beside each, the same change (or its
legitimate form) made by an approver, which passes.

The scene is the sample registry and its strict policy (sample-registry/modelreg.yaml) in a fresh
repository: main holds the sample as priya committed it, then tom (an approver of every gate)
promoting fraud-detector v5 to Production and archiving v4. Eve, who owns nothing and approves
nothing, works on the branch `attack`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelreg_cli.cli.app import app
from modelreg_cli.service import Registry

from conftest import SAMPLE_REGISTRY, Outcome, git, set_identity

EVE = "eve@example.com"
TOM = "tom.lindqvist@example.com"  # an approver of every gate and protected alias
PRIYA = "priya.raman@example.com"  # an owner of fraud-detector
FD = "models/fraud-detector"
SIC = "models/support-intent-classifier"


@dataclass
class Scene:
    """A registry repository, the identity commits are made with, and ways to act on it."""

    root: Path
    monkeypatch: pytest.MonkeyPatch
    keys: Path
    who: str = EVE
    signing: dict[str, str] = field(default_factory=dict)

    def as_(self, email: str) -> Scene:
        self.who = email
        set_identity(self.monkeypatch, email.split("@")[0].title(), email)
        return self

    def read(self, path: str) -> str:
        return (self.root / path).read_text()

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def edit(self, path: str, old: str, new: str) -> None:
        text = self.read(path)
        assert old in text, f"{old!r} not in {path}"
        self.write(path, text.replace(old, new, 1))

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git(*self._sign(), "commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def _sign(self) -> list[str]:
        return [arg for key, value in self.signing.items() for arg in ("-c", f"{key}={value}")]

    def modelreg(self, *args: str) -> Outcome:
        result = CliRunner().invoke(app, ["--registry", str(self.root), *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str) -> str:
        result = self.modelreg(*args)
        assert result.code == 0, result.stderr
        return result.stdout

    def check(self, *args: str) -> Outcome:
        return self.modelreg("check", "--base", "main", *args)

    # signing ------------------------------------------------------------------

    def key(self, name: str, principal: str | None) -> Path:
        """An SSH signing key made now; PRINCIPAL (an email) is allowed to sign with it, when given."""
        key = self.keys / name
        if shutil.which("ssh-keygen") is None:
            if os.environ.get("CI"):
                pytest.fail("ssh-keygen is missing in CI: .ci/run installs openssh-client")
            pytest.skip("needs ssh-keygen to sign commits")
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        if principal is not None:
            with (self.keys / "allowed_signers").open("a") as allowed:
                allowed.write(f"{principal} {(self.keys / f'{name}.pub').read_text().strip()}\n")
        return key

    def sign_with(self, key: Path) -> None:
        self.signing = {"gpg.format": "ssh", "user.signingkey": str(key), "commit.gpgsign": "true"}


def _trust_allowed_signers(root: Path, keys: Path) -> None:
    allowed = keys / "allowed_signers"
    allowed.touch()
    git(root, "config", "gpg.format", "ssh")
    git(root, "config", "gpg.ssh.allowedSignersFile", str(allowed))


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    root = tmp_path / "registry"
    shutil.copytree(SAMPLE_REGISTRY, root)
    keys = tmp_path / "keys"
    keys.mkdir()
    git(root, "init", "-q", "-b", "main")
    _trust_allowed_signers(root, keys)
    made = Scene(root, monkeypatch, keys)
    made.as_(PRIYA).commit("the sample registry")
    made.as_(TOM)
    Registry(root).promote("fraud-detector", "Production", archive_existing=True)
    made.git("checkout", "-q", "-b", "attack")
    return made.as_(EVE)


def rules_of(result: Outcome) -> set[str]:
    """The rules named by check's problem lines."""
    return {match.group(1) for line in result.stdout.splitlines() if (match := _RULE.match(line))}


_RULE = re.compile(r"^(?:[^\s:]+(?::\d+)?: )?([a-z][a-z-]*): ")


# --------------------------------------------------------------------------- the attacks


def symlink_manifest(s: Scene) -> None:
    """versions/5.yaml (Production) becomes a link to a copy pointing at other bytes."""
    tampered = s.read(f"{FD}/versions/5.yaml").replace("s3://ml-artifacts/fraud-detector/5", "s3://evil/5")
    s.write("notes/5.yaml", tampered)
    (s.root / FD / "versions/5.yaml").unlink()
    os.symlink("../../../notes/5.yaml", s.root / FD / "versions/5.yaml")
    s.commit("tidy")


def symlink_config(s: Scene) -> None:
    """modelreg.yaml becomes a link to a copy with no policy: commands in the checkout obey that one."""
    s.write("notes/modelreg.yaml", s.read("modelreg.yaml").split("policy:")[0])
    (s.root / "modelreg.yaml").unlink()
    os.symlink("notes/modelreg.yaml", s.root / "modelreg.yaml")
    s.commit("tidy")


def symlinked_versions_folder(s: Scene) -> None:
    """The whole versions/ folder of fraud-detector becomes a link to tampered copies."""
    shutil.copytree(s.root / FD / "versions", s.root / "notes/versions")
    s.edit("notes/versions/5.yaml", "s3://ml-artifacts/fraud-detector/5", "s3://evil/5")
    shutil.rmtree(s.root / FD / "versions")
    os.symlink("../../notes/versions", s.root / FD / "versions")
    s.commit("tidy")


def submodule_entry(s: Scene) -> None:
    """A gitlink (a submodule's entry) where a manifest would be."""
    head = s.git("rev-parse", "main").strip()
    s.git("update-index", "--add", "--cacheinfo", f"160000,{head},{FD}/versions/7.yaml")
    s.git("commit", "-q", "-m", "vendor")


def break_and_repair(s: Scene) -> None:
    """Break a version and its model.yaml in one commit, mend them in the next with a promotion inside."""
    version, model = f"{SIC}/versions/2.yaml", f"{SIC}/model.yaml"
    good_version, good_model = s.read(version), s.read(model)
    s.write(version, "stage: [broken\n" + good_version)
    s.write(model, "aliases: [broken\n" + good_model)
    s.commit("wip")
    s.write(version, good_version.replace("stage: Staging", "stage: Production"))
    s.write(model, good_model.replace("challenger: 2", "challenger: 2\n  champion: 2"))
    s.commit("fix yaml")


def delete_and_recreate(s: Scene) -> None:
    """Delete a model, then bring it back with another source for v2."""
    saved = {path: path.read_text() for path in (s.root / SIC).rglob("*.yaml")}
    shutil.rmtree(s.root / SIC)
    s.commit("drop the classifier")
    for path, text in saved.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("hf://acme-nlp/support-intent-distilbert@v1.1", "hf://evil/intent"))
    s.commit("bring the classifier back")


def _rename_folder(s: Scene, old: str, new: str, edit: Callable[[str], str] = lambda text: text) -> None:
    (s.root / "models" / old).rename(s.root / "models" / new)
    for path in (s.root / "models" / new).rglob("*.yaml"):
        path.write_text(edit(path.read_text().replace(f"name: {old}\n", f"name: {new}\n")))


def rename_away_and_back(s: Scene) -> None:
    """Rename a model away, then back with v2's metrics improved."""
    _rename_folder(s, "support-intent-classifier", "intent-tmp")
    s.commit("rename")
    _rename_folder(s, "intent-tmp", "support-intent-classifier", lambda text: text.replace("macro_f1: 0.871", "macro_f1: 0.95"))
    s.commit("rename back")


def owners_then_promote(s: Scene) -> None:
    """Become an owner in one commit, promote in the next."""
    s.edit(f"{SIC}/model.yaml", "- aisha.okafor@example.com\n", f"- aisha.okafor@example.com\n- {EVE}\n")
    s.commit("join the team")
    s.edit(f"{SIC}/versions/2.yaml", "stage: Staging", "stage: Production")
    s.commit("ship v2")


def _diverge(s: Scene) -> None:
    """main gets an approver's commit, the branch a harmless one of eve's."""
    s.git("checkout", "-q", "main")
    s.as_(TOM).ok("describe", "churn-predictor", "Retention model")
    s.git("checkout", "-q", "attack")
    s.as_(EVE).ok("tag", "set", "demand-forecast", "reviewed", "no")


def evil_merge(s: Scene) -> None:
    """A merge of main whose own edits swap what v4 points at."""
    _diverge(s)
    s.git("merge", "-q", "--no-ff", "--no-commit", "main")
    s.edit(f"{FD}/versions/4.yaml", "s3://ml-artifacts/fraud-detector/4", "s3://evil/4")
    s.git("add", "-A")
    s.git("commit", "-q", "--no-edit")


def evil_merge_promotion(s: Scene) -> None:
    """A merge of main with a promotion inside."""
    _diverge(s)
    s.git("merge", "-q", "--no-ff", "--no-commit", "main")
    s.edit(f"{SIC}/versions/2.yaml", "stage: Staging", "stage: Production")
    s.git("add", "-A")
    s.git("commit", "-q", "--no-edit")


def unrelated_merge(s: Scene) -> None:
    """Merge an unrelated history (a root commit claiming to be tom's) whose files win."""
    s.git("checkout", "-q", "--orphan", "other")
    s.edit(f"{FD}/versions/4.yaml", "auc: 0.941", "auc: 0.991")
    s.as_(TOM).commit("the registry")
    s.git("checkout", "-q", "-f", "attack")
    s.as_(EVE).git("merge", "-q", "--allow-unrelated-histories", "-X", "theirs", "--no-edit", "other")


def stale_history(s: Scene) -> None:
    """A branch made from before main's last promotion (main is not its ancestor): replacing main by
    it would take v5 out of Production, while no commit of its own does."""
    s.git("checkout", "-q", "-B", "attack", "main~1")
    s.ok("tag", "set", "demand-forecast", "reviewed", "no")


def leave_production(s: Scene) -> None:
    s.edit(f"{FD}/versions/5.yaml", "stage: Production", "stage: Archived")
    s.commit("retire v5")


def delete_production_version(s: Scene) -> None:
    (s.root / FD / "versions/5.yaml").unlink()
    s.edit(f"{FD}/model.yaml", "  challenger: 5\n", "")  # an alias nobody protects
    s.commit("drop v5")


def delete_model(s: Scene) -> None:
    shutil.rmtree(s.root / FD)
    s.commit("drop fraud-detector")


def rename_model(s: Scene) -> None:
    _rename_folder(s, "fraud-detector", "fraud-detector-old")
    s.commit("rename")


def return_to_staging(s: Scene) -> None:
    """v5 held Staging before Production; policy says Production: [Archived]."""
    s.edit(f"{FD}/versions/5.yaml", "stage: Production", "stage: Staging")
    s.commit("back to staging")


def signed_by_another_key(s: Scene) -> None:
    """Eve signs with her own (trusted) key a commit that claims priya, an owner, as its author."""
    s.sign_with(s.key("eve", EVE))
    s.as_(PRIYA)
    leave_production(s)


def signed_by_an_unknown_key(s: Scene) -> None:
    """A signature by a key nobody trusts (not in the allowed signers)."""
    s.sign_with(s.key("stranger", None))
    s.as_(PRIYA)
    leave_production(s)


def nan_metric(s: Scene) -> None:
    """A hand-written version with metrics no gate can compare."""
    text = s.read(f"{FD}/versions/6.yaml").replace("version: 6", "version: 7")
    s.write(f"{FD}/versions/7.yaml", text.replace("auc: 0.939", "auc: .nan").replace("f1: 0.785", "f1: .inf"))
    s.edit(f"{FD}/model.yaml", "last_version: 6", "last_version: 7")
    s.commit("v7")


def owner_with_a_newline(s: Scene) -> None:
    """An owner whose newline would write an extra CODEOWNERS rule (`* @eve`)."""
    s.edit(f"{SIC}/model.yaml", "- aisha.okafor@example.com\n", '- "aisha.okafor@example.com\\n* @eve"\n')
    s.commit("owners")


@dataclass(frozen=True)
class Attack:
    build: Callable[[Scene], None]
    rules: set[str]
    args: tuple[str, ...] = ()


ATTACKS = {
    "symlink-manifest": Attack(symlink_manifest, {"file-type"}),
    "symlink-config": Attack(symlink_config, {"file-type"}),
    "symlinked-versions-folder": Attack(symlinked_versions_folder, {"file-type", "approvers"}),
    "submodule-entry": Attack(submodule_entry, {"file-type"}),
    "break-and-repair": Attack(break_and_repair, {"approvers"}),
    "delete-and-recreate": Attack(delete_and_recreate, {"immutable"}),
    "rename-away-and-back": Attack(rename_away_and_back, {"immutable"}),
    "owners-then-promote": Attack(owners_then_promote, {"approvers"}),
    "evil-merge": Attack(evil_merge, {"immutable"}),
    "evil-merge-promotion": Attack(evil_merge_promotion, {"approvers"}),
    "unrelated-merge": Attack(unrelated_merge, {"immutable"}),
    "stale-history": Attack(stale_history, {"approvers", "transition"}),
    "leave-production": Attack(leave_production, {"approvers"}),
    "delete-production-version": Attack(delete_production_version, {"approvers"}),
    "delete-model": Attack(delete_model, {"approvers"}),
    "rename-model": Attack(rename_model, {"approvers"}),
    "return-to-staging": Attack(return_to_staging, {"transition"}),
    "signed-by-another-key": Attack(signed_by_another_key, {"approvers"}, ("--require-signed",)),
    "signed-by-an-unknown-key": Attack(signed_by_an_unknown_key, {"signature"}, ("--require-signed",)),
    "nan-metric": Attack(nan_metric, {"schema"}),
    "owner-with-a-newline": Attack(owner_with_a_newline, {"schema"}),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_attack_is_refused_naming_the_rule(scene: Scene, name: str) -> None:
    attack = ATTACKS[name]
    attack.build(scene)
    result = scene.check(*attack.args)
    assert result.code == 1, f"{name} got through:\n{result.stdout}{result.stderr}"
    assert attack.rules <= rules_of(result), result.stdout
    assert result.stderr.endswith("and run `modelreg check` again\n")


# --------------------------------------------------------------------------- the same, made honestly


def by(email: str, build: Callable[[Scene], None]) -> Callable[[Scene], None]:
    return lambda s: build(s.as_(email))


def edit_by_hand(s: Scene) -> None:
    s.edit(f"{FD}/versions/5.yaml", "description: Monthly retrain", "description: The monthly retrain")
    s.commit("words")


def restore_unchanged(s: Scene) -> None:
    saved = {path: path.read_text() for path in (s.root / SIC).rglob("*.yaml")}
    shutil.rmtree(s.root / SIC)
    s.commit("drop the classifier")
    for path, text in saved.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    s.commit("bring it back")


def rename_and_back_unchanged(s: Scene) -> None:
    _rename_folder(s, "support-intent-classifier", "intent-tmp")
    s.commit("rename")
    _rename_folder(s, "intent-tmp", "support-intent-classifier")
    s.commit("rename back")


def owner_adds_owner_then_promotes(s: Scene) -> None:
    s.as_("kenji.watanabe@example.com")
    s.edit(f"{SIC}/model.yaml", "- aisha.okafor@example.com\n", "- aisha.okafor@example.com\n- li.wei@example.com\n")
    s.commit("a new owner")
    s.edit(f"{SIC}/versions/2.yaml", "stage: Staging", "stage: Production")
    s.commit("ship v2")


def clean_merge(s: Scene) -> None:
    _diverge(s)
    s.git("merge", "-q", "--no-ff", "--no-edit", "main")


def approver_merges_with_a_promotion(s: Scene) -> None:
    _diverge(s)
    s.as_(TOM).git("merge", "-q", "--no-ff", "--no-commit", "main")
    s.edit(f"{SIC}/versions/2.yaml", "stage: Staging", "stage: Production")
    s.git("add", "-A")
    s.git("commit", "-q", "--no-edit")


def rebased_on_main(s: Scene) -> None:
    stale_history(s)
    s.git("rebase", "-q", "main")


def rollback_production(s: Scene) -> None:
    s.as_(TOM).ok("rollback", "fraud-detector", "--stage", "Production")


def owner_signs_own_commit(s: Scene) -> None:
    s.sign_with(s.key("priya", PRIYA))
    leave_production(s.as_(PRIYA))


def modelreg_signs_its_commits(s: Scene) -> None:
    key = s.key("tom", TOM)
    for setting, value in [("user.signingkey", str(key)), ("commit.gpgsign", "true")]:
        s.git("config", setting, value)
    s.as_(TOM).ok("transition", "support-intent-classifier", "2", "Production")
    s.ok("alias", "set", "support-intent-classifier", "champion", "2")


def register_then_an_approver_promotes(s: Scene) -> None:
    """Eve registers and stages a version; tom, an approver, promotes it: the whole is owed to tom."""
    s.as_(EVE).ok("register", "fraud-detector", "s3://m/7", "--metric", "auc=0.95", "--run-id", "r7", "--sha256",
                  "a" * 64, "--description", "retrained", "--stage", "Staging")
    s.as_(TOM).ok("transition", "fraud-detector", "7", "Production", "--archive-existing")
    s.ok("alias", "set", "fraud-detector", "champion", "7")


def register_finite_metrics(s: Scene) -> None:
    s.as_(TOM).ok("register", "fraud-detector", "s3://m/7", "--metric", "auc=0.95", "--metric", "f1=0.8")


def owner_adds_valid_owner(s: Scene) -> None:
    s.as_("kenji.watanabe@example.com")
    s.edit(f"{SIC}/model.yaml", "- aisha.okafor@example.com\n", "- aisha.okafor@example.com\n- li.wei@example.com\n")
    s.commit("owners")


HONEST: dict[str, tuple[Callable[[Scene], None], tuple[str, ...]]] = {
    "edit-a-manifest-by-hand": (by(TOM, edit_by_hand), ()),
    "break-and-repair-by-an-approver": (by(TOM, break_and_repair), ()),
    "delete-and-restore-unchanged": (by(EVE, restore_unchanged), ()),
    "rename-away-and-back-unchanged": (by(EVE, rename_and_back_unchanged), ()),
    "an-owner-adds-an-owner-then-promotes": (owner_adds_owner_then_promotes, ()),
    "a-clean-merge": (by(EVE, clean_merge), ()),
    "an-approver-merges-with-a-promotion": (approver_merges_with_a_promotion, ()),
    "rebased-on-main": (by(EVE, rebased_on_main), ()),
    "an-approver-leaves-production": (by(TOM, leave_production), ()),
    "an-approver-deletes-the-production-version": (by(TOM, delete_production_version), ()),
    "an-approver-deletes-the-model": (by(TOM, delete_model), ()),
    "an-approver-renames-the-model": (by(TOM, rename_model), ()),
    "a-rollback-from-archived": (rollback_production, ()),
    "an-owner-signs-her-own-commit": (owner_signs_own_commit, ("--require-signed",)),
    "modelreg-signs-its-commits": (modelreg_signs_its_commits, ("--require-signed",)),
    "a-non-approver-stages-an-approver-promotes": (register_then_an_approver_promotes, ()),
    "finite-metrics": (register_finite_metrics, ()),
    "a-valid-owner": (owner_adds_valid_owner, ()),
}


@pytest.mark.parametrize("name", list(HONEST))
def test_the_same_change_made_honestly_passes(scene: Scene, name: str) -> None:
    build, args = HONEST[name]
    build(scene)
    result = scene.check(*args)
    assert (result.code, result.stderr) == (0, ""), result.stdout
    assert result.stdout.startswith("OK: ")


def test_a_base_that_is_not_an_ancestor_is_said_and_the_whole_is_judged(scene: Scene) -> None:
    stale_history(scene)
    result = scene.check()
    assert result.stderr.splitlines()[0] == (
        "note: main is not an ancestor of HEAD (the branch was rebased, rewritten or made from elsewhere): its commits "
        "were checked one by one, and HEAD as a whole against main")
    whole = "(the change since main as a whole, by eve@example.com)"
    assert result.stdout.splitlines() == [
        f"{FD}/versions/4.yaml:3: approvers: fraud-detector v4 Archived -> Production: eve@example.com may not move "
        "versions into Production: ask an owner of the model (priya.raman@example.com, marco.bianchi@example.com) or "
        f"{TOM} to make the change {whole}",
        f"{FD}/versions/5.yaml:3: transition: fraud-detector v5 Production -> Staging: a version in Production may move "
        f"only to Archived {whole}",
        f"{FD}/versions/5.yaml:3: approvers: fraud-detector v5 Production -> Staging: eve@example.com may not take "
        "versions out of Production: ask an owner of the model (priya.raman@example.com, marco.bianchi@example.com) or "
        f"{TOM} to make the change {whole}",
    ]


def test_the_whole_is_owed_to_those_whose_commits_made_it(scene: Scene) -> None:
    break_and_repair(scene)
    problems = json.loads(scene.check("--json").stdout)
    assert [(p["file"], p["rule"], p["commit"], p["author"], p["since"]) for p in problems] == [
        (f"{SIC}/versions/2.yaml", "approvers", None, EVE, "main"),
        (f"{SIC}/model.yaml", "approvers", None, EVE, "main"),
    ]
