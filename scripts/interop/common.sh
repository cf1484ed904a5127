# shellcheck shell=bash disable=SC2034
# Shared settings for the interop scripts; sourced, never run.
# FTP_INTEROP_DIR holds the downloaded .debs (debs/), the extracted servers
# (pkg/NAME/) and the run state of started servers (run/, see FTP_INTEROP_RUN).

INTEROP_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INTEROP_REPO="$(cd "$INTEROP_SCRIPTS/../.." && pwd)"
INTEROP_FIXTURES="$INTEROP_REPO/fixtures/interop"
FTP_INTEROP_DIR="${FTP_INTEROP_DIR:-/tmp/ftp-interop}"
FTP_INTEROP_RUN="${FTP_INTEROP_RUN:-$FTP_INTEROP_DIR/run}"
INTEROP_SERVERS=(vsftpd pure-ftpd proftpd)

# The unprivileged account anonymous sessions run as (created by install.sh).
INTEROP_FTP_USER=ftp

# server name -> Debian packages to extract (space separated)
interop_packages() {
  case "$1" in
    vsftpd) echo "vsftpd" ;;
    pure-ftpd) echo "pure-ftpd" ;;
    # proftpd-mod-crypto: mod_tls.so, loaded by the config only when FTP_INTEROP_TLS is set.
    proftpd) echo "proftpd-core proftpd-mod-crypto" ;;
    *) return 1 ;;
  esac
}

# server name -> binaries (relative to the extracted tree) that must run
interop_binaries() {
  case "$1" in
    vsftpd) echo "usr/sbin/vsftpd" ;;
    pure-ftpd) echo "usr/sbin/pure-ftpd usr/sbin/pure-authd" ;;
    proftpd) echo "usr/sbin/proftpd" ;;
    *) return 1 ;;
  esac
}

# server name -> loadable modules (relative to the extracted tree, not executable) that must link
interop_modules() {
  case "$1" in
    proftpd) echo "usr/lib/proftpd/mod_tls.so" ;;
    vsftpd|pure-ftpd) ;;
    *) return 1 ;;
  esac
}

interop_pkgdir() { echo "$FTP_INTEROP_DIR/pkg/$1"; }

interop_die() { echo "interop: $*" >&2; exit 1; }

interop_check_name() {
  case "$1" in
    vsftpd|pure-ftpd|proftpd) ;;
    *) interop_die "unknown server '$1' (expected one of: ${INTEROP_SERVERS[*]})" ;;
  esac
}

# True if process PID exists and is not a zombie (a zombie left by a killed
# server may linger until the init process reaps it).
interop_alive() { ps -o stat= -p "$1" 2>/dev/null | grep -qv '^Z'; }

# True if process group PGID has a member that is not a zombie.
# shellcheck disable=SC2009
interop_group_alive() { ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'; }

# interop_pick_ports COUNT [LOW HIGH]: prints "PORT PASV_MIN PASV_MAX", a control port followed by
# COUNT passive ports, all free on 127.0.0.1 and within LOW..HIGH (default 20000..32000): below
# Linux's ephemeral range (32768-60999), so that client sockets never take them. Why it matters: a
# port a server bound for a passive connection keeps that connection's TIME_WAIT for a minute, and
# `connect()` will not use such a port; passive ports inside the ephemeral range (what a server
# picks with no range set) leave clients without ports after a few thousand sessions.
interop_pick_ports() {
  python3 - "$1" "${2:-20000}" "${3:-32000}" <<'PY'
import random, socket, sys
n, low, high = (int(arg) for arg in sys.argv[1:4])
rng = random.SystemRandom()
for _ in range(500):
    base = rng.randrange(low, high - n - 1)
    socks = []
    try:
        for p in range(base, base + n + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            # As the servers do: a port whose last connection is in TIME_WAIT is free to listen on.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base, base + 1, base + n)
    sys.exit(0)
sys.exit("no free port block found")
PY
}
