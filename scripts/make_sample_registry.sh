#!/usr/bin/env bash
# Build sample-registry/ with the real modelreg CLI, so its files are exactly in the canonical format.
#
#   scripts/make_sample_registry.sh OUTPUT_DIR      (e.g. sample-registry)
#   scripts/make_sample_registry.sh --history OUTPUT_DIR
#                                   a git repository with the whole history (one commit per command),
#                                   for what shows history: `modelreg log`, the site's timelines
#
# Every command runs in a throwaway git repository as a pinned person at a pinned date (created_at
# and created_by come from git's author ident), so the output is the same on every run and machine.
# Only modelreg.yaml and models/ are copied to OUTPUT_DIR: no .git. Needs modelreg on PATH (or
# MODELREG=/path/to/modelreg) and git; reads no git config of the machine.
set -euo pipefail

history=0
if [ "${1:-}" = --history ]; then history=1; shift; fi
out=${1:?usage: make_sample_registry.sh [--history] OUTPUT_DIR}
MODELREG=${MODELREG:-modelreg}
command -v "$MODELREG" >/dev/null || { echo "modelreg is not on PATH: activate the venv (make demo sets it up)" >&2; exit 1; }
mkdir -p "$out" && out=$(cd "$out" && pwd)

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
unset MODELREG_REGISTRY GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
work=$(mktemp -d "${TMPDIR:-/tmp}/modelreg-sample.XXXXXX")
trap 'rm -rf "$work"' EXIT
reg=$work/registry
cd "$work"

if command -v sha256sum >/dev/null; then SHA=(sha256sum); else SHA=(shasum -a 256); fi
hex() { printf '%s' "$1" | "${SHA[@]}" | cut -c1-"${2:-64}"; }  # stable fake hashes from a seed
run_id() { hex "run $1" 32; }                                       # MLflow-style run ids
commit() { hex "commit $1" 40; }                                    # git commit of the training code

fullname() {
  case $1 in
    priya.raman) echo "Priya Raman" ;;      marco.bianchi) echo "Marco Bianchi" ;;
    aisha.okafor) echo "Aisha Okafor" ;;    elena.sato) echo "Elena Sato" ;;
    diego.alvarez) echo "Diego Alvarez" ;;  kenji.watanabe) echo "Kenji Watanabe" ;;
    tom.lindqvist) echo "Tom Lindqvist" ;;  *) echo "unknown person $1" >&2; exit 1 ;;
  esac
}

as() {  # as PERSON DATE ARGS...: run `modelreg ARGS` as PERSON@example.com at DATE (UTC)
  local who=$1 when=$2 name; shift 2
  name=$(fullname "$who")
  GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$who@example.com GIT_AUTHOR_DATE=$when \
  GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$who@example.com GIT_COMMITTER_DATE=$when \
    "$MODELREG" --registry "$reg" "$@" >/dev/null
}

register() {  # register PERSON DATE MODEL SOURCE SIZE|- [register options...]; SIZE - = no artifact known
  local who=$1 when=$2 model=$3 source=$4 size=$5; shift 5
  local artifact=()
  [ "$size" = - ] || artifact=(--sha256 "$(hex "artifact $source")" --size-bytes "$size")
  as "$who" "$when" register "$model" "$source" ${artifact[@]+"${artifact[@]}"} "$@"
}

as tom.lindqvist 2026-06-01T08:30:00Z init "$reg"

# --- fraud-detector: v4 in Production (champion), v5 in Staging (challenger), v6 an experiment ---
m=fraud-detector; art=s3://ml-artifacts/$m; tx=s3://datalake/fraud/transactions; merch=s3://datalake/fraud/merchants
as priya.raman 2026-06-02T09:12:00Z create $m --owner priya.raman@example.com --owner marco.bianchi@example.com \
  --tag team=risk-ml --tag task=binary-classification --tag framework=xgboost \
  --description "Scores card transactions for fraud in real time; the payments API blocks above 0.92."
register priya.raman 2026-06-08T14:05:00Z $m $art/1/model.tar.gz - --run-id "$(run_id fd1)" \
  --description "Baseline XGBoost on 42 transaction features." \
  --metric auc=0.912 --metric precision=0.801 --metric recall=0.672 --metric f1=0.731 \
  --param learning_rate=0.1 --param max_depth=6 --param n_estimators=300 --param subsample=0.8 \
  --tag framework=xgboost --code-commit "$(commit fd1)" --dataset $tx/2026-06-01 -m "Baseline for the fraud pipeline"
as tom.lindqvist 2026-06-10T10:00:00Z transition $m 1 Production -m "Replaces the rules engine after a 2-day shadow run"
as tom.lindqvist 2026-06-10T10:02:00Z alias set $m champion 1
register priya.raman 2026-06-24T16:40:00Z $m $art/2/model.tar.gz 4718592 --run-id "$(run_id fd2)" \
  --description "Adds merchant-level aggregates (chargeback rate, 7-day volume)." \
  --metric auc=0.928 --metric precision=0.826 --metric recall=0.701 --metric f1=0.758 \
  --param learning_rate=0.1 --param max_depth=7 --param n_estimators=400 --param subsample=0.8 \
  --tag framework=xgboost --code-commit "$(commit fd2)" --dataset $tx/2026-06-15 --dataset $merch/2026-06-15 \
  --parent models:/$m/1
as priya.raman 2026-06-25T09:30:00Z transition $m 2 Staging
as tom.lindqvist 2026-06-30T09:15:00Z transition $m 2 Production --archive-existing -m "Shadow run: +2.9pt recall at the same precision"
as tom.lindqvist 2026-06-30T09:16:00Z alias set $m champion 2
register marco.bianchi 2026-07-20T11:30:00Z $m $art/3/model.tar.gz 9437184 --run-id "$(run_id fd3)" \
  --description "Lower learning rate, twice the trees." \
  --metric auc=0.934 --metric precision=0.833 --metric recall=0.716 --metric f1=0.770 \
  --param learning_rate=0.05 --param max_depth=7 --param n_estimators=800 --param subsample=0.8 \
  --tag framework=xgboost --code-commit "$(commit fd3)" --dataset $tx/2026-07-15 --dataset $merch/2026-07-15 \
  --parent models:/$m/2
as marco.bianchi 2026-07-21T08:50:00Z transition $m 3 Staging
as marco.bianchi 2026-07-29T15:10:00Z tag set $m latency_p99_ms 38 --version 3
as marco.bianchi 2026-07-29T15:11:00Z describe $m "Lower learning rate, twice the trees. Too slow: p99 38 ms over the 25 ms budget." --version 3
as marco.bianchi 2026-07-29T15:12:00Z transition $m 3 Archived -m "Misses the latency budget"
register marco.bianchi 2026-08-18T15:20:00Z $m $art/4/model.tar.gz 5242880 --run-id "$(run_id fd4)" \
  --description "v3's accuracy with 31 pruned features and shallower trees; p99 19 ms." \
  --metric auc=0.941 --metric precision=0.851 --metric recall=0.728 --metric f1=0.785 \
  --param learning_rate=0.05 --param max_depth=6 --param n_estimators=600 --param colsample_bytree=0.8 \
  --tag framework=xgboost --tag latency_p99_ms=19 --code-commit "$(commit fd4)" \
  --dataset $tx/2026-08-01 --dataset $merch/2026-08-01 --parent models:/$m/3
as marco.bianchi 2026-08-19T10:05:00Z transition $m 4 Staging
as tom.lindqvist 2026-08-25T08:45:00Z transition $m 4 Production --archive-existing -m "Approved in PR #112"
as tom.lindqvist 2026-08-25T08:46:00Z alias set $m champion 4
register priya.raman 2026-09-15T13:10:00Z $m $art/5/model.tar.gz 5347737 --run-id "$(run_id fd5)" \
  --description "Monthly retrain on September transactions." \
  --metric auc=0.946 --metric precision=0.858 --metric recall=0.741 --metric f1=0.795 \
  --param learning_rate=0.05 --param max_depth=6 --param n_estimators=650 --param colsample_bytree=0.8 \
  --tag framework=xgboost --tag latency_p99_ms=20 --code-commit "$(commit fd5)" \
  --dataset $tx/2026-09-01 --dataset $merch/2026-09-01 --parent models:/$m/4 --alias challenger
as priya.raman 2026-09-16T09:00:00Z transition $m 5 Staging
as tom.lindqvist 2026-09-22T14:30:00Z tag set $m shadow_eval passed --version 5
register marco.bianchi 2026-10-06T10:25:00Z $m $art/6/model.tar.gz 3984211 --run-id "$(run_id fd6)" \
  --description "LightGBM experiment: close to v5 but not better." \
  --metric auc=0.939 --metric precision=0.842 --metric recall=0.735 --metric f1=0.785 \
  --param learning_rate=0.03 --param num_leaves=127 --param n_estimators=1200 --param feature_fraction=0.8 \
  --tag framework=lightgbm --code-commit "$(commit fd6)" --dataset $tx/2026-10-01 --dataset $merch/2026-10-01
as priya.raman 2026-10-12T11:00:00Z describe $m "Scores card transactions for fraud in real time: the payments API blocks above 0.92 and queues 0.70-0.92 for review. Retrained monthly."

# --- churn-predictor: v3 was deleted (last_version 5, versions 1, 2, 4, 5) ---
m=churn-predictor; subs=s3://datalake/growth/subscriptions
as aisha.okafor 2026-06-12T10:20:00Z create $m --owner aisha.okafor@example.com --owner elena.sato@example.com \
  --tag team=growth-analytics --tag task=binary-classification --tag framework=lightgbm \
  --description "Probability that a subscriber cancels in the next 30 days; feeds the weekly retention campaign."
register aisha.okafor 2026-06-15T10:00:00Z $m "runs:/$(run_id cp1)/model" 18432 --run-id "$(run_id cp1)" \
  --description "Logistic regression baseline on usage and billing features." \
  --metric auc=0.781 --metric accuracy=0.842 --metric precision=0.611 --metric recall=0.498 --metric f1=0.549 \
  --param C=1.0 --param penalty=l2 --param max_iter=500 --param class_weight=balanced \
  --tag framework=scikit-learn --code-commit "$(commit cp1)" --dataset $subs/2026-06-01
as aisha.okafor 2026-06-18T16:00:00Z transition $m 1 Production
as aisha.okafor 2026-06-18T16:01:00Z alias set $m champion 1
register aisha.okafor 2026-07-09T13:45:00Z $m "runs:/$(run_id cp2)/model" 2411724 --run-id "$(run_id cp2)" \
  --description "LightGBM on the same features." \
  --metric auc=0.842 --metric accuracy=0.871 --metric precision=0.684 --metric recall=0.593 --metric f1=0.635 \
  --param learning_rate=0.05 --param num_leaves=63 --param n_estimators=500 --param min_child_samples=50 \
  --tag framework=lightgbm --code-commit "$(commit cp2)" --dataset $subs/2026-07-01 --parent models:/$m/1
as elena.sato 2026-07-14T09:20:00Z transition $m 2 Production --archive-existing -m "Campaign A/B: 11% more saves"
as elena.sato 2026-07-14T09:21:00Z alias set $m champion 2
register aisha.okafor 2026-07-28T17:05:00Z $m "runs:/$(run_id cp3)/model" 2506112 --run-id "$(run_id cp3)" \
  --description "Adds account-lifecycle features." \
  --metric auc=0.913 --metric accuracy=0.902 --metric precision=0.781 --metric recall=0.702 --metric f1=0.739 \
  --param learning_rate=0.05 --param num_leaves=63 --param n_estimators=500 --param min_child_samples=50 \
  --tag framework=lightgbm --code-commit "$(commit cp3)" --dataset $subs/2026-07-15 --parent models:/$m/2
as aisha.okafor 2026-07-30T08:40:00Z delete $m --version 3 --yes \
  -m "Target leakage: days_since_cancel_request is only set once a customer asks to cancel"
register elena.sato 2026-08-30T12:15:00Z $m "runs:/$(run_id cp4)/model" 2621440 --run-id "$(run_id cp4)" \
  --description "Adds support-ticket features (tickets in the last 30 days, unresolved count)." \
  --metric auc=0.851 --metric accuracy=0.876 --metric precision=0.702 --metric recall=0.605 --metric f1=0.650 \
  --param learning_rate=0.05 --param num_leaves=63 --param n_estimators=600 --param min_child_samples=50 \
  --tag framework=lightgbm --code-commit "$(commit cp4)" --dataset $subs/2026-08-15 \
  --dataset s3://datalake/support/tickets/2026-08-15 --parent models:/$m/2 --alias challenger
as elena.sato 2026-09-02T10:00:00Z transition $m 4 Staging
register aisha.okafor 2026-10-20T15:30:00Z $m "runs:/$(run_id cp5)/model" 2654208 --run-id "$(run_id cp5)" \
  --description "Hyperparameter sweep on v4's features (64 trials)." \
  --metric auc=0.855 --metric accuracy=0.879 --metric precision=0.709 --metric recall=0.611 --metric f1=0.656 \
  --param learning_rate=0.03 --param num_leaves=95 --param n_estimators=900 --param min_child_samples=80 \
  --tag framework=lightgbm --code-commit "$(commit cp5)" --dataset $subs/2026-10-01 \
  --dataset s3://datalake/support/tickets/2026-10-01 --parent models:/$m/4

# --- demand-forecast: v2 in Production, v3 still being backtested ---
m=demand-forecast; sales=s3://datalake/supply/sales_daily
as diego.alvarez 2026-07-01T07:55:00Z create $m --owner diego.alvarez@example.com \
  --tag team=supply-chain --tag task=time-series-forecasting --tag framework=pytorch \
  --description "Daily unit demand per SKU and store, 28 days ahead; drives replenishment orders."
register diego.alvarez 2026-07-03T11:10:00Z $m "runs:/$(run_id df1)/model" - --run-id "$(run_id df1)" \
  --description "Global LightGBM model with lag and calendar features." \
  --metric rmse=14.82 --metric mae=8.97 --metric mape=0.231 --metric wape=0.187 \
  --param learning_rate=0.05 --param num_leaves=255 --param n_estimators=2000 --param horizon_days=28 \
  --tag framework=lightgbm --code-commit "$(commit df1)" --dataset $sales/2026-06-30
as diego.alvarez 2026-07-08T09:00:00Z transition $m 1 Production
as diego.alvarez 2026-07-08T09:01:00Z alias set $m champion 1
register diego.alvarez 2026-08-11T14:35:00Z $m s3://ml-artifacts/$m/2/model.pt 47185920 --run-id "$(run_id df2)" \
  --description "Temporal Fusion Transformer with promotion covariates." \
  --metric rmse=13.41 --metric mae=8.12 --metric mape=0.204 --metric wape=0.169 \
  --param learning_rate=0.001 --param epochs=30 --param batch_size=512 --param hidden_size=128 \
  --param dropout=0.1 --param horizon_days=28 --tag framework=pytorch --code-commit "$(commit df2)" \
  --dataset $sales/2026-07-31 --dataset s3://datalake/supply/promotions/2026-07-31 --parent models:/$m/1
as diego.alvarez 2026-08-12T08:30:00Z transition $m 2 Staging
as tom.lindqvist 2026-09-01T09:40:00Z transition $m 2 Production --archive-existing -m "Backtest Jun-Aug: WAPE 0.169 vs 0.187"
as tom.lindqvist 2026-09-01T09:41:00Z alias set $m champion 2
register diego.alvarez 2026-11-03T16:05:00Z $m s3://ml-artifacts/$m/3/model.pt 48234496 --run-id "$(run_id df3)" \
  --description "Adds weather covariates; backtest still running." \
  --metric rmse=13.02 --metric mae=7.88 --metric mape=0.197 --metric wape=0.163 \
  --param learning_rate=0.001 --param epochs=40 --param batch_size=512 --param hidden_size=128 \
  --param dropout=0.1 --param horizon_days=28 --tag framework=pytorch --code-commit "$(commit df3)" \
  --dataset $sales/2026-10-31 --dataset s3://datalake/supply/promotions/2026-10-31 \
  --dataset s3://datalake/external/weather/2026-10-31 --parent models:/$m/2

# --- support-intent-classifier: not in Production yet (v2 runs in shadow, in Staging) ---
m=support-intent-classifier; tickets=s3://datalake/support/tickets-labeled
as kenji.watanabe 2026-09-08T10:30:00Z create $m --owner kenji.watanabe@example.com --owner aisha.okafor@example.com \
  --tag team=support-ml --tag task=text-classification --tag framework=transformers \
  --description "Routes incoming support tickets to one of 23 intents (billing, login, shipping, ...)."
register kenji.watanabe 2026-09-10T15:00:00Z $m hf://acme-nlp/support-intent-distilbert@v1.0 - --run-id "$(run_id si1)" \
  --description "DistilBERT fine-tuned on 48k labeled tickets." \
  --metric accuracy=0.884 --metric macro_f1=0.842 --metric weighted_f1=0.881 \
  --param base_model=distilbert-base-uncased --param epochs=3 --param learning_rate=5e-5 \
  --param batch_size=32 --param max_seq_length=256 --tag framework=transformers \
  --code-commit "$(commit si1)" --dataset $tickets/2026-09-01
as kenji.watanabe 2026-09-12T09:45:00Z transition $m 1 Staging
register kenji.watanabe 2026-10-02T13:20:00Z $m hf://acme-nlp/support-intent-distilbert@v1.1 267847936 --run-id "$(run_id si2)" \
  --description "20k more labeled tickets and class weights for the rare intents." \
  --metric accuracy=0.902 --metric macro_f1=0.871 --metric weighted_f1=0.900 \
  --param base_model=distilbert-base-uncased --param epochs=4 --param learning_rate=3e-5 \
  --param batch_size=32 --param max_seq_length=256 --tag framework=transformers \
  --code-commit "$(commit si2)" --dataset $tickets/2026-10-01 --parent models:/$m/1
as kenji.watanabe 2026-10-03T08:15:00Z transition $m 2 Staging
as kenji.watanabe 2026-10-03T08:16:00Z transition $m 1 Archived
as kenji.watanabe 2026-10-03T08:17:00Z alias set $m challenger 2
as kenji.watanabe 2026-10-03T08:20:00Z tag set $m serving shadow
register kenji.watanabe 2026-11-14T11:50:00Z $m hf://acme-nlp/support-intent-deberta@v2.0 565829632 --run-id "$(run_id si3)" \
  --description "DeBERTa-v3-small: better on rare intents, 2.3x slower." \
  --metric accuracy=0.917 --metric macro_f1=0.889 --metric weighted_f1=0.915 \
  --param base_model=microsoft/deberta-v3-small --param epochs=4 --param learning_rate=2e-5 \
  --param batch_size=16 --param max_seq_length=256 --tag framework=transformers \
  --code-commit "$(commit si3)" --dataset $tickets/2026-11-01

# --- the promotion policy, adopted after all of the above (docs/policy.md) ---
cat >"$reg/modelreg.yaml" <<'POLICY'
format_version: 1
stages:
- None
- Staging
- Production
- Archived
exclusive_stages:
- Production
# The promotion policy (docs/policy.md): `transition`, `promote`, `alias set` and `rollback` obey it,
# and `modelreg check --base origin/main` holds every commit of a pull request to it.
policy:
  # Where a version may go from each stage: nothing skips Staging, nothing leaves Archived
  # (a rollback may still give a stage back to a version that held it before).
  transitions:
    None: [Staging, Archived]
    Staging: [Production, Archived, None]
    Production: [Archived]
    Archived: []
  gates:
    Staging:
      fields: [run_id, description]
    Production:
      # Models scored by AUC need at least 0.9 (a model without an auc metric is not held to it).
      require: "NOT metrics.auc < 0.9"
      fields: [run_id, artifact.sha256, description]
      not_worse_than_current:
        auc: higher
        macro_f1: higher
        wape: lower
      approvers: [owners, tom.lindqvist@example.com]
  protected_aliases:
    champion:
      require: "stage = 'Production'"
      approvers: [owners, tom.lindqvist@example.com]
POLICY
GIT_AUTHOR_NAME="Tom Lindqvist" GIT_AUTHOR_EMAIL=tom.lindqvist@example.com GIT_AUTHOR_DATE=2026-11-20T09:00:00Z \
GIT_COMMITTER_NAME="Tom Lindqvist" GIT_COMMITTER_EMAIL=tom.lindqvist@example.com GIT_COMMITTER_DATE=2026-11-20T09:00:00Z \
  git -C "$reg" commit -q -m "Adopt a promotion policy" -- modelreg.yaml
"$MODELREG" --registry "$reg" check >/dev/null  # the registry obeys its own schema and invariants

if [ "$history" = 1 ]; then
  [ -z "$(ls -A "$out")" ] || { echo "$out is not empty: --history clones the registry into a new folder" >&2; exit 1; }
  git clone -q "$reg" "$out"
  git -C "$out" remote remove origin
  echo "Wrote the sample registry with its history ($(git -C "$out" rev-list --count HEAD) commits) to $out"
  exit 0
fi
rm -rf "$out/models" "$out/modelreg.yaml"
cp -R "$reg/modelreg.yaml" "$reg/models" "$out/"
rm -f "$out/models/.gitkeep"  # made by init for an empty registry; models/ is not empty here
chmod -R u=rwX,go=rX "$out/modelreg.yaml" "$out/models"
echo "Wrote $(find "$out/models" -name '*.yaml' | wc -l | tr -d ' ') manifests to $out"
