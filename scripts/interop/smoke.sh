#!/usr/bin/env bash
# Smoke check of the interop servers: install (idempotent), then for each
# server start it on a fresh scratch root, run one anonymous session with
# Python's ftplib (login, CWD to the writable dir, LIST, MKD, STOR 1 MiB of
# random bytes, check it on disk, SIZE, RETR byte-exact, NLST in active mode,
# DELE, RMD, QUIT), stop it, and print a PASS/FAIL table.
#
#   scripts/interop/smoke.sh [NAME...]     (default: vsftpd pure-ftpd proftpd)
#
# Uses its own run dir ($FTP_INTEROP_DIR/smoke/run) and roots
# ($FTP_INTEROP_DIR/smoke/root/NAME), so servers started by hand are left
# alone.  Every server it started is stopped on exit, whatever happens.
# Exits non-zero if any server fails.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$HERE/common.sh"

if [ "$#" -gt 0 ]; then servers=("$@"); else servers=("${INTEROP_SERVERS[@]}"); fi
for s in "${servers[@]}"; do interop_check_name "$s"; done

bash "$HERE/install.sh" "${servers[@]}" || interop_die "install.sh failed"

SMOKE="$FTP_INTEROP_DIR/smoke"
export FTP_INTEROP_RUN="$SMOKE/run"
cleanup() { bash "$HERE/stop.sh" "${servers[@]}" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup
rm -rf "$SMOKE/root"

declare -A result url
passed=0
failed=0
for s in "${servers[@]}"; do
  echo "== $s"
  started=$(date +%s.%N)
  if u="$(bash "$HERE/start.sh" "$s" "$SMOKE/root/$s")"; then
    url[$s]="$u"
    # shellcheck disable=SC1090
    writable="$(. "$FTP_INTEROP_RUN/$s.env" && echo "$WRITABLE_DIR")"
    if python3 "$HERE/smoke.py" "$u" "$writable"; then result[$s]=PASS; else result[$s]=FAIL; fi
  else
    url[$s]="(did not start)"
    result[$s]=FAIL
  fi
  bash "$HERE/stop.sh" "$s" 2>/dev/null || true
  secs=$(python3 -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}s')" "$started")
  result[$s]="${result[$s]} $secs"
  case "${result[$s]}" in PASS*) passed=$((passed + 1)) ;; *) failed=$((failed + 1)) ;; esac
done

echo
printf '%-10s %-6s %-7s %s\n' SERVER RESULT TIME URL
for s in "${servers[@]}"; do
  read -r r t <<<"${result[$s]}"
  printf '%-10s %-6s %-7s %s\n' "$s" "$r" "$t" "${url[$s]}"
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
