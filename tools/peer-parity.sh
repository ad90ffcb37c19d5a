#!/usr/bin/env bash
# Training quality against a peer implementation at equal settings: for each seed, the peer's
# Fashion-MNIST training and ours (src/OnnxMec.Host/configs/fashion-mnist-10k.json) on the first
# 10,000 training images (also the kNN bank), the 10,000 test images as queries, resnet18-mini's
# shape (ResNet-18 at 1/8 width, 28×28 grey input, projector 512, predictor 128), batch 128, lr 0.6
# with 1 warm-up epoch then cosine, crop 0.5–1, order 4, ε_d² = 1, EMA 0.996 constant, no λ warm-up,
# 15 epochs; kNN k = 200, T = 0.1 on the online backbone. Prints each seed's kNN top-1 before and
# after training on both sides, then each side's mean and standard deviation.
#
#   tools/peer-parity.sh PEER_DIR [SEEDS="0 1 2"] [THREADS=2]
#
# The peer is not part of this repository. PEER_DIR must hold an executable run.sh whose
# "train-fmnist --train-subset N --width 0.125 --input gray28 --dim 512 --pred-dim 128 --lr 0.6
# --warmup-epochs 1 --lr-schedule cosine --crop-min 0.5 --epochs E --seed S --threads T" mode ends its
# output with one line of JSON holding knn_acc_init and knn_acc_trained (fractions); see
# tools/compare-peer.sh for the allocator it is given. Environment: EPOCHS and TRAIN shorten a check
# run; OUT names the results folder (default runs/peer-parity-<time>); SIDES=peer or SIDES=ours runs
# one side only and SIDES=none runs nothing, each reading the other side's results already in OUT, so
# the two sides can run side by side and a last SIDES=none call prints the whole table.
# Needs jq. About 35 minutes per seed with one thread per side on a busy 2-core machine; installs Debian's dataset-fashion-mnist.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || ! -x "${1%/}/run.sh" ]]; then
  echo "usage: tools/peer-parity.sh PEER_DIR [SEEDS=\"0 1 2\"] [THREADS=2]" >&2
  echo "PEER_DIR: a checkout of the peer implementation with an executable run.sh (see the comment at the top of this script)" >&2
  exit 2
fi
peer="${1%/}"
seeds="${2:-0 1 2}"
threads="${3:-2}"
epochs="${EPOCHS:-15}"
train="${TRAIN:-10000}"
sides="${SIDES:-both}"
case "$sides" in both|peer|ours|none) ;; *) echo "SIDES must be both, peer, ours or none" >&2; exit 2 ;; esac
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 1; }
"$root/tools/install-fashion-mnist.sh"
JEMALLOC_LIB="$("$root/tools/peer-jemalloc.sh")"
export JEMALLOC_LIB
out="${OUT:-$root/runs/peer-parity-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
echo "results in $out" >&2

echo "| seed | peer: random init | peer: trained | peer s | ours: random init | ours: trained | ours s |"
echo "|---|---|---|---|---|---|---|"
# value FILE JQ: the number, or – where that run has no result
value() { local v; if [[ -s "$1" ]] && v=$(jq -e "$2" "$1" 2>/dev/null); then printf '%.2f' "$v"; else echo "–"; fi; }
for seed in $seeds; do
  if [[ "$sides" == both || "$sides" == peer ]]; then
    start=$(date +%s)
    PEER_ALLOC=jemalloc "$peer/run.sh" train-fmnist --train-subset "$train" --width 0.125 --input gray28 --dim 512 --pred-dim 128 \
      --lr 0.6 --warmup-epochs 1 --lr-schedule cosine --crop-min 0.5 --epochs "$epochs" --seed "$seed" --threads "$threads" \
      2> "$out/peer-seed$seed.log" | tail -n 1 > "$out/peer-seed$seed.json"
    echo $(( $(date +%s) - start )) > "$out/peer-seed$seed.seconds"
  fi
  if [[ "$sides" == both || "$sides" == ours ]]; then
    start=$(date +%s)
    "$root/onnxmec" train --config "$root/src/OnnxMec.Host/configs/fashion-mnist-10k.json" --run-dir "$out/ours-seed$seed" \
      --set Seed="$seed" Epochs="$epochs" Data:MaxTrain="$train" Threads="$threads" --json \
      > "$out/ours-seed$seed.log" 2>&1
    tail -n 1 "$out/ours-seed$seed.log" > "$out/ours-seed$seed.json"
    echo $(( $(date +%s) - start )) > "$out/ours-seed$seed.seconds"
  fi
  echo "| $seed | $(value "$out/peer-seed$seed.json" '100 * .knn_acc_init') | $(value "$out/peer-seed$seed.json" '100 * .knn_acc_trained') | $(cat "$out/peer-seed$seed.seconds" 2>/dev/null || echo –)" \
    "| $(value "$out/ours-seed$seed.json" .knn_top1_init) | $(value "$out/ours-seed$seed.json" .knn_top1) | $(cat "$out/ours-seed$seed.seconds" 2>/dev/null || echo –) |"
done

# mean and sample standard deviation of one column of numbers
stats() { awk '{ s += $1; q += $1 * $1; n++ } END { if (n == 0) { print "no results"; exit } m = s / n; printf "%.2f (sd %.2f, n %d)", m, (n > 1 ? sqrt((q - n * m * m) / (n - 1)) : 0), n }'; }
echo
echo "peer trained: $(for s in $seeds; do echo "$(value "$out/peer-seed$s.json" '100 * .knn_acc_trained')"; done | grep -v – | stats)"
echo "ours trained: $(for s in $seeds; do echo "$(value "$out/ours-seed$s.json" .knn_top1)"; done | grep -v – | stats)"
