#!/usr/bin/env bash
# `make demo`: a scripted modelreg session on a throwaway copy of sample-registry/.
# Run it by hand with modelreg on PATH: bash scripts/demo.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v modelreg >/dev/null || { echo "modelreg is not on PATH: run \`make demo\` (it sets up the venv)" >&2; exit 1; }

# A demo identity, so the commits work on a machine where git knows no user.name/user.email.
export GIT_AUTHOR_NAME="Demo User" GIT_AUTHOR_EMAIL="demo@example.com"
export GIT_COMMITTER_NAME="Demo User" GIT_COMMITTER_EMAIL="demo@example.com"
export GIT_PAGER=cat
unset MODELREG_REGISTRY GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE  # act only on the copy made below

if [ -t 1 ]; then bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'; else bold="" dim="" off=""; fi
say() { printf '\n'; printf "$dim# %s$off\n" "$@"; }  # one comment line per argument
show() {  # print a command the way you would type it; a long one goes on several lines
  local line="" arg safe='^[][A-Za-z0-9_./:@=,+-]+$' all="$*"
  local long=$(( ${#all} > 100 )) last=""
  for arg in "$@"; do  # a long command: a new line for each kind of option
    if [[ $long = 1 && $arg = -* && $arg != "$last" ]]; then line+=" \\"$'\n'"   "; last=$arg; fi
    if [[ $arg =~ $safe ]]; then line+=" $arg"; else line+=" '${arg//\'/\'\\\'\'}'"; fi
  done
  printf '%s$%s%s\n' "$bold" "$line" "$off"
}
run() { show "$@"; "$@" 2>&1; }

demo=$(mktemp -d "${TMPDIR:-/tmp}/modelreg-demo.XXXXXX")
registry=$demo/registry
cp -R "$here/sample-registry" "$registry"
cd "$registry"
git -c init.defaultBranch=main init -q
git add -A
git -c commit.gpgsign=false commit -q --no-verify -m "Import the sample registry"

say "A registry is a folder of YAML files in a git repo. This one is a fresh copy of sample-registry/" \
    "in $registry;" \
    "modelreg finds it by looking upward from the current folder for modelreg.yaml." \
    "Every model, with the version holding each stage and its aliases:"
run modelreg list

say "One model and all its versions:"
run modelreg show fraud-detector

say "Model URIs name a version: models:/NAME/3, models:/NAME@ALIAS, models:/NAME/STAGE, models:/NAME/latest."
run modelreg show models:/fraud-detector@champion

say "A deploy job only needs the artifact's location: resolve prints the source of the Production version."
run modelreg resolve models:/fraud-detector/Production

say "Training produced a new model file. Registering a local file records its sha256 and size" \
    "(a file outside the repo is stored as a file:// URI; for s3://... pass --sha256 yourself)."
mkdir -p "$demo/train-output"
printf 'pretend this is an XGBoost booster retrained on November data\n' >"$demo/train-output/model.ubj"
run modelreg register fraud-detector "$demo/train-output/model.ubj" \
  --metric auc=0.951 --metric precision=0.866 --metric recall=0.752 --metric f1=0.805 \
  --param learning_rate=0.05 --param max_depth=6 --param n_estimators=700 --tag framework=xgboost \
  --run-id 7c1e4f9a0b2d4e6f8a1c3e5b7d9f0a2c \
  --dataset s3://datalake/fraud/transactions/2026-11-01 --parent models:/fraud-detector/5 \
  --description "Monthly retrain on November transactions." -m "November retrain"
run modelreg show models:/fraud-detector/7

say "Promote it to Staging for a shadow run:"
run modelreg transition fraud-detector 7 Staging

say "Only one version may be in Production. Without --archive-existing, modelreg refuses:"
show modelreg transition fraud-detector 7 Production
if modelreg transition fraud-detector 7 Production 2>&1; then
  echo "unexpected: the transition should have been refused" >&2; exit 1
else
  printf '%s(exit code %s)%s\n' "$dim" "$?" "$off"
fi

say "The registry's policy (modelreg.yaml, docs/policy.md) lets only the model's owners and the release" \
    "manager move a version into Production; you are demo@example.com:"
show modelreg transition fraud-detector 7 Production --archive-existing
if modelreg transition fraud-detector 7 Production --archive-existing 2>&1; then
  echo "unexpected: the policy should have refused the promotion" >&2; exit 1
else
  printf '%s(exit code %s)%s\n' "$dim" "$?" "$off"
fi

say "Tom Lindqvist, the release manager, may. With --archive-existing, version 4 moves to Archived in the same commit:"
export GIT_AUTHOR_NAME="Tom Lindqvist" GIT_AUTHOR_EMAIL=tom.lindqvist@example.com
export GIT_COMMITTER_NAME="Tom Lindqvist" GIT_COMMITTER_EMAIL=tom.lindqvist@example.com
run modelreg transition fraud-detector 7 Production --archive-existing -m "Beat v4 in a 7-day shadow run"

say "Aliases are names a deploy can follow. Point champion (a protected alias) at the new version:"
run modelreg alias set fraud-detector champion 7

say "Every change above is one git commit: who, when and why, ready for review, revert and audit."
run git log --oneline -5

say "The champion now resolves to the new version:"
run modelreg resolve models:/fraud-detector@champion

say "Search reads like MLflow's filter strings, and also knows stages, aliases and metrics:"
run modelreg search --versions "metrics.auc >= 0.945 AND stage != 'Archived'"

say "The audit trail comes from git: who did what, when, and why:"
run modelreg log fraud-detector --max-count 3

say "What a reviewer sees on the promotion's pull request (plain markdown):"
run modelreg diff HEAD~2 HEAD --format markdown

say "The check CI runs on every pull request: schema, invariants, and each change against the policy:"
run modelreg check --base HEAD~4

say "The registry as a static web site (history, charts, who held each stage when), no server needed:"
run modelreg site build -o "$demo/site" --title "Demo model registry"

say "Done. Explore the demo registry (it is yours to change or delete), and open its site in a browser:"
printf '  cd %s && modelreg list && git log --stat\n' "$registry"
printf '  %s/site/index.html   (or: modelreg site serve)\n' "$demo"
