#!/usr/bin/env bash
# The one command of a GPU run (H200; CUDA 13.0, cuDNN 9, PyTorch in python3; no .NET, no network),
# from the repository's root with .gpu/ (tools/gpu/make-bundle.sh) carried along:
#   bash tools/gpu/device-run.sh                        (the run's limit: about 8 minutes)
#   DEVICE=cpu OUT=/tmp/dry bash tools/gpu/device-run.sh  (dry run here: tiny sizes, PyTorch stages fail)
# Unpacks onnxmec, points ONNX Runtime's CUDA provider at the CUDA 13 / cuDNN 9 libraries of the
# machine's PyTorch, then runs, most important first, each stage with its own timeout and none
# started once the budget is spent, so the output always ends with the summary (the bench steps
# name --state-memory, so a dry run on the CPU runs the device-memory code the GPU runs):
#   1 smoke: onnxmec's fused step on the GPU (resnet18-mini)
#   2 the quickstart trained on the GPU (kNN before/after, wall time; export included)
#   3 bench step resnet18-cifar b256 and resnet50 b64, each beside PyTorch tf32 (ORT's CUDA default)
#   4 bench loss on the GPU: Taylor orders against the exact log-det at d = 2048
#   5 PyTorch bf16 at both sizes; onnxmec with the state in host memory (what device memory saves)
# Files back in $OUT: run.log, bench.log, onnxmec.jsonl, torch.jsonl, quickstart.log, metrics.jsonl, loss.log.
set -uo pipefail
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
BUDGET="${BUDGET:-330}"   # no stage starts past BUDGET s; none runs past BUDGET + 90 s
DEVICE="${DEVICE:-cuda}"
start=$(date +%s)
exec > >(tee -a "$OUT/run.log") 2>&1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"; cd "$root"
gpu="$root/.gpu"; unpacked=/tmp/onnxmec-run; bin="$unpacked/onnxmec/onnxmec"
tiny=0; [[ $DEVICE == cpu ]] && tiny=1

elapsed() { echo $(( $(date +%s) - start )); }
stage() { echo; echo "== [$(elapsed)s] $*"; }
# room STAGE_SECONDS: true when the stage can still start
room() { (( $(elapsed) + $1 < BUDGET )) || { echo "-- skipped: $(elapsed)s spent, the stage needs about $1 s"; return 1; }; }
# limit SECONDS: the stage's timeout, cut to what is left of BUDGET + 90 (at least 10 s)
limit() { local left=$(( BUDGET + 90 - $(elapsed) )); (( left > $1 )) && left=$1; (( left < 10 )) && left=10; echo "$left"; }
size() { (( tiny )) && echo "$2" || echo "$1"; }   # size BIG TINY

stage "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | head -2
python3 -c "import sys, torch; print('python', sys.version.split()[0], '| torch', torch.__version__, '| CUDA', torch.version.cuda, '| cuDNN', torch.backends.cudnn.version())" 2>&1 | tail -1

stage "unpack"
[[ -f $gpu/onnxmec-gpu.tar.xz ]] || { echo "no $gpu/onnxmec-gpu.tar.xz: build it with tools/gpu/make-bundle.sh and carry .gpu along"; exit 1; }
echo "bundle $(sha256sum "$gpu/onnxmec-gpu.tar.xz" | cut -c1-16), built as $(cut -c1-16 "$gpu/onnxmec-gpu.sha256")"
rm -rf "$unpacked"; mkdir -p "$unpacked"
python3 -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter='tar')" "$gpu/onnxmec-gpu.tar.xz" "$unpacked" || exit 1

stage "CUDA 13 / cuDNN 9 libraries for ONNX Runtime"
site="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
paths=""
for dir in "$site/nvidia/cu13/lib" "$site/nvidia/cudnn/lib" /usr/local/nvidia/lib64; do [[ -d $dir ]] && paths="$paths${paths:+:}$dir"; done
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcufft.so.12 libcudnn.so.9; do
  found=""
  IFS=: read -ra dirs <<<"$paths"
  for dir in "${dirs[@]}"; do [[ -e $dir/$lib ]] && { found="$dir/$lib"; break; }; done
  if [[ -z $found ]]; then   # another layout: search the venv and the toolkit once
    found="$(find "$site" /usr/local/cuda/lib64 /usr/local/cuda/targets -name "$lib" 2>/dev/null | head -1)"
    [[ -n $found ]] && paths="$paths${paths:+:}$(dirname "$found")"
  fi
  echo "$lib -> ${found:-NOT FOUND}"
done
export LD_LIBRARY_PATH="$paths${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" CUDA_MODULE_LOADING=LAZY
ldd "$unpacked/onnxmec/libonnxruntime_providers_cuda.so" | grep -E 'not found|cublas|cudart|cudnn'

# GPU memory in use (MiB), sampled every 200 ms with the time, for each stage's peak
samples=/tmp/onnxmec-gpu-memory
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 2>/dev/null \
  | while read -r mib; do echo "$(date +%s) $mib"; done > "$samples" &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT
# peak_since EPOCH_SECONDS: the most GPU memory in use since then (MiB; 0 without nvidia-smi)
peak_since() { awk -v t="$1" '$1 >= t && $2 > m { m = $2 } END { print m + 0 }' "$samples" 2>/dev/null || echo 0; }

# onnxmec MODEL BATCH STEPS [EXTRA...]: bench step on DEVICE; its JSON line, with the stage's
# peak GPU memory, goes to onnxmec.jsonl
onnxmec_step() {
  local model=$1 batch=$2 steps=$3; shift 3
  local line began; began=$(date +%s)
  line="$(timeout "$(limit 180)" "$bin" bench step --model "$model" --batch "$(size "$batch" 8)" --steps "$(size "$steps" 1)" \
          --fused-only --device "$DEVICE" --json "$@" 2>&1 | tee -a "$OUT/bench.log" | tail -1)"
  echo "$line"
  [[ $line == \{* ]] && python3 -c "import json, sys; d = json.loads(sys.argv[1]); d.update(impl='onnxmec', model=sys.argv[2], peak_gpu_mib=int(sys.argv[3])); print(json.dumps(d))" \
    "$line" "$model" "$(peak_since "$began")" >> "$OUT/onnxmec.jsonl"
}
# torch MODEL BATCH STEPS PRECISION: the kit's PyTorch step; its JSON line goes to torch.jsonl
torch_step() {
  timeout "$(limit 150)" python3 "$gpu/torch_mec_baseline.py" --model "$1" --batch "$(size "$2" 8)" --steps "$(size "$3" 1)" --precision "$4" 2>&1 \
    | tail -1 | tee -a "$OUT/torch.jsonl"
}

stage "smoke: onnxmec's fused step on $DEVICE (resnet18-mini, state in device memory)"
onnxmec_step resnet18-mini 128 5 --state-memory device
ok=0; grep -q '"resnet18-mini"' "$OUT/onnxmec.jsonl" 2>/dev/null && ok=1
(( ok )) || { echo "!! onnxmec did not run on $DEVICE; the log says why:"; tail -20 "$OUT/bench.log"; }

if (( ok )) && room 120; then
  stage "quickstart on $DEVICE (Fashion-MNIST, resnet18-mini; encoder export included, the chart's natives are not in the bundle)"
  timeout "$(limit 240)" "$bin" quickstart --device "$DEVICE" $( (( tiny )) && echo --epochs 1 ) --run-dir "$unpacked/quickstart" --json 2>&1 \
    | tee "$OUT/quickstart.log" | tail -5
  cp "$unpacked/quickstart/metrics.jsonl" "$OUT/" 2>/dev/null
fi
(( ok )) && room 90 && { stage "onnxmec resnet18-cifar b256"; onnxmec_step resnet18-cifar 256 10 --state-memory device; }
room 60 && { stage "pytorch resnet18-cifar b256 tf32"; torch_step resnet18-cifar 256 20 tf32; }
(( ok )) && room 120 && { stage "onnxmec resnet50 b64"; onnxmec_step resnet50 64 5 --state-memory device; }
room 60 && { stage "pytorch resnet50 b64 tf32"; torch_step resnet50 64 10 tf32; }
if (( ok )) && room 90; then
  stage "bench loss on $DEVICE: Taylor orders vs the exact log-det"
  timeout "$(limit 150)" "$bin" bench loss --device "$DEVICE" --dim "$(size 2048 64)" --batches "$(size 256,1024,2048 32)" --repeats "$(size 5 1)" --json 2>&1 \
    | tee "$OUT/loss.log" | grep -v '^{'
fi
room 60 && { stage "pytorch resnet18-cifar b256 bf16"; torch_step resnet18-cifar 256 20 bf16; }
room 60 && { stage "pytorch resnet50 b64 bf16"; torch_step resnet50 64 10 bf16; }
(( ok )) && room 90 && { stage "onnxmec resnet18-cifar b256, state in host memory (copied every step)"; onnxmec_step resnet18-cifar 256 10 --state-memory managed; }

stage "summary"
cat "$OUT/onnxmec.jsonl" "$OUT/torch.jsonl" 2>/dev/null | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print("| impl | model | batch | precision / state | median ms/step | images/s | peak GPU MiB |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    ms, b = r.get("median_ms"), r.get("batch")
    ips = r.get("images_per_s") or r.get("images_per_second") or (b / ms * 1000 if ms and b else 0)
    what = r.get("precision") or "%s, state in %s memory" % (r.get("device"), r.get("state_memory"))
    peak = r.get("peak_gpu_mib", r.get("peak_mem_mib", ""))
    print("| %s | %s | %s | %s | %s | %.1f | %s |" % (r.get("impl"), r.get("model"), b, what, ms, ips, peak))
'
echo "(onnxmec: peak GPU memory in use during the stage, nvidia-smi, CUDA context included; pytorch: its max_memory_allocated)"
grep -h '^{' "$OUT/quickstart.log" 2>/dev/null | tail -1
grep -h '^{' "$OUT/loss.log" 2>/dev/null | tail -1
echo "total $(elapsed)s"
