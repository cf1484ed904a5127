#!/usr/bin/env bash
# `just interop-conformance`: runs ftp-conformance against vsftpd, pure-ftpd and proftpd
# (scripts/interop/, on loopback high ports) and against this project's server, each once in plaintext
# and once with explicit FTPS (required, self-signed: --tls explicit --ca-file CERT --tls-required; ours
# with --tls-self-signed and --insecure), each time in both profiles (rfc and brief) with --repeat 3, so
# a case whose verdict changes between runs shows as unstable. Then writes docs/conformance-matrix.md and
# docs/conformance-matrix.html (case x server, one column per server, mode and profile:
# `vsftpd`, `vsftpd-tls`, `vsftpd/brief`, `vsftpd-tls/brief`, ...).
#
# The four servers run side by side (each on its own ports), their runs one after another, so the
# whole takes about as long as the slowest server. Prints one line per finished run (summary, unstable
# cases, seconds) and the total time. Exits 0 when every failure is listed in
# conformance/known-deviations.toml, non-zero when an unlisted failure (or a run error) appears.
# CONFORMANCE_REPEAT (default 3) and CONFORMANCE_JOBS (default 4) tune the runs.
#
# Every server gets the same limit of clients at once, CONFORMANCE_MAX_CLIENTS (default 30: below
# pure-ftpd's own cap of half its 64 passive ports), and the suite is told it (--max-clients), so the
# server-full case runs in every column; the runner keeps it for last. The third-party servers read
# it from FTP_INTEROP_MAX_CLIENTS (vsftpd max_clients, pure-ftpd --maxclientsnumber, proftpd
# MaxInstances and MaxClients), ours from --max-connections.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
source conformance/scripts/common.sh
conformance_build
WORK="$(mktemp -d /tmp/ftp-conformance-matrix.XXXXXX)"
# Our own run directory, so servers started by hand or by other interop scripts are left alone.
export FTP_INTEROP_RUN="$WORK/run"
SERVERS=(vsftpd pure-ftpd proftpd)
REPEAT="${CONFORMANCE_REPEAT:-3}"
JOBS="${CONFORMANCE_JOBS:-4}"
MAX_CLIENTS="${CONFORMANCE_MAX_CLIENTS:-30}"
export FTP_INTEROP_MAX_CLIENTS="$MAX_CLIENTS"
started=$(date +%s)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  bash scripts/interop/stop.sh "${SERVERS[@]}" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
bash scripts/interop/install.sh >&2

# run_suite COLUMN URL [ARGS...]: a JSON report in $WORK/COLUMN.json (`/` in COLUMN becomes `+`);
# exit 1 (failures) is judged by the matrix, anything above is a run error.
run_suite() {
  local column="$1" url="$2" status=0 t0
  shift 2
  t0=$(date +%s)
  "$BIN/ftp-conformance" "$url" --name "$column" --format json --output "$WORK/${column//\//+}.json" \
    --jobs "$JOBS" --repeat "$REPEAT" --max-clients "$MAX_CLIENTS" "$@" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "conformance: the suite could not run against $column ($url)" >&2
    return 1
  fi
  echo "conformance: $column: $(summary "$WORK/${column//\//+}.json"), $(($(date +%s) - t0)) s" >&2
}

# summary REPORT: `N passed, N failed, N skipped, N unstable` of a JSON report.
summary() {
  python3 - "$1" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
unstable = [c["id"] for c in report["cases"] if c["outcome"] == "unstable"]
print(f'{s["passed"]} passed, {s["failed"]} failed, {s["skipped"]} skipped, '
      f'{len(unstable)} unstable of {len(report["cases"])}' + (f' ({", ".join(unstable)})' if unstable else ''))
EOF
}

# both_profiles COLUMN URL [ARGS...]: the rfc profile as COLUMN, the brief profile as COLUMN/brief.
both_profiles() {
  local column="$1" url="$2"
  shift 2
  run_suite "$column" "$url" --profile rfc "$@"
  run_suite "$column/brief" "$url" --profile brief "$@"
}

# third_party NAME: plaintext, then explicit FTPS (required, the throw-away CA's certificate trusted).
third_party() {
  local name="$1" url
  url="$(bash scripts/interop/start.sh "$name" "$WORK/root-$name")"
  both_profiles "$name" "$url"
  bash scripts/interop/stop.sh "$name" >/dev/null
  url="$(FTP_INTEROP_TLS=1 bash scripts/interop/start.sh "$name" "$WORK/root-$name-tls")"
  # shellcheck disable=SC1090
  CERT="$(. "$FTP_INTEROP_RUN/$name.env" && echo "$CERT")"
  both_profiles "$name-tls" "$url" --tls explicit --ca-file "$CERT" --tls-required
  bash scripts/interop/stop.sh "$name" >/dev/null
}

# ours: plaintext and FTPS (a self-signed certificate made at start-up), each with a fault file, the
# per-address limit and a link out of the root, so those cases run too.
ours() {
  local tls root outside
  for tls in 0 1; do
    root="$WORK/root-own-$tls"
    outside="$WORK/outside-own-$tls"
    mkdir -p "$root" "$outside"
    echo "outside the root" >"$outside/secret.txt"
    ln -s "$outside" "$root/out"
    local args=(--fault-file "$root/fault.bin" --max-per-ip 20 --outside-link out --outside-file secret.txt)
    if [ "$tls" = 1 ]; then
      # TLS required of everyone, as the third-party servers are started with FTP_INTEROP_TLS=1.
      own_server_start "$root" --max-per-ip 20 --max-connections "$MAX_CLIENTS" --tls-self-signed \
        --require-tls --require-tls-anonymous
      both_profiles ftp-server-tls "ftp://127.0.0.1:$OWN_PORT/" "${args[@]}" --tls explicit --insecure \
        --tls-required
    else
      own_server_start "$root" --max-per-ip 20 --max-connections "$MAX_CLIENTS"
      both_profiles ftp-server "ftp://127.0.0.1:$OWN_PORT/" "${args[@]}"
    fi
    own_server_stop
  done
}

own_server_log
for name in "${SERVERS[@]}"; do
  third_party "$name" &
  pids+=($!)
done
ours &
pids+=($!)
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
pids=()

reports=()
for column in vsftpd pure-ftpd proftpd ftp-server; do
  for variant in "$column" "$column/brief" "$column-tls" "$column-tls/brief"; do
    reports+=("$WORK/${variant//\//+}.json")
  done
done
mkdir -p docs
status=0
"$BIN/ftp-conformance" matrix "${reports[@]}" --deviations conformance/known-deviations.toml \
  --output docs/conformance-matrix.md --html docs/conformance-matrix.html || status=$?
[ "$failed" = 0 ] || status=1
# The summary table of the matrix (server, passed, failed, skipped), then where the details are.
sed -n '/^| Server | Result |$/,/^$/p' docs/conformance-matrix.md >&2
echo "conformance: wrote docs/conformance-matrix.md and docs/conformance-matrix.html in $(($(date +%s) - started)) s" >&2
echo "conformance: ftp-server's log (WARN lines for the provoked 425/426/451 are expected): $OWN_LOG" >&2
exit "$status"
