# Shared by conformance/scripts/*.sh (sourced): the built binaries, and this project's server started
# on a temporary root at port 0, its address read from its one `listening on IP:PORT` line.

conformance_build() {
  cargo build -q -p ftp-conformance -p ftp-server
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug"
}

# own_server_log: a new file for the server's log, kept after the run, printed as OWN_LOG. Some cases
# provoke 425/426/451 replies and refused bounces on purpose; the server warns about each, and those
# expected WARN lines would read like failures if they were mixed into the report.
own_server_log() {
  OWN_LOG="$(mktemp "${TMPDIR:-/tmp}/ftp-server-conformance.XXXXXX.log")"
}

# own_server_start ROOT [ARGS...]: starts `ftp-server --write` on ROOT with ARGS, its log (stderr)
# appended to $OWN_LOG; sets OWN_PID and OWN_PORT.
own_server_start() {
  local line root="$1"
  shift
  [ -n "${OWN_LOG:-}" ] || own_server_log
  exec 3< <(exec "$BIN/ftp-server" --port 0 --root "$root" --write --name ftp-server -q "$@" 2>>"$OWN_LOG")
  OWN_PID=$!
  # The server prints its address as soon as it listens; waiting on the line is the event, not a sleep.
  if ! read -r -t 20 line <&3; then
    echo "conformance: ftp-server did not report its address (its log: $OWN_LOG)" >&2
    return 1
  fi
  OWN_PORT="${line##*:}"
}

own_server_stop() {
  if [ -n "${OWN_PID:-}" ]; then
    kill "$OWN_PID" 2>/dev/null || true
    wait "$OWN_PID" 2>/dev/null || true
    OWN_PID=
  fi
}
