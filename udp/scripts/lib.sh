# Shared by interop.sh and bench.sh: install the third-party TFTP tools, build ours, start
# servers on loopback with bounded waits, and clean everything up on exit.
# Sourced, not run. Sets: BIN (our binaries), HPA (dir with usr/bin/tftp, usr/sbin/in.tftpd), WORK.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d /tmp/udp-tools.XXXXXX)
PIDS=()
GROUPS_STARTED=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    # tftpd-hpa forks one child per transfer; its own process group takes them down too.
    for g in "${GROUPS_STARTED[@]}"; do kill -- "-$g" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# tftp-hpa and tftpd-hpa are unpacked, not installed: the tftpd-hpa package would start a
# system service on port 69, and we want our own foreground instance on a high port.
install_tools() {
    HPA=$WORK/hpa-root
    mkdir -p "$HPA" "$WORK/debs"
    # The package lists may be missing or being refreshed by someone else: update (waiting
    # for apt's lock) and retry, a bounded number of times.
    local ok=
    for _ in 1 2 3; do
        if (cd "$WORK/debs" && apt-get download tftp-hpa tftpd-hpa libwrap0 >/dev/null 2>&1); then ok=1; break; fi
        apt-get -o DPkg::Lock::Timeout=120 update -qq >/dev/null 2>&1
    done
    [ -n "$ok" ] || { echo "cannot download tftp-hpa/tftpd-hpa" >&2; exit 2; }
    for d in "$WORK"/debs/*.deb; do dpkg -x "$d" "$HPA"; done
    # in.tftpd needs libwrap; use the unpacked copy so nothing has to be installed.
    export LD_LIBRARY_PATH=$HPA/lib/x86_64-linux-gnu:$HPA/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    if ! command -v curl >/dev/null; then
        (apt-get -o DPkg::Lock::Timeout=120 install -y curl >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=120 update -qq && apt-get -o DPkg::Lock::Timeout=120 install -y curl; }) >/dev/null 2>&1
    fi
}

build_ours() {
    local target=${CARGO_TARGET_DIR:-$REPO/target}
    (cd "$REPO" && cargo build --release -j 2 -p udp-tools >/dev/null 2>&1) || {
        echo "cargo build failed" >&2; exit 2; }
    BIN=$target/release
}

free_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_ours ROOT [ARGS...]: sets OURS_ADDR once the server says `listening on`.
# (Globals, not $(...): a subshell would lose the pid to clean up.)
start_ours() {
    local root=$1; shift
    local log=$WORK/ours-$RANDOM.log
    "$BIN/udp-server" tftp --port 0 --bind 127.0.0.1 --root "$root" "$@" >"$log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
        if grep -q '^listening on ' "$log"; then OURS_ADDR=$(sed -n 's/^listening on //p' "$log" | head -1); return 0; fi
        sleep 0.05
    done
    echo "our server did not start: $(cat "$log")" >&2; return 1
}

# start_hpa ROOT: tftpd-hpa in the foreground on a loopback high port; sets HPA_PORT.
start_hpa() {
    local root=$1 port
    port=$(free_port)
    chmod 0777 "$root"
    setsid "$HPA/usr/sbin/in.tftpd" -L -a "127.0.0.1:$port" -s "$root" -c -u nobody >"$WORK/hpa.log" 2>&1 &
    PIDS+=($!)
    GROUPS_STARTED+=($!)
    # Bounded wait until it answers (an RRQ for a missing file gets ERROR 1 back quickly).
    for _ in $(seq 100); do
        if timeout 1 "$HPA/usr/bin/tftp" 127.0.0.1 "$port" -c get .probe "$WORK/.probe" 2>&1 | grep -qi 'error\|not found'; then
            HPA_PORT=$port; return 0
        fi
        sleep 0.05
    done
    echo "tftpd-hpa did not start: $(cat "$WORK/hpa.log")" >&2; return 1
}

# make_file PATH BYTES: deterministic pseudo-random content.
make_file() {
    head -c "$2" /dev/urandom >"$1"
}
