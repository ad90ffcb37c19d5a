#!/usr/bin/env bash
# The quality benchmark: installs Fashion-MNIST's 60,000 training images (Debian's
# dataset-fashion-mnist, MIT) when missing, pre-trains on them, and prints the encoder against raw
# pixels (kNN over a sweep of k with two labelled banks, and a linear probe). About an hour on 2 cores.
#   tools/quality-benchmark.sh [onnxmec bench quality options, e.g. --run-dir runs/quality]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-fashion-mnist.sh
exec ./onnxmec bench quality "$@"
