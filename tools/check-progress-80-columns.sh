#!/usr/bin/env bash
# The live progress bar in an 80-column terminal: runs a short training (two epochs, kNN after
# each, so kNN lines wrap while the bar is showing) inside a tmux pane 80 columns wide, then checks
# what the pane shows: no line holds both message text and the bar (the old bar showing through a
# wrapped message), the bar's final line appears once, and the final kNN and the summary come
# after it. Prints the pane and "ok", or what is wrong (exit 1). Needs tmux; about a minute.
#
#   tools/check-progress-80-columns.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)" >&2; exit 2; }
"$root/onnxmec" --help >/dev/null
work="$(mktemp -d)"
session="onnxmec-check-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT

tmux new-session -d -s "$session" -x 80 -y 200 \
  "cd '$root' && TERM=xterm-256color ./onnxmec train --run-dir '$work/run' --set Data:Source=fashion-mnist-embedded \
     --set Data:EmbeddedQueries=9000 --set Epochs=2 --set BatchSize=64 --set Knn:EveryEpochs=1 --set Knn:MaxQueries=300 \
     --set Export=false; echo CHECK-DONE; sleep 30"
for _ in $(seq 600); do
  tmux capture-pane -p -t "$session" -S -200 | grep -q CHECK-DONE && break
  sleep 1
done
pane="$(tmux capture-pane -p -t "$session" -S -200)"
echo "$pane"
echo

bar='━'
problems=()
grep -q CHECK-DONE <<<"$pane" || problems+=("the run did not finish within 10 minutes")
if grep "$bar" <<<"$pane" | grep -Eq 'kNN|s\)|Finished|queries'; then problems+=("a line holds both message text and the bar"); fi
[[ "$(grep -c "step 30/30.*$bar" <<<"$pane" || true)" == 1 ]] || problems+=("the final bar line does not appear exactly once")
final_bar=$(grep -n "step 30/30.*$bar" <<<"$pane" | head -1 | cut -d: -f1)
final_knn=$(grep -n 'kNN (trained' <<<"$pane" | head -1 | cut -d: -f1)
summary=$(grep -n '^Finished after' <<<"$pane" | head -1 | cut -d: -f1)
if [[ -z "$final_bar" || -z "$final_knn" || -z "$summary" || "$final_knn" -lt "$final_bar" || "$summary" -lt "$final_knn" ]]; then
  problems+=("the final kNN and the summary do not follow the final bar")
fi

if (( ${#problems[@]} > 0 )); then
  printf 'FAILED: %s\n' "${problems[@]}"
  exit 1
fi
echo ok
