#!/usr/bin/env bash
# TFTP throughput on loopback, same file for every run: tftpd-hpa against tftp-hpa's client and
# ours (lock-step), our server against both clients (lock-step), and ours+ours with windowsize 16.
# Every row runs BENCH_RUNS times, the rows taking turns (so a noisy spell hits them all), and
# prints its runs and their median in MB/s, then the ratios of the medians against tftpd-hpa.
# Output lines are `NAME  runs A B C  median X MB/s`: bench/scripts/bench.sh reads X.
set -u
source "$(dirname "$0")/lib.sh"
SIZE_MB=${BENCH_SIZE_MB:-64}
RUNS=${BENCH_RUNS:-3}
install_tools
build_ours

ROOT=$WORK/srv; OUT=$WORK/out
mkdir -p "$ROOT" "$OUT"
make_file "$ROOT/bench.bin" $((SIZE_MB * 1048576))
chmod -R a+rw "$ROOT"
start_ours "$ROOT" || exit 2
start_hpa "$ROOT" || exit 2
OURS_PORT=${OURS_ADDR##*:}

NAMES=()
declare -A CMD RUNS_OF MEDIAN
row() { # row NAME -- command...
    local name=$1; shift
    NAMES+=("$name")
    CMD[$name]=$(printf '%q ' "$@")
    RUNS_OF[$name]=
}
once() { # once NAME: one timed run, appended to RUNS_OF[NAME]
    local name=$1 t0 t1
    rm -f "$OUT/f"
    t0=$(date +%s.%N)
    if ! eval "timeout 300 ${CMD[$name]}" >"$WORK/run.log" 2>&1 || ! cmp -s "$ROOT/bench.bin" "$OUT/f"; then
        echo "FAIL  $name: $(tail -1 "$WORK/run.log")"; exit 1
    fi
    t1=$(date +%s.%N)
    RUNS_OF[$name]+=" $(awk -v s="$SIZE_MB" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", s * 1.048576 / (b - a) }')"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

row "tftpd-hpa + tftp-hpa (lock-step)"   "$HPA/usr/bin/tftp" 127.0.0.1 "$HPA_PORT" -m binary -c get bench.bin "$OUT/f"
row "tftpd-hpa + ours (lock-step)"       "$BIN/udp-client" tftp get "127.0.0.1:$HPA_PORT" bench.bin "$OUT/f"
row "ours + tftp-hpa (lock-step)"        "$HPA/usr/bin/tftp" 127.0.0.1 "$OURS_PORT" -m binary -c get bench.bin "$OUT/f"
row "ours + ours windowsize 1"           "$BIN/udp-client" tftp get "127.0.0.1:$OURS_PORT" bench.bin "$OUT/f" --windowsize 1
row "ours + ours windowsize 16"          "$BIN/udp-client" tftp get "127.0.0.1:$OURS_PORT" bench.bin "$OUT/f" --windowsize 16
row "ours + ours windowsize 16 blksize 1428" "$BIN/udp-client" tftp get "127.0.0.1:$OURS_PORT" bench.bin "$OUT/f" --windowsize 16 --blksize 1428

echo "file: $SIZE_MB MiB, blksize 512 unless noted, loopback, $RUNS runs per row (MB/s)"
for _ in $(seq "$RUNS"); do
    for name in "${NAMES[@]}"; do once "$name"; done
done
for name in "${NAMES[@]}"; do
    MEDIAN[$name]=$(echo "${RUNS_OF[$name]}" | median)
    printf '%-40s runs%-24s median %7.2f MB/s\n' "$name" "${RUNS_OF[$name]}" "${MEDIAN[$name]}"
done

ratio() { awk -v a="${MEDIAN[$1]}" -v b="${MEDIAN[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
HPA_RUN="tftpd-hpa + tftp-hpa (lock-step)"
echo "ratio ours+ours ws1 / tftpd-hpa+tftp-hpa: $(ratio "ours + ours windowsize 1" "$HPA_RUN")"
echo "ratio ours / tftpd-hpa, tftp-hpa client:  $(ratio "ours + tftp-hpa (lock-step)" "$HPA_RUN")"
echo "ratio ours / tftpd-hpa, our client:       $(ratio "ours + ours windowsize 1" "tftpd-hpa + ours (lock-step)")"
echo "ratio ours ws16 / ours ws1:               $(ratio "ours + ours windowsize 16" "ours + ours windowsize 1")"
