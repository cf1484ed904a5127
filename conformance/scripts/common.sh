# Shared by conformance/scripts/*.sh (sourced): the built binaries, and this project's server started
# on a temporary root at port 0, its address read from its one `listening on IP:PORT` line.

conformance_build() {
  cargo build -q -p ftp-conformance -p ftp-server
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug"
}

# own_server_start ROOT: starts `ftp-server --write` on ROOT; sets OWN_PID and OWN_PORT.
own_server_start() {
  local line
  exec 3< <(exec "$BIN/ftp-server" --port 0 --root "$1" --write --name ftp-server -q)
  OWN_PID=$!
  # The server prints its address as soon as it listens; waiting on the line is the event, not a sleep.
  if ! read -r -t 20 line <&3; then
    echo "conformance: ftp-server did not report its address" >&2
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
