#!/usr/bin/env bash
# `just soak [OPTIONS] [-- FTP-BENCH-SOAK-ARGS]`: the soak of `ftp-bench soak` against a server it starts.
#
#   bench/scripts/soak.sh                       our server (debug build) on a temporary root
#   bench/scripts/soak.sh --release             our server, release build
#   bench/scripts/soak.sh --server vsftpd       vsftpd from scripts/interop (needs root; installs it)
#   bench/scripts/soak.sh --url URL --root DIR [--server-pid PID]
#                                               a server that is already running
#   bench/scripts/soak.sh --smoke               CI's short seeded run against ours (about 60 s)
#
# Everything after the options (or after --) goes to `ftp-bench soak`: --sessions N (default 1000),
# --minutes M, --seed S, --max-size, --concurrency, ... (see `ftp-bench soak --help`).
# Exit status: ftp-bench's (0 clean, 4 anomalies, 1 could not run).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)

SERVER=ours PROFILE=debug URL= ROOT= PID= SMOKE=0
ARGS=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --server) SERVER=$2; shift 2 ;;
    --release) PROFILE=release; shift ;;
    --url) URL=$2; shift 2 ;;
    --root) ROOT=$2; shift 2 ;;
    --server-pid) PID=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --) shift; ARGS+=("$@"); break ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
if [ "$SMOKE" = 1 ]; then
  # Seeded, so CI's run is the same every time; small files so it fits in a minute on 2 cores.
  ARGS=(--seed 20261205 --sessions 500 --minutes 1 --max-size 2MiB --concurrency 8 \
        --settle-seconds 20 --timeout 15 "${ARGS[@]}")
fi

PROFILE_FLAG=$([ "$PROFILE" = release ] && echo --release || true)
# shellcheck disable=SC2086
cargo build -q $PROFILE_FLAG -p ftp-server -p ftp-bench
BIN=${CARGO_TARGET_DIR:-$REPO/target}/$PROFILE
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftp-soak.XXXXXX")
chmod 755 "$WORK"
# shellcheck source=ours.sh
source bench/scripts/ours.sh
cleanup() {
  ours_stop
  if [ "$SERVER" = vsftpd ] && [ -z "$URL" ]; then
    scripts/interop/stop.sh vsftpd >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$URL" ]; then
  [ -n "$ROOT" ] || { echo "soak: --url needs --root (the URL's directory on disk)" >&2; exit 2; }
elif [ "$SERVER" = ours ]; then
  mkdir -p "$WORK/root"
  ours_start "$BIN/ftp-server" "$WORK/server.out" "$WORK/server.err" --root "$WORK/root" --write -q \
    --max-connections 2000 --max-per-ip 2000
  URL="ftp://$OURS_ADDR/" ROOT="$WORK/root" PID=$OURS_PID
  ARGS+=(--label "ftp-server ($PROFILE)")
elif [ "$SERVER" = vsftpd ]; then
  [ "$(id -u)" = 0 ] || { echo "soak: vsftpd needs root" >&2; exit 2; }
  scripts/interop/install.sh vsftpd >&2
  # A run directory of its own: another vsftpd started by the interop scripts may be running.
  export FTP_INTEROP_RUN=$WORK/interop-run
  export FTP_INTEROP_MAX_CLIENTS=500 FTP_INTEROP_PASV_COUNT=2000
  scripts/interop/start.sh vsftpd "$WORK/vsftpd" >/dev/null
  # shellcheck disable=SC1091
  . "$FTP_INTEROP_RUN/vsftpd.env"
  ROOT=$WRITABLE_DIR
  ARGS+=(--label vsftpd)
else
  echo "soak: --server must be ours or vsftpd" >&2
  exit 2
fi
[ -z "$PID" ] || ARGS+=(--server-pid "$PID")
set +e
"$BIN/ftp-bench" soak "$URL" --root "$ROOT" "${ARGS[@]}"
STATUS=$?
set -e
if [ "$STATUS" != 0 ] && [ "$SERVER" = ours ] && [ -s "$WORK/server.err" ]; then
  echo "soak: the server's stderr (last lines):" >&2
  tail -n 20 "$WORK/server.err" >&2
fi
exit "$STATUS"
