#!/usr/bin/env bash
# Interop for FTPS: our ftp-server (--tls-self-signed, --write, a temporary root, 127.0.0.1 only) against
# real clients: curl (--ssl-reqd, and ftps:// on the implicit port), lftp (ftp:ssl-force, mirror both
# ways) and Python's ftplib.FTP_TLS (PROT P, storbinary, retrbinary). Every transfer is checked
# byte-exact. Data connections must resume the control connection's TLS session (the server's default):
# ftplib does that only with the usual subclass (session=self.sock.session); plain FTP_TLS must be
# refused there and work only against a second server started with --tls-resumption-optional.
# Prints a PASS/FAIL table; exits non-zero on any FAIL.
#
#   server/scripts/interop-tls.sh
#
# Installs curl, lftp and python3 with apt-get when missing (needs root then).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

install_missing() {
  local missing=()
  command -v curl >/dev/null || missing+=(curl)
  command -v lftp >/dev/null || missing+=(lftp)
  command -v python3 >/dev/null || missing+=(python3)
  [ "${#missing[@]}" -eq 0 ] && return
  echo "== installing ${missing[*]}"
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
}
install_missing

echo "== building ftp-server"
(cd "$REPO" && cargo build -q -p ftp-server)
SERVER="${CARGO_TARGET_DIR:-$REPO/target}/debug/ftp-server"
[ -x "$SERVER" ] || { echo "interop-tls: no binary at $SERVER" >&2; exit 1; }

WORK="$(mktemp -d /tmp/ftp-interop-tls.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# Starts a server on ports picked by the OS; sets PORT and IMPLICIT_PORT. Its log is $WORK/$1.log.
start_server() {
  local name="$1" root="$2"
  shift 2
  mkdir -p "$root"
  "$SERVER" --port 0 --implicit-tls-port 0 --root "$root" --write --tls-self-signed \
    --data-timeout 10 --name interop "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  PIDS+=("$!")
  local tries=0
  until grep -q '^TLS certificate SHA-256 fingerprint' "$WORK/$name.out" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "interop-tls: $name did not start" >&2; cat "$WORK/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  PORT="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/$name.out")"
  IMPLICIT_PORT="$(sed -n 's/^implicit TLS on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/$name.out")"
  [ -n "$PORT" ] && [ -n "$IMPLICIT_PORT" ] || { echo "interop-tls: no ports from $name" >&2; exit 1; }
}

ROOT="$WORK/root"
RELAXED_ROOT="$WORK/relaxed-root"
start_server strict "$ROOT"
STRICT_PORT="$PORT" STRICT_IMPLICIT="$IMPLICIT_PORT"
start_server relaxed "$RELAXED_ROOT" --tls-resumption-optional
RELAXED_PORT="$PORT"
echo "== strict server on 127.0.0.1:$STRICT_PORT (implicit $STRICT_IMPLICIT), relaxed on 127.0.0.1:$RELAXED_PORT"

# Test data: a file with every byte value, and a small tree (a subdirectory, an empty file).
head -c $((1024 * 1024 + 321)) /dev/urandom >"$ROOT/data.bin"
cp "$ROOT/data.bin" "$RELAXED_ROOT/data.bin"
mkdir -p "$ROOT/tree/sub" "$WORK/local-tree/deeper"
head -c 70000 /dev/urandom >"$ROOT/tree/a.bin"
echo "hello" >"$ROOT/tree/sub/b.txt"
: >"$ROOT/tree/sub/empty"
head -c 200000 /dev/urandom >"$WORK/local-tree/up.bin"
echo "up" >"$WORK/local-tree/deeper/c.txt"

RESULTS=()
FAILED=0
record() {
  local client="$1" check="$2" ok="$3"
  if [ "$ok" = 0 ]; then RESULTS+=("$client|$check|PASS"); else RESULTS+=("$client|$check|FAIL"); FAILED=1; fi
}
# Runs a check; its output goes to the client log. Bounded in time.
check() {
  local client="$1" what="$2"
  shift 2
  local status=0
  timeout 120 "$@" >>"$WORK/clients.log" 2>&1 </dev/null || status=$?
  record "$client" "$what" "$status"
}
same() { cmp -s "$1" "$2"; }

URL="ftp://127.0.0.1:$STRICT_PORT"
CURL=(curl --ssl-reqd -k -sS --max-time 60 --user anonymous:interop@example.com)
check curl "get (AUTH TLS, PROT P)" bash -c "$(printf '%q ' "${CURL[@]}") '$URL/data.bin' -o '$WORK/curl-get.bin' && cmp '$ROOT/data.bin' '$WORK/curl-get.bin'"
check curl "put" bash -c "$(printf '%q ' "${CURL[@]}") -T '$WORK/local-tree/up.bin' '$URL/curl-put.bin' && cmp '$WORK/local-tree/up.bin' '$ROOT/curl-put.bin'"
check curl "get, TLS 1.2 only" bash -c "$(printf '%q ' "${CURL[@]}") --tls-max 1.2 '$URL/data.bin' -o '$WORK/curl-get12.bin' && cmp '$ROOT/data.bin' '$WORK/curl-get12.bin'"
check curl "list" bash -c "$(printf '%q ' "${CURL[@]}") '$URL/tree/' | grep -q 'a.bin'"
check curl "get, implicit TLS (ftps://)" bash -c "curl -k -sS --max-time 60 --user anonymous:x@example.com 'ftps://127.0.0.1:$STRICT_IMPLICIT/data.bin' -o '$WORK/curl-implicit.bin' && cmp '$ROOT/data.bin' '$WORK/curl-implicit.bin'"

LFTP_SETTINGS="set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no; set net:max-retries 1; set net:timeout 20; set cmd:fail-exit true"
lftp_run() { lftp -u anonymous,interop@example.com -p "$STRICT_PORT" -e "$LFTP_SETTINGS; $1; bye" 127.0.0.1; }
check lftp "mirror down (tree)" bash -c "$(declare -f lftp_run); LFTP_SETTINGS='$LFTP_SETTINGS' STRICT_PORT=$STRICT_PORT lftp_run 'mirror tree $WORK/lftp-down' && diff -r '$ROOT/tree' '$WORK/lftp-down'"
check lftp "mirror up (-R)" bash -c "$(declare -f lftp_run); LFTP_SETTINGS='$LFTP_SETTINGS' STRICT_PORT=$STRICT_PORT lftp_run 'mirror -R $WORK/local-tree lftp-up' && diff -r '$WORK/local-tree' '$ROOT/lftp-up'"

# Python ftplib: $1 = reuse|plain, $2 = port, $3 = root the server serves, $4 = a tag for file names.
# Exits 0 when every byte came through, 3 when the server refused a data connection with 425.
cat >"$WORK/ftplib_check.py" <<'PY'
import ftplib, filecmp, ssl, sys

mode, port, root, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

class ReusingFTP_TLS(ftplib.FTP_TLS):
    """Data connections resume the control connection's TLS session, as servers with
    require_ssl_reuse demand (plain ftplib makes a fresh session on each)."""
    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
cls = ReusingFTP_TLS if mode == "reuse" else ftplib.FTP_TLS
ftp = cls(context=context, timeout=20)
ftp.connect("127.0.0.1", port)
ftp.login("anonymous", "interop@example.com")
ftp.prot_p()
name = f"py-{tag}.bin"
try:
    with open(f"{root}/data.bin", "rb") as source:
        ftp.storbinary(f"STOR {name}", source)
except (ftplib.error_temp, OSError) as error:
    # The refused data connection breaks mid-write (the server closes it); the 425 follows on the
    # control connection.
    reply = str(error) if isinstance(error, ftplib.error_temp) else ftp.getline()
    print(f"refused: {reply}")
    sys.exit(3 if reply.startswith("425") else 1)
assert filecmp.cmp(f"{root}/data.bin", f"{root}/{name}", shallow=False), "stored bytes differ"
received = bytearray()
ftp.retrbinary(f"RETR {name}", received.extend)
with open(f"{root}/data.bin", "rb") as source:
    assert bytes(received) == source.read(), "retrieved bytes differ"
# MLSD (RFC 3659 §7) through ftplib's own parser: the file with its type and exact size.
facts = dict(ftp.mlsd())
assert facts[name]["type"] == "file", facts.get(name)
assert int(facts[name]["size"]) == len(received), facts.get(name)
ftp.quit()
PY
check python "FTP_TLS + session reuse: stor/retr/mlsd" python3 "$WORK/ftplib_check.py" reuse "$STRICT_PORT" "$ROOT" reuse
check python "plain FTP_TLS refused (no reuse, 425)" bash -c "python3 '$WORK/ftplib_check.py' plain '$STRICT_PORT' '$ROOT' plain; [ \$? = 3 ]"
check python "plain FTP_TLS with --tls-resumption-optional" python3 "$WORK/ftplib_check.py" plain "$RELAXED_PORT" "$RELAXED_ROOT" relaxed

printf '\n%-8s %-44s %s\n' CLIENT CHECK RESULT
for row in "${RESULTS[@]}"; do
  IFS='|' read -r client what result <<<"$row"
  printf '%-8s %-44s %s\n' "$client" "$what" "$result"
done
if [ "$FAILED" != 0 ]; then
  echo
  echo "== client output"
  tail -n 40 "$WORK/clients.log"
  echo "== server log (strict)"
  tail -n 40 "$WORK/strict.log"
  exit 1
fi
