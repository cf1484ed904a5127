#!/usr/bin/env bash
# `just interop-conformance`: runs ftp-conformance (--profile rfc) against vsftpd, pure-ftpd and
# proftpd (scripts/interop/, on loopback high ports) and against this project's server, then writes
# docs/conformance-matrix.md (case x server). Shows progress per server (cases done/total: a bar on a
# terminal, a line per case otherwise) and ends with the matrix's summary table. Exits 0 when every
# failure is listed in conformance/known-deviations.toml, non-zero when an unlisted failure (or a run
# error) appears.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
source conformance/scripts/common.sh
conformance_build
WORK="$(mktemp -d /tmp/ftp-conformance-matrix.XXXXXX)"
# Our own run directory, so servers started by hand or by other interop scripts are left alone.
export FTP_INTEROP_RUN="$WORK/run"
SERVERS=(vsftpd pure-ftpd proftpd)
cleanup() {
  own_server_stop
  bash scripts/interop/stop.sh "${SERVERS[@]}" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
bash scripts/interop/install.sh >&2

# run_suite NAME URL [ARGS...]: a JSON report in $WORK/NAME.json; exit 1 (failures) is judged by the matrix.
run_suite() {
  local name="$1" url="$2" status=0
  shift 2
  "$BIN/ftp-conformance" "$url" --name "$name" --profile rfc --format json --output "$WORK/$name.json" \
    --jobs 2 --progress "$@" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "conformance: the suite could not run against $name ($url)" >&2
    return 1
  fi
  echo "conformance: $name done" >&2
}

own_server_log

reports=()
for name in "${SERVERS[@]}"; do
  url="$(bash scripts/interop/start.sh "$name" "$WORK/root-$name")"
  run_suite "$name" "$url"
  bash scripts/interop/stop.sh "$name" >/dev/null
  reports+=("$WORK/$name.json")
done

mkdir -p "$WORK/root-own"
own_server_start "$WORK/root-own"
run_suite ftp-server "ftp://127.0.0.1:$OWN_PORT/" --fault-file "$WORK/root-own/fault.bin"
own_server_stop
reports+=("$WORK/ftp-server.json")

mkdir -p docs
status=0
"$BIN/ftp-conformance" matrix "${reports[@]}" --deviations conformance/known-deviations.toml \
  --output docs/conformance-matrix.md || status=$?
# The summary table of the matrix (server, passed, failed, skipped), then where the details are.
sed -n '/^| Server | Result |$/,/^$/p' docs/conformance-matrix.md >&2
echo "conformance: wrote docs/conformance-matrix.md (every case, and the known deviations with reasons)" >&2
echo "conformance: ftp-server's log (WARN lines for the provoked 425/426/451 are expected): $OWN_LOG" >&2
exit "$status"
