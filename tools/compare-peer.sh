#!/usr/bin/env bash
# Ours against the TorchSharp peer (../shared/peer), run alternately — ours, peer, ours, peer … —
# with the same threads, for the two configurations of issue 7: ResNet-18 (CIFAR stem) at batch 64,
# width 1.0, and at batch 128, width 0.25. Prints ms per step (median of each run's timed steps),
# peak RSS, and the ratio ours/peer per pair with the median ratio.
#
#   tools/compare-peer.sh [PAIRS=5] [THREADS=2]
#
# Needs jq and GNU time; the peer is built on first use (its README), with jemalloc taken from
# Debian's libjemalloc2 package, extracted under /tmp/peer-data and not installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${PEER_DIR:-$root/../shared/peer}"
pairs="${1:-5}"
threads="${2:-2}"
for tool in jq /usr/bin/time; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install jq time)" >&2; exit 1; }; done

jemalloc=/tmp/peer-data/jemalloc/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [[ ! -f "$jemalloc" ]]; then
  mkdir -p /tmp/peer-data && (cd /tmp/peer-data && apt-get download libjemalloc2 >&2 && dpkg -x libjemalloc2_*.deb jemalloc)
fi
export JEMALLOC_LIB="$jemalloc"
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
