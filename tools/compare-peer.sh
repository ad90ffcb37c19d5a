#!/usr/bin/env bash
# Ours against a peer implementation of the same MEC training step, run alternately — ours, peer,
# ours, peer … — with the same threads, for two configurations: ResNet-18 (CIFAR stem) at batch 64,
# width 1.0, and at batch 128, width 0.25. Prints ms per step (median of each run's timed steps),
# peak RSS, and the ratio ours/peer per pair with the median ratio.
#
#   tools/compare-peer.sh PEER_DIR [PAIRS=5] [THREADS=2]
#
# The peer is not part of this repository. PEER_DIR must hold an executable run.sh whose
# "speed --batch B --width W --threads T [--steps S --warmup U]" mode times that step and ends its
# output with one line of JSON holding "step_ms_median" (the TorchSharp implementation the README's
# table was measured against has this interface; its run.sh builds it on first use and takes the
# allocator from JEMALLOC_LIB when PEER_ALLOC=jemalloc). Needs jq and GNU time; jemalloc is taken
# from Debian's libjemalloc2 package, extracted under /tmp/peer-data and not installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || ! -x "${1%/}/run.sh" ]]; then
  echo "usage: tools/compare-peer.sh PEER_DIR [PAIRS=5] [THREADS=2]" >&2
  echo "PEER_DIR: a checkout of the peer implementation with an executable run.sh (see the comment at the top of this script)" >&2
  exit 2
fi
peer="${1%/}"
pairs="${2:-5}"
threads="${3:-2}"
for tool in jq /usr/bin/time; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install jq time)" >&2; exit 1; }; done

JEMALLOC_LIB="$("$root/tools/peer-jemalloc.sh")"
export JEMALLOC_LIB
echo "building both…" >&2
"$root/onnxmec" --help >/dev/null
PEER_ALLOC=jemalloc "$peer/run.sh" speed --batch 2 --width 0.125 --steps 1 --warmup 0 >/dev/null

# run FILE CMD…: runs CMD, keeps its last stdout line in FILE.json and its peak RSS (KiB) in FILE.rss
run() {
  local file="$1"; shift
  /usr/bin/time -f "%M" -o "$file.rss" "$@" 2>/dev/null | tail -n 1 > "$file.json"
}

tmp="$(mktemp -d)"
for config in "64 1.0" "128 0.25"; do
  read -r batch width <<<"$config"
  echo
  echo "resnet18-cifar, batch $batch, width $width, $threads threads, $pairs pairs"
  echo "| pair | ours ms | peer ms | ratio ours/peer | ours RSS MiB | peer RSS MiB |"
  echo "|---|---|---|---|---|---|"
  ratios=()
  for pair in $(seq "$pairs"); do
    run "$tmp/ours" "$root/onnxmec" bench step --model resnet18-cifar --batch "$batch" --width "$width" --threads "$threads" --fused-only --json
    run "$tmp/peer" env PEER_ALLOC=jemalloc SKIP_BUILD=1 "$peer/run.sh" speed --batch "$batch" --width "$width" --threads "$threads"
    ours=$(jq .median_ms "$tmp/ours.json")
    theirs=$(jq .step_ms_median "$tmp/peer.json")
    ratio=$(jq -n "$ours / $theirs")
    ratios+=("$ratio")
    printf '| %d | %.0f | %.0f | %.2f | %.0f | %.0f |\n' "$pair" "$ours" "$theirs" "$ratio" "$(jq -n "$(cat "$tmp/ours.rss") / 1024")" "$(jq -n "$(cat "$tmp/peer.rss") / 1024")"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  printf 'median ratio ours/peer: %.2f\n' "$median"
done
rm -rf "$tmp"
