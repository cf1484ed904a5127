#!/usr/bin/env bash
# Interop for the TFTP tools: our server against tftp-hpa's client and curl, our client
# against tftpd-hpa, byte-exact. Prints a PASS/FAIL table; exits non-zero on any failure.
set -u
source "$(dirname "$0")/lib.sh"
install_tools
build_ours

OURS_ROOT=$WORK/ours; HPA_ROOT=$WORK/hpa-srv; OUT=$WORK/out
mkdir -p "$OURS_ROOT" "$HPA_ROOT" "$OUT"
make_file "$WORK/1m.bin" 1048576
make_file "$WORK/513.bin" 513
: >"$WORK/empty.bin"
printf 'line one\nline two\r\nbare\rcr\n%.0s' $(seq 200) >"$WORK/text.txt"
head -c $((8 * 65536 + 3)) "$WORK/1m.bin" >"$WORK/roll.bin"
for f in 1m.bin 513.bin empty.bin text.txt roll.bin; do cp "$WORK/$f" "$OURS_ROOT/"; cp "$WORK/$f" "$HPA_ROOT/"; done
chmod -R a+rw "$HPA_ROOT"

start_ours "$OURS_ROOT" --write --timeout-ms 500 || exit 2
OURS_PORT=${OURS_ADDR##*:}
start_hpa "$HPA_ROOT" || exit 2
TFTP=$HPA/usr/bin/tftp
CLIENT=$BIN/udp-client

FAILS=0
RESULTS=()
check() { # check NAME EXPECTED ACTUAL -- commands...
    local name=$1 want=$2 got=$3; shift 3
    if timeout 60 "$@" >"$WORK/last.log" 2>&1 && cmp -s "$want" "$got"; then
        RESULTS+=("PASS  $name")
    else
        RESULTS+=("FAIL  $name  ($(tail -1 "$WORK/last.log"))")
        FAILS=$((FAILS + 1))
    fi
    rm -f "$got"
}

# Our server, tftp-hpa client.
check "tftp-hpa get 1 MiB octet from ours"  "$WORK/1m.bin"  "$OUT/a" "$TFTP" 127.0.0.1 "$OURS_PORT" -m binary -c get 1m.bin "$OUT/a"
check "tftp-hpa get 513 B from ours"        "$WORK/513.bin" "$OUT/a" "$TFTP" 127.0.0.1 "$OURS_PORT" -m binary -c get 513.bin "$OUT/a"
check "tftp-hpa get empty file from ours"   "$WORK/empty.bin" "$OUT/a" "$TFTP" 127.0.0.1 "$OURS_PORT" -m binary -c get empty.bin "$OUT/a"
check "tftp-hpa get netascii from ours"     "$WORK/text.txt" "$OUT/a" "$TFTP" 127.0.0.1 "$OURS_PORT" -m netascii -c get text.txt "$OUT/a"
check "tftp-hpa put 1 MiB to ours"          "$WORK/1m.bin" "$OURS_ROOT/up1.bin" "$TFTP" 127.0.0.1 "$OURS_PORT" -m binary -c put "$WORK/1m.bin" up1.bin
check "tftp-hpa put netascii to ours"       "$WORK/text.txt" "$OURS_ROOT/up2.txt" "$TFTP" 127.0.0.1 "$OURS_PORT" -m netascii -c put "$WORK/text.txt" up2.txt
# Our server, curl (which negotiates tsize/blksize/timeout options).
check "curl get 1 MiB from ours"            "$WORK/1m.bin" "$OUT/a" curl -sS -o "$OUT/a" "tftp://127.0.0.1:$OURS_PORT/1m.bin"
check "curl get blksize 1428 from ours"     "$WORK/1m.bin" "$OUT/a" curl -sS --tftp-blksize 1428 -o "$OUT/a" "tftp://127.0.0.1:$OURS_PORT/1m.bin"
check "curl get no-options from ours"       "$WORK/513.bin" "$OUT/a" curl -sS --tftp-no-options -o "$OUT/a" "tftp://127.0.0.1:$OURS_PORT/513.bin"
check "curl put 1 MiB to ours"              "$WORK/1m.bin" "$OURS_ROOT/up3.bin" curl -sS -T "$WORK/1m.bin" "tftp://127.0.0.1:$OURS_PORT/up3.bin"
check "curl get past block rollover (blksize 8)" "$WORK/roll.bin" "$OUT/a" curl -sS --tftp-blksize 8 -o "$OUT/a" "tftp://127.0.0.1:$OURS_PORT/roll.bin"
# Our client, tftpd-hpa.
H=127.0.0.1:$HPA_PORT
check "ours get 1 MiB from tftpd-hpa"       "$WORK/1m.bin" "$OUT/a" "$CLIENT" tftp get "$H" 1m.bin "$OUT/a"
check "ours get blksize+tsize from tftpd-hpa" "$WORK/1m.bin" "$OUT/a" "$CLIENT" tftp get "$H" 1m.bin "$OUT/a" --blksize 1428 --tsize --timeout 2
check "ours get windowsize 8 from tftpd-hpa" "$WORK/1m.bin" "$OUT/a" "$CLIENT" tftp get "$H" 1m.bin "$OUT/a" --windowsize 8
check "ours get empty from tftpd-hpa"       "$WORK/empty.bin" "$OUT/a" "$CLIENT" tftp get "$H" empty.bin "$OUT/a"
check "ours get netascii from tftpd-hpa"    "$WORK/text.txt" "$OUT/a" "$CLIENT" tftp get "$H" text.txt "$OUT/a" --mode netascii
check "ours get past rollover from tftpd-hpa" "$WORK/roll.bin" "$OUT/a" "$CLIENT" tftp get "$H" roll.bin "$OUT/a" --blksize 8
check "ours put 1 MiB to tftpd-hpa"         "$WORK/1m.bin" "$HPA_ROOT/up1.bin" "$CLIENT" tftp put "$H" up1.bin "$WORK/1m.bin" --blksize 1428 --tsize
check "ours put netascii to tftpd-hpa"      "$WORK/text.txt" "$HPA_ROOT/up2.txt" "$CLIENT" tftp put "$H" up2.txt "$WORK/text.txt" --mode netascii

printf '%s\n' "${RESULTS[@]}"
TOTAL=${#RESULTS[@]}
echo "$((TOTAL - FAILS)) passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
