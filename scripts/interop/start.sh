#!/usr/bin/env bash
# Start one third-party FTP server for interop tests.
#
#   scripts/interop/start.sh NAME ROOT        NAME: vsftpd | pure-ftpd | proftpd
#
# Serves ROOT (created if missing) to anonymous logins (any password) on
# 127.0.0.1 at a free high port, with passive data ports in a free high range
# on 127.0.0.1, and waits (at most $FTP_INTEROP_START_TIMEOUT s, default 10)
# for the 220 greeting.  On success prints exactly one line on stdout:
#
#   ftp://anonymous@127.0.0.1:PORT/WRITABLE_DIR
#
# (ftps:// instead of ftp:// under FTP_INTEROP_TLS=implicit.)
#
# where WRITABLE_DIR is the directory, relative to the FTP root, in which
# uploads, MKD, DELE, RMD and RNFR/RNTO are allowed: /upload for vsftpd
# (ROOT/upload), / for pure-ftpd and proftpd (ROOT itself).
#
# The server runs detached in its own process group (leader = the server).
# State, all under $FTP_INTEROP_RUN (default /tmp/ftp-interop/run):
#   NAME.pid   the server's PID (= its process group id)
#   NAME.env   shell-sourceable PORT, PASV_MIN, PASV_MAX, MAX_CLIENTS, ROOT, WRITABLE_DIR
#              (host path), URL_PATH, URL, PID, LOG_DIR, TLS (0, 1 or implicit), CERT (when TLS
#              is on: the PEM CA certificate that signed the server's, for clients to trust)
#   NAME/      rendered config, logs (NAME/stdout.log and server logs)
# Stop it with scripts/interop/stop.sh NAME (or with no argument: all).
#
# FTP_INTEROP_TLS=1 adds explicit FTPS, required: fixtures/interop/NAME/tls.conf (tls.args for
# pure-ftpd) is appended to the config, with a self-signed certificate for 127.0.0.1 made by
# openssl in NAME/ (installed with apt-get if missing).  Anonymous logins then need AUTH TLS and
# PROT P.  vsftpd and proftpd also demand that data connections resume the control connection's
# TLS session.  FTP_INTEROP_TLS=implicit (vsftpd and proftpd; Debian's pure-ftpd is built
# without implicit TLS) appends NAME/implicit.conf as well: TLS from the first byte on the
# control port.  NAME.env gets TLS=1 or TLS=implicit, and CERT.
# Needs root and scripts/interop/install.sh to have run.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ "$#" -eq 2 ] || interop_die "usage: start.sh vsftpd|pure-ftpd|proftpd ROOT"
NAME="$1"
interop_check_name "$NAME"
[ "$(id -u)" = 0 ] || interop_die "start.sh must run as root"
case "$2" in *[[:space:]]*) interop_die "ROOT must not contain whitespace: '$2'" ;; esac
mkdir -p "$2"
ROOT="$(cd "$2" && pwd -P)"
[ "$ROOT" != / ] || interop_die "refusing to serve /"

TLS="${FTP_INTEROP_TLS:-0}"
case "$TLS" in
  0|1) ;;
  implicit)
    [ -f "$INTEROP_FIXTURES/$NAME/implicit.conf" ] ||
      interop_die "$NAME offers no implicit FTPS (Debian builds pure-ftpd without --with-implicittls)" ;;
  *) interop_die "FTP_INTEROP_TLS must be 0, 1 (explicit FTPS) or implicit" ;;
esac

PKG="$(interop_pkgdir "$NAME")"
for b in $(interop_binaries "$NAME"); do
  [ -x "$PKG/$b" ] || interop_die "$PKG/$b missing: run scripts/interop/install.sh first"
done
getent passwd "$INTEROP_FTP_USER" >/dev/null ||
  interop_die "no user $INTEROP_FTP_USER: run scripts/interop/install.sh first"
FTP_UID="$(id -u "$INTEROP_FTP_USER")"
FTP_GID="$(id -g "$INTEROP_FTP_USER")"
FTP_GROUP="$(id -gn "$INTEROP_FTP_USER")"

RUN="$FTP_INTEROP_RUN/$NAME"
PIDFILE="$FTP_INTEROP_RUN/$NAME.pid"
ENVFILE="$FTP_INTEROP_RUN/$NAME.env"
if [ -s "$PIDFILE" ] && interop_group_alive "$(head -n1 "$PIDFILE")"; then
  interop_die "$NAME already running (pid $(head -n1 "$PIDFILE")): scripts/interop/stop.sh $NAME first"
fi
rm -f "$PIDFILE" "$ENVFILE"
rm -rf "$RUN"
mkdir -p "$RUN"
chmod 755 "$FTP_INTEROP_RUN" "$RUN"

TIMEOUT="${FTP_INTEROP_START_TIMEOUT:-10}"
# Client limit of each server (benchmarks raise it, e.g. for many idle sessions).
MAX_CLIENTS="${FTP_INTEROP_MAX_CLIENTS:-50}"
# Passive ports. pure-ftpd caps its client count at half its passive range: 64 ports, 32
# clients by default. The block must fit in 20000-31999.
PASV_COUNT="${FTP_INTEROP_PASV_COUNT:-64}"
case "$MAX_CLIENTS$PASV_COUNT" in *[!0-9]*) interop_die "FTP_INTEROP_MAX_CLIENTS and FTP_INTEROP_PASV_COUNT must be numbers" ;; esac
[ "$PASV_COUNT" -ge 1 ] && [ "$PASV_COUNT" -le 11000 ] || interop_die "FTP_INTEROP_PASV_COUNT must be 1..11000"

# True once 127.0.0.1:$1 greets with 220 (inside TLS under FTP_INTEROP_TLS=implicit).
greets() {
  python3 - "$1" "$TLS" <<'PY' 2>/dev/null
import socket, ssl, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
        if sys.argv[2] == "implicit":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        line = s.makefile("rb").readline()
except (OSError, ssl.SSLError):
    sys.exit(1)
sys.exit(0 if line.startswith(b"220") else 1)
PY
}

sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# render TEMPLATE OUT: fill the @PLACEHOLDERS@.
render() {
  sed -e "s|@PORT@|$PORT|g" \
      -e "s|@PASV_MIN@|$PASV_MIN|g" \
      -e "s|@PASV_MAX@|$PASV_MAX|g" \
      -e "s|@MAX_CLIENTS@|$MAX_CLIENTS|g" \
      -e "s|@ROOT@|$(sed_escape "$ROOT")|g" \
      -e "s|@RUN@|$(sed_escape "$RUN")|g" \
      -e "s|@PKG@|$(sed_escape "$PKG")|g" \
      -e "s|@FTP_USER@|$INTEROP_FTP_USER|g" \
      -e "s|@FTP_GROUP@|$FTP_GROUP|g" \
      -e "s|@UID@|$FTP_UID|g" \
      -e "s|@GID@|$FTP_GID|g" \
      "$1" >"$2"
  if grep -q '@[A-Z_]*@' "$2"; then interop_die "unfilled placeholder in $2"; fi
}

# Directory layout and ownership per server.
case "$NAME" in
  vsftpd)
    # vsftpd refuses an anonymous chroot its session user can write.
    chown root:root "$ROOT"
    chmod 755 "$ROOT"
    mkdir -p "$ROOT/upload"
    WRITABLE="$ROOT/upload"
    URL_PATH=/upload
    mkdir -p "$RUN/empty"
    chmod 755 "$RUN/empty"
    ;;
  pure-ftpd|proftpd)
    WRITABLE="$ROOT"
    URL_PATH=/
    ;;
esac
chown -R "$INTEROP_FTP_USER:$FTP_GROUP" "$WRITABLE"
chmod 755 "$WRITABLE"

# proftpd opens the anonymous root as the session user, before any chroot:
# every directory above ROOT must be searchable by that user.  Scratch
# parents made by `mktemp -d` (0700) under a temp dir or target/ get o+x;
# anything else (e.g. /root) is left alone and start.sh fails.
ftp_can_reach() {
  python3 -c '
import os, sys
os.setgroups([]); os.setgid(int(sys.argv[2])); os.setuid(int(sys.argv[1]))
sys.exit(0 if os.access(sys.argv[3], os.R_OK | os.X_OK) else 1)' "$FTP_UID" "$FTP_GID" "$1"
}
if [ "$NAME" = proftpd ] && ! ftp_can_reach "$ROOT"; then
  d="$(dirname "$ROOT")"
  while [ "$d" != / ]; do
    case "$d/" in
      /tmp/*|/var/tmp/*|"${TMPDIR:-/tmp}"/*|"$INTEROP_REPO"/target/*)
        if [ $(( 0$(stat -c %a "$d") & 1 )) -eq 0 ]; then
          chmod o+x "$d"
          echo "interop: chmod o+x $d (so that user $INTEROP_FTP_USER can reach ROOT)" >&2
        fi ;;
    esac
    d="$(dirname "$d")"
  done
  ftp_can_reach "$ROOT" ||
    interop_die "proftpd: user $INTEROP_FTP_USER cannot reach $ROOT (a parent directory is not searchable, e.g. /root is 0700); use a ROOT under /tmp"
fi

# A throw-away CA (ca.crt, its key deleted at once) and the server's certificate for 127.0.0.1
# signed by it (tls.crt, tls.key readable by root only), in the run dir.  Not one self-signed
# certificate: webpki-based clients (rustls) refuse a CA certificate as a server's own, so
# ca.crt is what a client trusts (CERT in NAME.env).
make_certificate() {
  command -v openssl >/dev/null ||
    apt-get -o DPkg::Lock::Timeout=120 install -y -qq openssl >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      apt-get -o DPkg::Lock::Timeout=120 install -y -qq openssl; } >/dev/null 2>&1 ||
    interop_die "FTP_INTEROP_TLS needs openssl, and apt-get could not install it"
  (umask 077 &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=ftp interop test CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
      -keyout "$RUN/ca.key" -out "$RUN/ca.crt" &&
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$RUN/tls.key" -out "$RUN/tls.csr" &&
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$RUN/tls.ext" &&
    openssl x509 -req -in "$RUN/tls.csr" -CA "$RUN/ca.crt" -CAkey "$RUN/ca.key" -CAcreateserial \
      -days 7 -extfile "$RUN/tls.ext" -out "$RUN/tls.crt") >"$RUN/openssl.log" 2>&1 ||
    interop_die "openssl could not make a certificate: $(tail -n 3 "$RUN/openssl.log")"
  rm -f "$RUN/ca.key" "$RUN/ca.srl" "$RUN/tls.csr" "$RUN/tls.ext"
  chmod 644 "$RUN/ca.crt" "$RUN/tls.crt"
}
[ "$TLS" = 0 ] || make_certificate

# append_tls_config CONFIG [TLS_FILE]: under FTP_INTEROP_TLS, append the server's TLS fixture
# (default tls.conf) and, for implicit FTPS, its implicit.conf to $RUN/CONFIG.
append_tls_config() {
  local fixture
  [ "$TLS" != 0 ] || return 0
  for fixture in "${2:-tls.conf}" $([ "$TLS" = implicit ] && echo implicit.conf); do
    render "$INTEROP_FIXTURES/$NAME/$fixture" "$RUN/$fixture"
    cat "$RUN/$fixture" >>"$RUN/$1"
  done
}

launch() {
  case "$NAME" in
    vsftpd)
      render "$INTEROP_FIXTURES/vsftpd/vsftpd.conf" "$RUN/vsftpd.conf"
      append_tls_config vsftpd.conf
      chmod 600 "$RUN/vsftpd.conf"
      setsid "$PKG/usr/sbin/vsftpd" "$RUN/vsftpd.conf" \
        </dev/null >"$RUN/stdout.log" 2>&1 &
      ;;
    pure-ftpd)
      render "$INTEROP_FIXTURES/pure-ftpd/authd.sh" "$RUN/authd.sh"
      chmod 700 "$RUN/authd.sh"
      render "$INTEROP_FIXTURES/pure-ftpd/pure-ftpd.args" "$RUN/pure-ftpd.args"
      append_tls_config pure-ftpd.args tls.args
      # pure-authd and pure-ftpd share one process group; its leader (the
      # recorded PID) is pure-ftpd, exec'd by the shell once the socket exists.
      # shellcheck disable=SC2016
      setsid bash -c '
        pkg="$1"; run="$2"
        "$pkg/usr/sbin/pure-authd" --socket="$run/authd.sock" --run="$run/authd.sh" &
        for _ in $(seq 100); do [ -S "$run/authd.sock" ] && break; sleep 0.05; done
        mapfile -t args < <(grep -v -e "^#" -e "^[[:space:]]*$" "$run/pure-ftpd.args")
        exec "$pkg/usr/sbin/pure-ftpd" "${args[@]}"
      ' pure-ftpd "$PKG" "$RUN" </dev/null >"$RUN/stdout.log" 2>&1 &
      ;;
    proftpd)
      render "$INTEROP_FIXTURES/proftpd/proftpd.conf" "$RUN/proftpd.conf"
      append_tls_config proftpd.conf
      setsid "$PKG/usr/sbin/proftpd" --nodaemon --quiet --config "$RUN/proftpd.conf" \
        </dev/null >"$RUN/stdout.log" 2>&1 &
      ;;
  esac
  PID=$!
}

# A few attempts, each on new ports, in case another process took a port
# between interop_pick_ports and the server's bind.
for attempt in 1 2 3; do
  read -r PORT PASV_MIN PASV_MAX < <(interop_pick_ports "$PASV_COUNT")
  launch
  deadline=$(( $(date +%s) + TIMEOUT ))
  up=0
  while [ "$(date +%s)" -le "$deadline" ]; do
    if ! interop_alive "$PID"; then break; fi
    if greets "$PORT"; then up=1; break; fi
    sleep 0.1
  done
  if [ "$up" = 1 ]; then break; fi
  if interop_alive "$PID"; then
    kill -TERM -- "-$PID" 2>/dev/null || kill -TERM "$PID" 2>/dev/null || true
    echo "interop: $NAME did not greet on port $PORT within ${TIMEOUT}s" >&2
    tail -n 20 "$RUN"/*.log >&2 2>/dev/null || true
    exit 1
  fi
  wait "$PID" 2>/dev/null || true
  echo "interop: $NAME exited during start (attempt $attempt, port $PORT):" >&2
  tail -n 20 "$RUN"/*.log >&2 2>/dev/null || true
  [ "$attempt" -lt 3 ] || exit 1
done

SCHEME=ftp
[ "$TLS" != implicit ] || SCHEME=ftps
URL="$SCHEME://anonymous@127.0.0.1:$PORT$URL_PATH"
CERT=
[ "$TLS" = 0 ] || CERT="$RUN/ca.crt"
echo "$PID" >"$PIDFILE"
cat >"$ENVFILE" <<ENV
NAME=$NAME
PID=$PID
PORT=$PORT
PASV_MIN=$PASV_MIN
PASV_MAX=$PASV_MAX
MAX_CLIENTS=$MAX_CLIENTS
ROOT=$ROOT
WRITABLE_DIR=$WRITABLE
URL_PATH=$URL_PATH
URL=$URL
LOG_DIR=$RUN
TLS=$TLS
CERT=$CERT
ENV
echo "$URL"
