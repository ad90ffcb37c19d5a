#!/usr/bin/env bash
# Builds, on the CPU machine, what one run on the GPU machine (H200; CUDA 13.0, cuDNN 9 and PyTorch
# in its python3; no .NET, no network; at most 64 MiB taken along) needs beside the repository:
#   .gpu/onnxmec-gpu.tar.xz   onnxmec published self-contained and trimmed with -p:OrtFlavor=Gpu,
#                             no other switches (the project's JSON is source-generated), its CUDA
#                             provider cut to the sm_90 kernels of standard ops by the GPU kit's
#                             fatbin_strip.py; left out: the TensorRT provider (no TensorRT there),
#                             the chart's Skia natives (the chart is optional) and the debugger's DAC
#   .gpu/torch_mec_baseline.py  the kit's PyTorch yardstick of the same step
# then checks on this machine what can be checked without a GPU, and the size of the run.
#
#   bash tools/gpu/make-bundle.sh                          (~5 min on 2 cores; ends with "OK")
#   DEVICE=cpu OUT=/tmp/dry bash tools/gpu/device-run.sh   (dry run of the device script)
#   on the GPU machine: bash tools/gpu/device-run.sh       (with .gpu carried along)
#
# KIT (required) names the GPU kit's folder, which provides fatbin_strip.py,
# fatbin_wrappers_check.py and torch_mec_baseline.py; DROP overrides the regex of fatbins cut out.
# Needs dotnet, python3, readelf, zstd, xz. Writes .gpu/ (ignored by .gitignore) and /tmp/onnxmec-gpu/.
set -euo pipefail
root="$(git rev-parse --show-toplevel)"; cd "$root"
kit="$(cd "${KIT:?set KIT to the folder of the GPU kit (fatbin_strip.py, fatbin_wrappers_check.py, torch_mec_baseline.py)}" && pwd)"
work=/tmp/onnxmec-gpu; copy="$work/src"; pub="$work/publish"; app="$work/app"
limit=$((64 * 1024 * 1024)); spare=$((2 * 1024 * 1024))
# fatbins of kernels no standard ONNX operator launches (flash and LLM attention, MoE, grouped GEMM)
drop="${DROP:-_ZN11onnxruntime5flash|MoeFCGemm|moe_|Moe|_ZN11onnxruntime3llm|fpA_intB|attention_kernel_batched|GroupProblemShape}"
for tool in dotnet python3 readelf zstd xz; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y binutils zstd xz-utils)" >&2; exit 1; }
done
for f in fatbin_strip.py fatbin_wrappers_check.py torch_mec_baseline.py; do
  [[ -f $kit/$f ]] || { echo "$kit/$f is missing (set KIT to the GPU kit's folder)" >&2; exit 1; }
done
git check-ignore -q .gpu || { echo ".gpu/ must be ignored (.gitignore), or the tree would carry it twice" >&2; exit 1; }

echo "== publish (a copy of the tree, so this checkout's obj/ keeps the CPU package)"
rm -rf "$copy" "$pub" "$app" .gpu; mkdir -p "$copy" .gpu
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$copy" -xf -
if ! dotnet publish "$copy/src/OnnxMec.Host/OnnxMec.Host.csproj" -c Release -r linux-x64 --self-contained \
     -p:PublishTrimmed=true -p:OrtFlavor=Gpu -p:DebugType=none -o "$pub" > "$work/publish.log" 2>&1; then
  tail -30 "$work/publish.log"; exit 1
fi
grep -E 'warning IL' "$work/publish.log" | sed 's/ \[.*//' | sort -u || true
if ls "$pub" | grep -qi '^onnxruntime.*\.dll$'; then
  echo "Windows ONNX Runtime DLLs in a Linux publish: the GPU package is not the Linux one" >&2; exit 1
fi

echo "== CUDA provider cut to sm_90"
python3 "$kit/fatbin_strip.py" "$pub/libonnxruntime_providers_cuda.so" "$work/providers_cuda.so" --drop "$drop"
python3 "$kit/fatbin_wrappers_check.py" "$work/providers_cuda.so"
readelf -d "$work/providers_cuda.so" | grep -q 'libcudart.so.13' || { echo "not a CUDA 13 provider" >&2; exit 1; }

echo "== bundle"
mkdir -p "$app/onnxmec"
(cd "$pub" && tar -cf - --exclude=libonnxruntime_providers_cuda.so --exclude=libonnxruntime_providers_tensorrt.so \
   --exclude=libSkiaSharp.so --exclude=libHarfBuzzSharp.so --exclude=libmscordaccore.so --exclude=libmscordbi.so .) \
  | tar -C "$app/onnxmec" -xf -
cp "$work/providers_cuda.so" "$app/onnxmec/libonnxruntime_providers_cuda.so"
tar -C "$app" -cf - . | xz -9 -T1 > .gpu/onnxmec-gpu.tar.xz
sha256sum .gpu/onnxmec-gpu.tar.xz | cut -c1-64 > .gpu/onnxmec-gpu.sha256
cp "$kit/torch_mec_baseline.py" .gpu/

echo "== checks on this machine, the bundle unpacked as the device script unpacks it"
rm -rf "$work/check"; mkdir -p "$work/check"
python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter='tar')" .gpu/onnxmec-gpu.tar.xz "$work/check"
bin="$work/check/onnxmec/onnxmec"
"$bin" bench step --model resnet18-mini --batch 8 --steps 1 --fused-only --threads 1 --device cpu --state-memory device | tail -1
msg="$("$bin" bench step --model resnet18-mini --batch 8 --steps 1 --fused-only --device cuda 2>&1 || true)"
if ! grep -q 'libcublasLt.so.13' <<<"$msg"; then
  echo "the CUDA provider was not reached as expected:" >&2; head -5 <<<"$msg" >&2; exit 1
fi
echo "CUDA provider loaded up to its CUDA libraries (libcublasLt.so.13 is not on this machine), as expected"
python3 -c "import ast, sys; ast.parse(open(sys.argv[1]).read())" .gpu/torch_mec_baseline.py
bash -n tools/gpu/device-run.sh

echo "== what one run takes along: the tree (tracked and untracked, not ignored) and .gpu, against 64 MiB"
tree=$(git ls-files -co --exclude-standard -z | xargs -0 stat -c %s -- | awk '{ s += $1 } END { print s + 0 }')
along=$(du -sb .gpu | cut -f1)
awk -v t="$tree" -v g="$along" 'BEGIN { M = 1048576; printf "tree %.1f MiB + .gpu %.1f MiB = %.1f MiB of 64 (2 kept spare)\n", t / M, g / M, (t + g) / M }'
(( tree + along <= limit - spare )) || { echo "too large for one run" >&2; exit 1; }
echo "OK: on the GPU machine, run 'bash tools/gpu/device-run.sh' with .gpu carried along"
