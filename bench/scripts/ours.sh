# Sourced by bench.sh and soak.sh: this project's ftp-server started on a free port, its address read
# from its `listening on IP:PORT` line.

# ours_start BIN OUT ERR [ARG...]: starts `BIN --port 0 ARG...` (stdout to OUT, stderr to ERR) and waits
# (at most 10 s) until it listens; sets OURS_PID and OURS_ADDR, or prints its stderr and exits 1.
ours_start() {
  local bin=$1 out=$2 err=$3; shift 3
  "$bin" --port 0 "$@" >"$out" 2>"$err" &
  OURS_PID=$!
  OURS_ADDR=
  for _ in $(seq 200); do
    OURS_ADDR=$(sed -n 's/^listening on //p' "$out" 2>/dev/null | head -1)
    [ -n "$OURS_ADDR" ] && return 0
    kill -0 "$OURS_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "ftp-server did not start: $(cat "$err")" >&2
  exit 1
}

# ours_stop: stops the server ours_start started, if any.
ours_stop() {
  if [ -n "${OURS_PID:-}" ]; then
    kill "$OURS_PID" 2>/dev/null || true
    wait "$OURS_PID" 2>/dev/null || true
    OURS_PID=
  fi
}
