#!/usr/bin/env bash
# Installs Fashion-MNIST's 60,000 training images (Debian's dataset-fashion-mnist, MIT) when they are
# missing; Data:Source=fashion-mnist trains on them. Used by the benchmarks that need the full split.
set -euo pipefail
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends dataset-fashion-mnist
fi
