#!/usr/bin/env bash
# The quality benchmark: installs Fashion-MNIST's 60,000 training images (Debian's
# dataset-fashion-mnist, MIT) when missing, builds the config's artifact set (resnet18-mini at width
# 0.25, 128 features, with a 2048-2048 projector and a 512 predictor; a few seconds) when missing,
# pre-trains on them, and prints the encoder against raw pixels (kNN over a sweep of k with two
# labelled banks, and a linear probe). About 41 minutes on 2 cores.
#   tools/quality-benchmark.sh [onnxmec bench quality options, e.g. --run-dir runs/quality]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-fashion-mnist.sh
set_name=resnet18-mini-w025-p2048   # the config's "Artifacts" folder under artifacts/
if [ ! -f "artifacts/$set_name/manifest.json" ]; then
  ./onnxmec artifacts build --model resnet18-mini --width 0.25 --proj-dims 2048,2048 --pred-dim 512 \
    --name "$set_name"
fi
exec ./onnxmec bench quality "$@"
