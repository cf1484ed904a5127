#!/usr/bin/env bash
# Measures `ftp-client get` of one big file as a single stream against `get --segments N`, from this
# project's server on loopback (release builds), each checked byte for byte. Prints one line per run.
#
#   client/scripts/pget-bench.sh [SIZE_MIB] [SEGMENTS...]      default: 1024 MiB, segments 4
#
# The server's root and the downloads live under /dev/shm when it exists (the disk is not measured);
# they need 2 x SIZE of memory there. Everything is removed on exit.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZE_MIB="${1:-1024}"
shift || true
SEGMENTS=("$@")
[ "${#SEGMENTS[@]}" -gt 0 ] || SEGMENTS=(4)
(cd "$REPO" && cargo build -q --release -p ftp-client -p ftp-server)
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release"
BASE=/tmp
[ -d /dev/shm ] && BASE=/dev/shm
WORK="$(mktemp -d "$BASE/pget-bench.XXXXXX")"
SERVER_PID=
cleanup() {
  [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
mkdir -p "$WORK/root" "$WORK/out"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/root/big.bin"
want="$(sha256sum <"$WORK/root/big.bin" | cut -d' ' -f1)"
"$BIN/ftp-server" --port 0 --root "$WORK/root" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  grep -q '^listening on' "$WORK/server.out" && break
  sleep 0.1
done
addr="$(sed -n 's/^listening on //p' "$WORK/server.out" | head -1)"
[ -n "$addr" ] || { echo "pget-bench: the server did not start" >&2; exit 1; }

# One timed download; $1 labels it, the rest are extra `get` options.
measure() {
  local label="$1" start end
  shift
  rm -f "$WORK/out/big.bin"
  start="$(date +%s.%N)"
  timeout 600 "$BIN/ftp-client" --timeout 60 get "$@" "ftp://$addr/big.bin" -o "$WORK/out/big.bin" </dev/null
  end="$(date +%s.%N)"
  [ "$(sha256sum <"$WORK/out/big.bin" | cut -d' ' -f1)" = "$want" ] || { echo "$label: WRONG BYTES" >&2; exit 1; }
  awk -v l="$label" -v s="$start" -v e="$end" -v m="$SIZE_MIB" \
    'BEGIN { printf "%-14s %6.2f s  %7.0f MiB/s  (byte-exact)\n", l, e - s, m / (e - s) }'
}

echo "get of $SIZE_MIB MiB from ftp-server on $addr ($BASE), release builds, $(nproc) CPUs"
for round in 1 2 3; do
  measure "single stream" 
  for n in "${SEGMENTS[@]}"; do
    measure "--segments $n" --segments "$n"
  done
  [ "$round" = 3 ] || echo "--"
done
