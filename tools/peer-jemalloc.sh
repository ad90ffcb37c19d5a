#!/usr/bin/env bash
# Prints the path of jemalloc for the peer implementation's run.sh (PEER_ALLOC=jemalloc), taken from
# Debian's libjemalloc2 package and extracted under /tmp/peer-data, not installed, on first use.
set -euo pipefail
jemalloc=/tmp/peer-data/jemalloc/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [[ ! -f "$jemalloc" ]]; then
  mkdir -p /tmp/peer-data && (cd /tmp/peer-data && apt-get download libjemalloc2 >&2 && dpkg -x libjemalloc2_*.deb jemalloc)
fi
echo "$jemalloc"
