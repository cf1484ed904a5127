#!/usr/bin/env bash
# `just conformance [URL] [ARGS...]`.
#
# With a URL: runs ftp-conformance against that server with the given arguments.
# Without: builds, starts this project's server (--write) on a temporary root at port 0, runs the
# suite with --profile brief --strict and a fault file in that root (so the 451 case runs for real),
# prints the report and stops the server. The server's log goes to a file whose path is printed at the
# end. The exit status is the suite's: 0 pass, 1 failures, 2 errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
source conformance/scripts/common.sh
conformance_build
if [ "$#" -gt 0 ] && [[ "$1" == ftp://* ]]; then
  exec "$BIN/ftp-conformance" "$@"
fi
ROOT="$(mktemp -d /tmp/ftp-conformance-root.XXXXXX)"
trap 'own_server_stop; rm -rf "$ROOT"' EXIT
own_server_start "$ROOT"
started=$(date +%s%N)
status=0
"$BIN/ftp-conformance" "ftp://127.0.0.1:$OWN_PORT/" --name ftp-server --profile brief --strict \
  --fault-file "$ROOT/fault.bin" "$@" || status=$?
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "just conformance: the suite ran in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s"
echo "just conformance: ftp-server's log (WARN lines for the provoked 425/426/451 are expected): $OWN_LOG"
exit "$status"
