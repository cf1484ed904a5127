#!/usr/bin/env bash
# Interop: run ftp-client's one-shot commands (and a short shell script) against vsftpd, pure-ftpd
# and proftpd on loopback, using scripts/interop/{install,start,stop}.sh, each in plain FTP and with
# TLS required: explicit FTPS (AUTH TLS; --tls explicit) on all three, implicit FTPS (ftps://) on
# vsftpd and proftpd (Debian's pure-ftpd has none). The client trusts the CA start.sh made
# (--ca-file), so certificates are checked. Prints a PASS/FAIL table, one row per server and mode
# with the first failing step; exits non-zero if any failed. Each row, TLS rows included, also
# fetches a file with get --segments 4 and mirrors 1,000 files both ways with --parallel 4
# (byte-exact, on the server's disk too; timed).
#
#   client/scripts/interop.sh [NAME...]        default: vsftpd pure-ftpd proftpd
#   FTP_CLIENT_INTEROP_MODES="plain explicit implicit"   the default; any subset
#
# Needs root (the server scripts do). Servers run in this script's own run directory, so servers
# started by hand or by other scripts are left alone, and a trap stops ours on every exit path.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INTEROP="$REPO/scripts/interop"
[ -x "$INTEROP/start.sh" ] || { echo "interop-client: $INTEROP/start.sh missing" >&2; exit 1; }
export FTP_INTEROP_DIR="${FTP_INTEROP_DIR:-/tmp/ftp-interop}"
export FTP_INTEROP_RUN="$FTP_INTEROP_DIR/client-run"
SERVERS=("$@")
[ "${#SERVERS[@]}" -gt 0 ] || SERVERS=(vsftpd pure-ftpd proftpd)

echo "== building ftp-client"
(cd "$REPO" && cargo build -q -p ftp-client)
CLIENT="${CARGO_TARGET_DIR:-$REPO/target}/debug/ftp-client"
[ -x "$CLIENT" ] || { echo "interop-client: no binary at $CLIENT" >&2; exit 1; }

echo "== installing servers"
"$INTEROP/install.sh" "${SERVERS[@]}" >/dev/null

SCRATCH="$(mktemp -d /tmp/ftp-client-interop.XXXXXX)"
# mktemp makes it 0700; the servers' unprivileged ftp user must be able to reach the roots inside.
chmod 755 "$SCRATCH"
cleanup() {
  "$INTEROP/stop.sh" "${SERVERS[@]}" >/dev/null 2>&1 || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT INT TERM

MODES=(${FTP_CLIENT_INTEROP_MODES:-plain explicit implicit})
# The client's TLS arguments for the current mode (set per run below).
TLS_ARGS=()

# One client call, bounded in time; its output goes to the server's log.
ftpc() {
  timeout 120 "$CLIENT" --timeout 20 "${TLS_ARGS[@]}" "$@" >>"$LOG" 2>&1 </dev/null
}

# A tree of 1,000 files: 10 directories of 10 subdirectories of 10 files, 0 B to ~40 KiB each (one
# of 2 MiB), names with spaces in one branch.
make_tree() {
  local root="$1" d s f
  for d in $(seq 0 9); do
    for s in $(seq 0 9); do
      mkdir -p "$root/dir $d/sub$s"
      for f in $(seq 0 9); do
        head -c $(( (d * 100 + s * 10 + f) * 41 )) /dev/urandom >"$root/dir $d/sub$s/f$f.bin"
      done
    done
  done
  head -c $((2 * 1024 * 1024)) /dev/urandom >"$root/dir 0/sub0/f0.bin"
}

# Seconds since the epoch, with fractions.
now() { date +%s.%N; }

# mirror -R and mirror of 1,000 files with four sessions, byte-exact both ways (on the server's
# disk too), then --only-newer plans nothing and --delete empties the remote tree. Appends the
# timings to $work/mirror-times; echoes the first failing step, or nothing.
check_mirror() {
  local name="$1" base="$2" work="$3" remote_dir="$4" t0 t1 t2
  make_tree "$work/tree"
  t0="$(now)"
  ftpc mirror -R --parallel 4 "$work/tree" "$base/$remote_dir" || { echo "mirror -R"; return; }
  t1="$(now)"
  [ -n "$WRITABLE_DIR" ] || { echo "no WRITABLE_DIR in $name.env"; return; }
  diff -r "$work/tree" "$WRITABLE_DIR/$remote_dir" >>"$LOG" 2>&1 ||
    { echo "mirror -R byte-exact on the server"; return; }
  ftpc mirror --parallel 4 "$base/$remote_dir" "$work/down" || { echo "mirror"; return; }
  t2="$(now)"
  diff -r "$work/tree" "$work/down" >>"$LOG" 2>&1 || { echo "mirror byte-exact"; return; }
  [ "$(find "$work/down" -type f | wc -l)" -eq 1000 ] || { echo "mirror file count"; return; }
  timeout 300 "$CLIENT" --timeout 20 "${TLS_ARGS[@]}" mirror --only-newer --dry-run "$base/$remote_dir" "$work/down" \
    >"$work/plan.txt" 2>>"$LOG" </dev/null || { echo "mirror --only-newer --dry-run"; return; }
  ! grep -q '^get ' "$work/plan.txt" || { echo "mirror --only-newer would copy again"; return; }
  mkdir -p "$work/empty-tree"
  ftpc mirror -R --delete "$work/empty-tree" "$base/$remote_dir" || { echo "mirror -R --delete"; return; }
  [ -z "$(ls -A "$WRITABLE_DIR/$remote_dir")" ] || { echo "mirror --delete left files"; return; }
  ftpc rmdir "$base/$remote_dir" || { echo "rmdir mirrored tree"; return; }
  awk -v n="$name" -v m="$mode" -v a="$t0" -v b="$t1" -v c="$t2" \
    'BEGIN { printf "%-10s %-9s up %.1f s, down %.1f s\n", n, m, b - a, c - b }' >>"$work/mirror-times"
}

# Runs the steps against one server; echoes the first failing step, or nothing.
check_server() {
  local name="$1" url="$2" work="$3"
  local base="${url%/}" dir="ftpc-$$"
  head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$work/data.bin"
  : >"$work/empty.bin"
  local want
  want="$(sha256sum <"$work/data.bin" | cut -d' ' -f1)"
  ftpc ls "$base/" || { echo "login+ls"; return; }
  ftpc mkdir "$base/$dir" || { echo "mkdir"; return; }
  ftpc put "$work/data.bin" "$base/$dir/" || { echo "put"; return; }
  ftpc put "$work/empty.bin" "$base/$dir/" || { echo "put 0-byte"; return; }
  timeout 120 "$CLIENT" --timeout 20 "${TLS_ARGS[@]}" ls "$base/$dir" >"$work/ls.txt" 2>>"$LOG" </dev/null &&
    grep -q "data.bin" "$work/ls.txt" && grep -q "empty.bin" "$work/ls.txt" || { echo "ls after put"; return; }
  # ls -l: the parsed listing (MLSD or LIST), one normalised line per entry.
  timeout 120 "$CLIENT" --timeout 20 "${TLS_ARGS[@]}" ls -l "$base/$dir" >"$work/ls-l.txt" 2>>"$LOG" </dev/null &&
    grep -Eq "^-[-rwx]{9} +$((3 * 1024 * 1024 + 123)) [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} data\.bin$" "$work/ls-l.txt" &&
    grep -Eq "^-[-rwx]{9} +0 .* empty\.bin$" "$work/ls-l.txt" || { echo "ls -l after put"; return; }
  ftpc get "$base/$dir/data.bin" -o "$work/got.bin" || { echo "get"; return; }
  [ "$(sha256sum <"$work/got.bin" | cut -d' ' -f1)" = "$want" ] || { echo "get sha256"; return; }
  ftpc get --segments 4 "$base/$dir/data.bin" -o "$work/segments.bin" || { echo "get --segments 4"; return; }
  [ "$(sha256sum <"$work/segments.bin" | cut -d' ' -f1)" = "$want" ] || { echo "get --segments sha256"; return; }
  ftpc get "$base/$dir/empty.bin" -o "$work/got-empty.bin" && [ ! -s "$work/got-empty.bin" ] || { echo "get 0-byte"; return; }
  truncate -s 1000000 "$work/got.bin"
  ftpc get -c "$base/$dir/data.bin" -o "$work/got.bin" || { echo "get -c"; return; }
  [ "$(sha256sum <"$work/got.bin" | cut -d' ' -f1)" = "$want" ] || { echo "get -c sha256"; return; }
  ftpc --active get "$base/$dir/data.bin" -o "$work/active.bin" || { echo "active get"; return; }
  [ "$(sha256sum <"$work/active.bin" | cut -d' ' -f1)" = "$want" ] || { echo "active get sha256"; return; }
  # The shell in script mode: cd, rename, nlist, mget, size, mdtm, quote, lpwd.
  (cd "$work" && mkdir -p shell && cd shell &&
    printf 'cd %s\nrename data.bin renamed.bin\nnlist\nmget renamed*\npwd\nsize renamed.bin\nmdtm renamed.bin\nquote NOOP\nlpwd\n' "$dir" |
    timeout 120 "$CLIENT" --timeout 20 "${TLS_ARGS[@]}" "$base/" >>"$LOG" 2>&1) || { echo "shell script"; return; }
  [ "$(sha256sum <"$work/shell/renamed.bin" | cut -d' ' -f1)" = "$want" ] || { echo "shell mget sha256"; return; }
  ftpc rm "$base/$dir/renamed.bin" || { echo "rm"; return; }
  ftpc rm "$base/$dir/empty.bin" || { echo "rm 0-byte"; return; }
  ftpc rmdir "$base/$dir" || { echo "rmdir"; return; }
  check_mirror "$name" "$base" "$work" "mirror-$$"
}

# The TLS variant start.sh takes for a mode, or nothing when the server does not offer it.
server_tls() {
  case "$2" in
    plain) echo 0 ;;
    explicit) echo 1 ;;
    implicit) if [ -f "$REPO/fixtures/interop/$1/implicit.conf" ]; then echo implicit; fi ;;
  esac
}

declare -A RESULT
ROWS=()
failed=0
for name in "${SERVERS[@]}"; do
  for mode in "${MODES[@]}"; do
    row="$name $mode"
    ROWS+=("$row")
    tls="$(server_tls "$name" "$mode")"
    if [ -z "$tls" ]; then
      RESULT[$row]="n/a (not offered)"
      continue
    fi
    work="$SCRATCH/$name-$mode-work"
    mkdir -p "$work"
    LOG="$SCRATCH/$name-$mode.log"
    : >"$LOG"
    echo "== $name ($mode)"
    if ! url="$(FTP_INTEROP_TLS="$tls" "$INTEROP/start.sh" "$name" "$SCRATCH/$name-$mode-root" 2>>"$LOG")"; then
      RESULT[$row]="FAIL (server did not start)"
      failed=1
      continue
    fi
    WRITABLE_DIR=""
    # shellcheck disable=SC1090
    [ -f "$FTP_INTEROP_RUN/$name.env" ] && WRITABLE_DIR="$(. "$FTP_INTEROP_RUN/$name.env" && echo "$WRITABLE_DIR")"
    TLS_ARGS=()
    if [ "$mode" != plain ]; then
      # shellcheck disable=SC1090
      cert="$(. "$FTP_INTEROP_RUN/$name.env" && echo "$CERT")"
      TLS_ARGS=(--ca-file "$cert")
      if [ "$mode" = explicit ]; then TLS_ARGS+=(--tls explicit); fi
    fi
    step="$(check_server "$name" "$url" "$work")"
    # A missing file must give the documented "not found" code (5).
    if [ -z "$step" ]; then
      set +e
      timeout 60 "$CLIENT" --timeout 20 "${TLS_ARGS[@]}" get "${url%/}/no-such-file.bin" -o "$work/x" >>"$LOG" 2>&1 </dev/null
      code=$?
      set -e
      [ "$code" -eq 5 ] || step="missing file exit code $code (want 5)"
    fi
    # TLS required: the same server refuses a plain client, and the client says why (exit 1, 3 or 4).
    if [ -z "$step" ] && [ "$mode" = explicit ]; then
      set +e
      timeout 60 "$CLIENT" --timeout 20 ls "${url%/}/" >>"$LOG" 2>&1 </dev/null
      code=$?
      set -e
      [ "$code" -ne 0 ] || step="a plain client was let in"
    fi
    "$INTEROP/stop.sh" "$name" >/dev/null 2>&1 || true
    if [ -z "$step" ]; then
      RESULT[$row]="PASS"
    else
      RESULT[$row]="FAIL at: $step"
      failed=1
      echo "---- $name ($mode) log (last 40 lines)"
      tail -n 40 "$LOG"
    fi
  done
done

echo
printf '%-10s %-9s %s\n' "server" "mode" "ftp-client result"
for row in "${ROWS[@]}"; do
  printf '%-10s %-9s %s\n' ${row} "${RESULT[$row]}"
done
echo
echo "mirror of 1,000 files, --parallel 4 (debug build):"
cat "$SCRATCH"/*-work/mirror-times 2>/dev/null || echo "(none completed)"
exit "$failed"
