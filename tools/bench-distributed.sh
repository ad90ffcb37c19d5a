#!/usr/bin/env bash
# Data-parallel speed on this machine: one process with T threads against P processes with T/P
# threads each (Open MPI's mpirun), the same global batch, the same artifact set, alternating.
# Prints a table of images/s and the share of the step spent exchanging between processes.
#   tools/bench-distributed.sh [SET] [BATCH] [STEPS] [PAIRS] [PROCESSES] [THREADS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
set_name=${1:-resnet18-mini} batch=${2:-128} steps=${3:-6} pairs=${4:-2} processes=${5:-2} threads=${6:-$(nproc)}
per_process=$(( threads / processes > 0 ? threads / processes : 1 ))
command -v mpirun.openmpi >/dev/null || { echo "needs Open MPI: apt-get install openmpi-bin" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
./onnxmec --help >/dev/null   # build once, before the timed runs
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

echo "$set_name, global batch $batch, $steps timed steps after 2 warm-up steps, $(nproc) cores"
echo "| pair | 1 process × $threads threads: images/s | $processes processes × $per_process threads: images/s | ratio | exchanging (share of step) |"
echo "|---|---|---|---|---|"
for pair in $(seq 1 "$pairs"); do
  one=$(./onnxmec bench step --model "$set_name" --batch "$batch" --threads "$threads" --steps "$steps" --fused-only --json)
  many=$(mpirun.openmpi --bind-to none --oversubscribe -x TERM=dumb -np "$processes" ./onnxmec bench step --model "$set_name" --batch "$batch" --threads "$per_process" --steps "$steps" --fused-only --json)
  a=$(echo "$one" | field images_per_second) b=$(echo "$many" | field images_per_second) share=$(echo "$many" | field communication_share)
  python3 -c "print(f'| $pair | {$a:.1f} | {$b:.1f} | {$b/$a:.2f} | {100*$share:.1f} % |')"
done
