#!/usr/bin/env bash
# TFTP throughput on loopback, same file for every run: our server+client with windowsize 1
# (lock-step) and 16, tftpd-hpa with tftp-hpa's client, and our client against tftpd-hpa.
# Prints MB/s per run and the ratios against tftpd-hpa.
set -u
source "$(dirname "$0")/lib.sh"
SIZE_MB=${BENCH_SIZE_MB:-64}
install_tools
build_ours

ROOT=$WORK/srv; OUT=$WORK/out
mkdir -p "$ROOT" "$OUT"
make_file "$ROOT/bench.bin" $((SIZE_MB * 1048576))
chmod -R a+rw "$ROOT"
start_ours "$ROOT" || exit 2
start_hpa "$ROOT" || exit 2
OURS_PORT=${OURS_ADDR##*:}

declare -A MBPS
run() { # run NAME -- command...
    local name=$1; shift
    rm -f "$OUT/f"
    local t0 t1
    t0=$(date +%s.%N)
    if ! timeout 300 "$@" >"$WORK/run.log" 2>&1 || ! cmp -s "$ROOT/bench.bin" "$OUT/f"; then
        echo "FAIL  $name: $(tail -1 "$WORK/run.log")"; exit 1
    fi
    t1=$(date +%s.%N)
    MBPS[$name]=$(awk -v s="$SIZE_MB" -v a="$t0" -v b="$t1" 'BEGIN { print s * 1.048576 / (b - a) }')
    printf '%-44s %8.2f MB/s\n' "$name" "${MBPS[$name]}"
}

echo "file: $SIZE_MB MiB, blksize 512 unless noted, loopback"
run "tftpd-hpa + tftp-hpa (lock-step)"   "$HPA/usr/bin/tftp" 127.0.0.1 "$HPA_PORT" -m binary -c get bench.bin "$OUT/f"
run "tftpd-hpa + ours (lock-step)"       "$BIN/udp-client" tftp get "127.0.0.1:$HPA_PORT" bench.bin "$OUT/f"
run "ours + ours windowsize 1"           "$BIN/udp-client" tftp get "127.0.0.1:$OURS_PORT" bench.bin "$OUT/f" --windowsize 1
run "ours + ours windowsize 16"          "$BIN/udp-client" tftp get "127.0.0.1:$OURS_PORT" bench.bin "$OUT/f" --windowsize 16
run "ours + ours windowsize 16 blksize 1428" "$BIN/udp-client" tftp get "127.0.0.1:$OURS_PORT" bench.bin "$OUT/f" --windowsize 16 --blksize 1428

ratio() { awk -v a="${MBPS[$1]}" -v b="${MBPS[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
HPA_RUN="tftpd-hpa + tftp-hpa (lock-step)"
echo "ratio ours ws1  / tftpd-hpa: $(ratio "ours + ours windowsize 1" "$HPA_RUN")"
echo "ratio ours ws16 / tftpd-hpa: $(ratio "ours + ours windowsize 16" "$HPA_RUN")"
echo "ratio ours ws16 / ours ws1:  $(ratio "ours + ours windowsize 16" "ours + ours windowsize 1")"
