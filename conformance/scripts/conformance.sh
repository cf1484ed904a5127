#!/usr/bin/env bash
# `just conformance [URL] [ARGS...]`.
#
# With a URL: runs ftp-conformance against that server with the given arguments.
# Without: builds, starts this project's server (--write) on a temporary root at port 0, runs the
# suite with --profile brief --strict and a fault file in that root (so the 451 case runs for real),
# the server's --max-per-ip and --max-connections (as --max-clients) and a link `out` from the root to a
# directory outside it (so the per-address, server-full and outside-link cases run), prints the report
# and stops the server. The server's log goes to a file whose path is printed at the
# end. The exit status is the suite's: 0 pass, 1 failures, 2 errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
source conformance/scripts/common.sh
conformance_build
if [ "$#" -gt 0 ] && [[ "$1" == ftp://* || "$1" == ftps://* ]]; then
  exec "$BIN/ftp-conformance" "$@"
fi
ROOT="$(mktemp -d /tmp/ftp-conformance-root.XXXXXX)"
# The outside-link cases need a symlink in the root to a directory outside it, with a file in it.
OUTSIDE="$(mktemp -d /tmp/ftp-conformance-outside.XXXXXX)"
echo "outside the root" >"$OUTSIDE/secret.txt"
ln -s "$OUTSIDE" "$ROOT/out"
trap 'own_server_stop; rm -rf "$ROOT" "$OUTSIDE"' EXIT
MAX_PER_IP=20
MAX_CLIENTS=30
own_server_start "$ROOT" --max-per-ip "$MAX_PER_IP" --max-connections "$MAX_CLIENTS"
started=$(date +%s%N)
status=0
"$BIN/ftp-conformance" "ftp://127.0.0.1:$OWN_PORT/" --name ftp-server --profile brief --strict \
  --fault-file "$ROOT/fault.bin" --max-per-ip "$MAX_PER_IP" --max-clients "$MAX_CLIENTS" --outside-link out --outside-file secret.txt \
  "$@" || status=$?
if [ "$(cat "$OUTSIDE/secret.txt" 2>/dev/null)" != "outside the root" ]; then
  echo "just conformance: the file outside the root was changed or moved ($OUTSIDE/secret.txt)" >&2
  status=1
fi
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "just conformance: the suite ran in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s"
echo "just conformance: ftp-server's log (WARN lines for the provoked 425/426/451 are expected): $OWN_LOG"
exit "$status"
