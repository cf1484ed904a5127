#!/usr/bin/env bash
# Stop servers started by scripts/interop/start.sh.
#
#   scripts/interop/stop.sh NAME...    stop those (vsftpd | pure-ftpd | proftpd)
#   scripts/interop/stop.sh            stop every server with a pid file
#
# Sends SIGTERM to the server's own process group (the server, its session
# processes and, for pure-ftpd, pure-authd) and to every descendant of the
# server, waits up to 5 s, then SIGKILLs what is left.
# Removes $FTP_INTEROP_RUN/NAME.pid and NAME.env; keeps NAME/ (logs).
# Stopping a server that is not running is not an error.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [ "$#" -gt 0 ]; then
  names=("$@")
else
  names=("${INTEROP_SERVERS[@]}")
fi

# Live members of process group $1 whose command line does not name server
# $2: a stale pid file whose number was reused.  Never signal those.
foreign() {
  local pat="$2"
  [ "$pat" = pure-ftpd ] && pat=pure-   # pure-ftpd and pure-authd
  ps -o stat=,args= -g "$1" 2>/dev/null | awk -v pat="$pat" '$1 !~ /^Z/ && index($0, pat) == 0'
}

# All processes descending from PID $1.
descendants() {
  ps -eo pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      mine[root] = 1
      do {
        more = 0
        for (p in parent) if (!(p in mine) && (parent[p] in mine)) { mine[p] = 1; more = 1 }
      } while (more)
      for (p in mine) if (p != root) print p
    }'
}

# start.sh ran the server under setsid: its PID leads its own process group,
# which holds most session processes (and pure-authd for pure-ftpd).  vsftpd
# sessions make themselves session leaders, so its descendants are listed
# before the master dies (after which they would be reparented to init).
signal() {
  local sig="$1" pid="$2" p
  kill "-$sig" -- "-$pid" 2>/dev/null || true
  for p in $kids; do kill "-$sig" "$p" 2>/dev/null || true; done
}

any_alive() {
  local p
  interop_group_alive "$1" && return 0
  for p in $kids; do interop_alive "$p" && return 0; done
  return 1
}

for name in "${names[@]}"; do
  interop_check_name "$name"
  pidfile="$FTP_INTEROP_RUN/$name.pid"
  [ -s "$pidfile" ] || continue
  pid="$(head -n1 "$pidfile")"
  case "$pid" in ''|*[!0-9]*) interop_die "bad pid in $pidfile" ;; esac
  if [ -n "$(foreign "$pid" "$name")" ]; then
    echo "interop: $pidfile is stale (pid $pid is not $name); not signalling it" >&2
  elif interop_group_alive "$pid"; then
    kids="$(descendants "$pid" | tr '\n' ' ')"
    signal TERM "$pid"
    for _ in $(seq 50); do
      any_alive "$pid" || break
      sleep 0.1
    done
    if any_alive "$pid"; then signal KILL "$pid"; fi
    echo "interop: stopped $name (pid $pid)" >&2
  fi
  rm -f "$pidfile" "$FTP_INTEROP_RUN/$name.env"
done
