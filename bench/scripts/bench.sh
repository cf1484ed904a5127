#!/usr/bin/env bash
# Benchmarks on loopback: every ftp-bench scenario against this project's server and, unless
# smoke-testing, vsftpd, pure-ftpd and proftpd (installed the project's way, scripts/interop/);
# then ftp-client against curl and lftp, and the UDP tools against tftp-hpa (udp/scripts/bench.sh);
# last, retr-big and stor-big under explicit FTPS (PROT P) against ours and vsftpd with TLS, as the
# scenarios retr-big-tls and stor-big-tls (smoke: against ours only).
# Writes docs/benchmarks.md with its SVG charts and prints the summary with the ratios.
#
#   bench/scripts/bench.sh            full run (`just bench`; needs root for the peers)
#   bench/scripts/bench.sh --smoke    tiny sizes, our server only (`just bench-smoke`, for CI):
#                                     checks that every scenario runs and prints a figure
#
# Knobs (environment; full-run defaults, smoke defaults in brackets):
#   BENCH_BIG_MIB=1024 [4]        size of the retr-big/stor-big file, MiB
#   BENCH_ROUNDS=7 [2]            rounds of retr-big and stor-big (every server takes one turn per
#                                 round: one transfer); the median round is reported. Also the
#                                 rounds under FTPS.
#   BENCH_SMALL_ROUNDS=15 [2]     rounds of small-files (a turn is BENCH_SMALL_COUNT RETRs); the median
#                                 round is reported. A round is cheap, and its p50 is bimodal: on the
#                                 2-core VM 0.06-0.09 ms when the kernel ran server and client on one
#                                 CPU, 0.15-0.19 ms on two, for ours and pure-ftpd alike.
#   BENCH_LIST_ENTRIES=100000 [300]  entries in the list-big directory
#   BENCH_IDLE=10000 [40]         idle sessions held open
#   BENCH_SMALL_COUNT=1000 [20]   sequential 4 KiB RETRs in small-files, per round
#   BENCH_SESSIONS_SECONDS=10 [-] sessions scenario duration (smoke: BENCH_SESSIONS_COUNT=40 sessions)
#   BENCH_CONCURRENCY=50          concurrent sessions
#   BENCH_PEERS="vsftpd pure-ftpd proftpd" [""]  third-party servers to run against
#   BENCH_TLS=1                   run retr-big and stor-big under FTPS too (--tls explicit --insecure)
#   BENCH_TLS_PEERS=vsftpd [""]   third-party servers for the TLS runs (only vsftpd is set up for TLS)
#   BENCH_MAX_STEAL=5 [101]       a round in which the hypervisor took this share (%) of the machine's
#                                 CPU time or more during some turn is run again, all its turns (see
#                                 in_rounds); at most BENCH_STEAL_RERUNS [BENCH_ROUNDS] times per scenario
#   BENCH_CLIENT=1 [0]            time ftp-client get/put against curl and lftp
#   BENCH_CLIENT_RUNS=7           rounds of the client runs (they take turns, a different one first each
#                                 round); the median is reported
#   BENCH_UDP=1 [0]               run udp/scripts/bench.sh (BENCH_UDP_MB=64)
#   BENCH_OUT=docs/benchmarks.md [$WORK/benchmarks.md]  the report; charts go to ${BENCH_OUT%.md}/
#   BENCH_PROFILE=release [debug] cargo profile of the binaries
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
SMOKE=0
case "${1:-}" in
  --smoke) SMOKE=1 ;;
  "") ;;
  *) echo "usage: bench/scripts/bench.sh [--smoke]" >&2; exit 2 ;;
esac

if [ "$SMOKE" = 1 ]; then
  BIG_MIB=${BENCH_BIG_MIB:-4}; ROUNDS=${BENCH_ROUNDS:-2}; SMALL_ROUNDS=${BENCH_SMALL_ROUNDS:-2}; LIST_ENTRIES=${BENCH_LIST_ENTRIES:-300}; IDLE=${BENCH_IDLE:-40}
  SMALL_COUNT=${BENCH_SMALL_COUNT:-20}; PEERS=${BENCH_PEERS:-}; CLIENT=${BENCH_CLIENT:-0}
  UDP=${BENCH_UDP:-0}; PROFILE=${BENCH_PROFILE:-debug}; TLS_PEERS=${BENCH_TLS_PEERS:-}
  SESSIONS=(--count "${BENCH_SESSIONS_COUNT:-40}")
  # A smoke turn lasts a few ticks of /proc/stat, so one stolen tick reads as 20-30%: no reruns.
  MAX_STEAL=${BENCH_MAX_STEAL:-101}
else
  BIG_MIB=${BENCH_BIG_MIB:-1024}; ROUNDS=${BENCH_ROUNDS:-7}; SMALL_ROUNDS=${BENCH_SMALL_ROUNDS:-15}; LIST_ENTRIES=${BENCH_LIST_ENTRIES:-100000}; IDLE=${BENCH_IDLE:-10000}
  SMALL_COUNT=${BENCH_SMALL_COUNT:-1000}; PEERS=${BENCH_PEERS-vsftpd pure-ftpd proftpd}
  CLIENT=${BENCH_CLIENT:-1}; UDP=${BENCH_UDP:-1}; PROFILE=${BENCH_PROFILE:-release}
  TLS_PEERS=${BENCH_TLS_PEERS-vsftpd}
  SESSIONS=(--seconds "${BENCH_SESSIONS_SECONDS:-10}")
fi
CONCURRENCY=${BENCH_CONCURRENCY:-50}
CLIENT_RUNS=${BENCH_CLIENT_RUNS:-7}
MAX_STEAL=${MAX_STEAL:-${BENCH_MAX_STEAL:-5}}
STEAL_RERUNS=${BENCH_STEAL_RERUNS:-$ROUNDS}
TLS=${BENCH_TLS:-1}
[ "$TLS" = 1 ] || TLS_PEERS=

# Every idle session is a socket at both ends; the script's children inherit this.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ $((IDLE + 200)) -gt "$NOFILE" ]; then
  echo "bench: BENCH_IDLE=$IDLE needs more file descriptors than ulimit -n allows ($NOFILE); using $((NOFILE - 200))" >&2
  IDLE=$((NOFILE - 200))
fi

LOAD=$(cut -d" " -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/ftp-bench.XXXXXX)
RESULTS=$WORK/results
OUT=${BENCH_OUT:-$([ "$SMOKE" = 1 ] && echo "$WORK/benchmarks.md" || echo "$REPO/docs/benchmarks.md")}
CHARTS=${OUT%.md}
export FTP_INTEROP_RUN=$WORK/interop-run   # our own run dir: servers started by hand keep running
# shellcheck source=ours.sh
source bench/scripts/ours.sh
# shellcheck source=../../scripts/interop/common.sh
source scripts/interop/common.sh
cleanup() {
  local status=$?
  ours_stop
  if [ -n "$PEERS$TLS_PEERS" ] && [ -d "$FTP_INTEROP_RUN" ]; then
    for name in $PEERS $TLS_PEERS; do scripts/interop/stop.sh "$name" >/dev/null 2>&1 || true; done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$RESULTS"

echo "== build ($PROFILE)" >&2
PROFILE_DIR=$([ "$PROFILE" = release ] && echo release || echo debug)
PROFILE_FLAG=$([ "$PROFILE" = release ] && echo --release || true)
# shellcheck disable=SC2086
cargo build -q $PROFILE_FLAG -p ftp-server -p ftp-bench $([ "$CLIENT" = 1 ] && echo "-p ftp-client")
BIN=${CARGO_TARGET_DIR:-$REPO/target}/$PROFILE_DIR
BENCH=$BIN/ftp-bench

echo "== fixtures: ${BIG_MIB} MiB file, 4 KiB file, ${LIST_ENTRIES}-entry directory" >&2
FIXTURE=$WORK/fixture/bench
mkdir -p "$FIXTURE/many"
head -c $((BIG_MIB * 1048576)) /dev/urandom >"$FIXTURE/big.bin"
head -c 4096 /dev/urandom >"$FIXTURE/small.bin"
(cd "$FIXTURE/many" && seq -f 'entry-%06g' 1 "$LIST_ENTRIES" | xargs touch)
chmod -R a+rX "$WORK/fixture"

# seed DIR: the fixture under DIR/bench, as hard links (no second copy of the big file).
seed() { mkdir -p "$1"; cp -al "$FIXTURE" "$1/bench"; }

# recycle_memory: write and delete a scratch file a quarter larger than the big file, right before a
# turn that writes the big file into the page cache (stor-big, and the client runs). On a virtual
# machine that gives freed memory back to the host (free page reporting, as on the Firecracker
# machines this project is benched on), the guest's first write to such a page waits for the host, so
# any server's turn was slow or fast by which pages the kernel handed it; the kernel hands out
# just-freed pages first, so the turn lands on pages just touched. (Figures: README, Benchmarks.)
recycle_memory() {
  dd if=/dev/zero of="$WORK/scratch" bs=1M count=$((BIG_MIB + BIG_MIB / 4)) status=none
  rm -f "$WORK/scratch"
}

# warm_fixture: read the big file, right before a turn that reads it (retr-big, and the client runs),
# so that the turn finds all of it in the page cache: those machines also page out memory left
# untouched for about a minute (DAMON's `pageout` scheme, at most 128 MiB/s), page cache included,
# and a RETR after a pause waited on the disk inside sendfile where the next server's did not.
warm_fixture() { cat "$FIXTURE/big.bin" >/dev/null; }

# bench_one LABEL URL SCENARIO [ARG...]: one scenario against one server, added to
# $RESULTS/LABEL-SCENARIO[-tls].json (-tls when the arguments include --tls; a round adds a line).
bench_one() {
  local label=$1 url=$2 scenario=$3; shift 3
  local name=$scenario
  case " $* " in *" --tls "*) name=$scenario-tls ;; esac
  local args=(--label "$label" --timeout 10 "$@")
  # A smoke run insists that our server has no failed session; a peer's failures are reported.
  [ "$SMOKE" = 1 ] && [ "$label" = ours ] && args+=(--fail-on-errors)
  echo "== $label: $name" >&2
  case $scenario in
    retr-big) warm_fixture ;;
    stor-big) recycle_memory ;;
  esac
  # Dirty pages left by the last scenario (or by the fixture itself: the server that runs first
  # would pay for writing back the freshly made big file) are written back before, not during, it.
  sync
  local status=0
  "$BENCH" "$url" --scenario "$scenario" "${args[@]}" \
    --save "$RESULTS/$label-$name.json" | sed -e 's/^/   /' >&2 || status=${PIPESTATUS[0]}
  if [ "$status" != 0 ]; then
    # Exit 3: it ran but some sessions failed (smoke runs only; the result was saved). Otherwise
    # nothing was saved: say so and keep going, except in a smoke run.
    echo "bench: $name against $label failed (exit $status)" >&2
    [ "$SMOKE" = 0 ] || [ "$label" != ours ] || exit 1
  fi
}

# knobs SCENARIO PID: the sizes of one scenario (bulk transfers and small files: one round's worth).
knobs() {
  case $1 in
    retr-big|stor-big) KNOBS=(--size "${BIG_MIB}MiB" --count 1) ;;
    small-files) KNOBS=(--count "$SMALL_COUNT") ;;
    sessions) KNOBS=("${SESSIONS[@]}") ;;
    idle) KNOBS=(--count "$IDLE" --server-pid "$2") ;;
    list-big) KNOBS=(--count 3 --server-pid "$2") ;;
  esac
}

# The close races, run head to head by bench_rounds; the others run one server at a time (bench_rest).
ROUND_SCENARIOS="retr-big stor-big small-files"
# idle last, after every server's sessions and list-big (see rest_pass).
REST_SCENARIOS="sessions list-big"

# Stolen rounds. On a virtual machine the host may take CPU time from it, and then every server runs
# slower (figures in bench/src/steal.rs): a ratio of two turns is a draw of which one it hit harder.
# ftp-bench records the share of each run (steal_percent), and a round in which some turn saw
# MAX_STEAL% or more is voided (its results are dropped; the report's note counts the reruns) and run
# again, every turn of it, after the machine is quiet: the rule looks at the machine, never at the figures, and treats every server alike.
declare -A RERUNS=()
RERUN_ORDER=()

# cpu_clock: the machine's stolen and total CPU ticks (the aggregate line of /proc/stat).
cpu_clock() { awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }

# steal_since STOLEN TOTAL: the share (%) stolen since cpu_clock printed STOLEN TOTAL.
steal_since() {
  cpu_clock | awk -v s="$1" -v t="$2" '{ printf "%.2f", ($2 > t) ? 100 * ($1 - s) / ($2 - t) : 0 }'
}

# in_round SCENARIO ROUND: an awk condition that matches the result lines of that round.
in_round() {
  printf 'index($0, "\\"scenario\\":\\"%s\\"") && (index($0, "\\"round\\":%s,") || index($0, "\\"round\\":%s}"))' \
    "$1" "$2" "$2"
}

# round_steal SCENARIO ROUND: the most any result of that round recorded (0 when none did).
round_steal() {
  awk "$(in_round "$1" "$2")"' && match($0, /"steal_percent":[0-9.e+-]+/) {
         s = substr($0, RSTART + 16, RLENGTH - 16) + 0; if (s > m) m = s }
       END { print m + 0 }' "$RESULTS"/*.json
}

# void_round SCENARIO ROUND: drops that round's results from $RESULTS.
void_round() {
  local file
  for file in "$RESULTS"/*.json; do
    awk "!($(in_round "$1" "$2"))" "$file" >"$file.kept"
    mv "$file.kept" "$file"
  done
}

# until_quiet: waits (60 s at most) for 3 seconds in a row in which the host took under MAX_STEAL% of
# the CPU. With one quiet second, a spell that came and went spent all of a scenario's reruns on its
# first round, and its later stolen rounds had to be kept.
until_quiet() {
  local tries clock quiet=0
  # Above 100% (smoke runs) no turn is ever stolen: nothing to wait for.
  awk -v m="$MAX_STEAL" 'BEGIN { exit !(m > 100) }' && return 0
  for tries in $(seq 60); do
    read -r -a clock < <(cpu_clock)
    sleep 1
    if awk -v s="$(steal_since "${clock[@]}")" -v m="$MAX_STEAL" 'BEGIN { exit !(s < m) }'; then
      quiet=$((quiet + 1))
      [ "$quiet" -lt 3 ] || return 0
    else
      quiet=0
    fi
  done
  echo "bench: the hypervisor still takes ${MAX_STEAL}% or more of the CPU time after 60 s; going on" >&2
}

# in_rounds SCENARIO ROUNDS TURN_FUNCTION: ROUNDS rounds of TURN_FUNCTION ROUND_NUMBER ROUND_INDEX
# (one turn of every contender), each round run again while stolen from (STEAL_RERUNS at most).
# ROUND_NUMBER is unique per run of a round, so that a voided run's results are told apart.
in_rounds() {
  local scenario=$1 rounds=$2 turns=$3 round stolen
  RERUNS[$scenario]=0
  RERUN_ORDER+=("$scenario")
  until_quiet
  for round in $(seq "$rounds"); do
    while :; do
      ROUND_NUMBER=$((ROUND_NUMBER + 1))
      "$turns" "$ROUND_NUMBER" "$round"
      stolen=$(round_steal "$scenario" "$ROUND_NUMBER")
      awk -v s="$stolen" -v m="$MAX_STEAL" 'BEGIN { exit !(s >= m) }' || break
      [ "${RERUNS[$scenario]}" -lt "$STEAL_RERUNS" ] || {
        echo "bench: $scenario round $round: the hypervisor took $stolen% of the CPU time; kept (no reruns left)" >&2
        break
      }
      echo "bench: $scenario round $round: the hypervisor took $stolen% of the CPU time; run again" >&2
      void_round "$scenario" "$ROUND_NUMBER"
      RERUNS[$scenario]=$((RERUNS[$scenario] + 1))
      until_quiet
    done
  done
}
ROUND_NUMBER=0

# bench_rounds LABEL...: every ROUND_SCENARIOS scenario, ROUNDS rounds (small-files: SMALL_ROUNDS),
# every server (URLS[LABEL]) taking one turn per round and a different one going first each round,
# so that a slow spell of the shared machine hits them alike; the report keeps each server's median
# round.
bench_rounds() {
  ROUND_LABELS=("$@")
  local scenario rounds
  for scenario in $ROUND_SCENARIOS; do
    knobs "$scenario" ""
    rounds=$ROUNDS; [ "$scenario" != small-files ] || rounds=$SMALL_ROUNDS
    ROUND_SCENARIO=$scenario
    in_rounds "$scenario" "$rounds" server_turns
  done
}

# server_turns ROUND_NUMBER ROUND_INDEX: one turn of every server in ROUND_LABELS at ROUND_SCENARIO.
server_turns() {
  local number=$1 index=$2 i label ours
  for i in $(seq 0 $((${#ROUND_LABELS[@]} - 1))); do
    label=${ROUND_LABELS[$(((i + index) % ${#ROUND_LABELS[@]}))]}
    ours=(); [ "$label" != ours ] || ours=(--ours)
    bench_one "$label" "${URLS[$label]}" "$ROUND_SCENARIO" "${KNOBS[@]}" --concurrency "$CONCURRENCY" \
      --round "$number" "${ours[@]}"
  done
}

# bench_rest LABEL URL PID SCENARIOS [--ours]: SCENARIOS (a space-separated list) against one server.
bench_rest() {
  local label=$1 url=$2 pid=$3 scenarios=$4; shift 4
  local scenario
  for scenario in $scenarios; do
    knobs "$scenario" "$pid"
    bench_one "$label" "$url" "$scenario" "${KNOBS[@]}" --concurrency "$CONCURRENCY" "$@"
  done
}

# start_ours NAME [ARG...]: our server on a free port serving $WORK/ours, its output in $WORK/NAME.*;
# sets OURS_PID and OURS_ADDR. Its passive ports are 8,000 below the peers' (which start.sh picks from
# 20000-32000) and, like theirs, outside the ephemeral range: with none set, the sessions scenario's
# 80,000 data connections left their TIME_WAITs on ephemeral ports, and the next server's idle
# scenario opened only about 1,000 sessions before `connect` ran out of ports (EADDRNOTAVAIL).
# With this range, ours ran the sessions scenario as fast as before (7,300-8,300 sessions/s against
# 4,200-7,800, taking turns), and vsftpd's idle scenario right after it opened all 10,000.
start_ours() {
  local name=$1; shift
  local pasv_min pasv_max
  read -r _ pasv_min pasv_max < <(interop_pick_ports 8000 10000 20000)
  ours_start "$BIN/ftp-server" "$WORK/$name.out" "$WORK/$name.err" --root "$WORK/ours" --write -q \
    --pasv-ports "$pasv_min-$pasv_max" \
    --max-connections $((IDLE + CONCURRENCY + 100)) --max-per-ip $((IDLE + CONCURRENCY + 100)) --idle-timeout 900 "$@"
}

# start_peer NAME DIR: starts a third-party server (scripts/interop/start.sh) serving DIR with the
# fixture in its writable directory, and prints its URL.
start_peer() {
  scripts/interop/start.sh "$1" "$2" >/dev/null
  # shellcheck disable=SC1090
  (
    . "$FTP_INTEROP_RUN/$1.env"
    seed "$WRITABLE_DIR"
    chown -R ftp:ftp "$WRITABLE_DIR/bench"
    echo "$URL"
  )
}

echo "== ours" >&2
seed "$WORK/ours"
start_ours ours
declare -A URLS=([ours]="ftp://$OURS_ADDR/")
LABELS=(ours)

if [ -n "$PEERS" ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: the peers need root (or set BENCH_PEERS=)" >&2; exit 2; }
  # shellcheck disable=SC2086
  scripts/interop/install.sh $PEERS >&2
  # Side by side for the rounds, with the scripts' small default limits: one client at a time.
  for name in $PEERS; do
    URLS[$name]=$(start_peer "$name" "$WORK/peers-rounds/$name")
    LABELS+=("$name")
  done
fi
echo "== rounds: $ROUND_SCENARIOS; ${LABELS[*]} take turns" >&2
bench_rounds "${LABELS[@]}"
for name in $PEERS; do scripts/interop/stop.sh "$name" >/dev/null 2>&1 || true; done

# rest_pass SCENARIOS: the scenarios that run one server at a time, against ours and then against each
# peer, started for them and stopped after.
rest_pass() {
  local scenarios=$1 name
  bench_rest ours "${URLS[ours]}" "$OURS_PID" "$scenarios" --ours
  for name in $PEERS; do
    scripts/interop/start.sh "$name" "$WORK/peers/$name" >/dev/null
    # shellcheck disable=SC1090
    (
      . "$FTP_INTEROP_RUN/$name.env"
      if [ ! -d "$WRITABLE_DIR/bench" ]; then
        seed "$WRITABLE_DIR"
        chown -R ftp:ftp "$WRITABLE_DIR/bench"
      fi
      case " $scenarios " in *" idle "*)
        [ "$name" != pure-ftpd ] || [ "$FTP_INTEROP_PASV_COUNT" -ge $((2 * FTP_INTEROP_MAX_CLIENTS)) ] ||
          echo "bench: pure-ftpd allows $((FTP_INTEROP_PASV_COUNT / 2)) clients (half its $FTP_INTEROP_PASV_COUNT passive ports)" >&2
      esac
      bench_rest "$name" "$URL" "$PID" "$scenarios"
    )
    scripts/interop/stop.sh "$name" >/dev/null 2>&1 || true
  done
}

# Room for the idle sessions; pure-ftpd allows half its passive range as clients.
export FTP_INTEROP_MAX_CLIENTS=$((IDLE + CONCURRENCY + 10))
PASV=$((2 * FTP_INTEROP_MAX_CLIENTS)); [ "$PASV" -le 11000 ] || PASV=11000
export FTP_INTEROP_PASV_COUNT=$PASV
rest_pass "$REST_SCENARIOS"
# Idle last, for every server: after a forking server's 10,000 idle sessions, its next scenario ran
# slower. vsftpd, by hand: 604 sessions/s fresh, 412 right after its idle scenario and 387 half a minute
# later, against 658-694 in three runs in a row with no idle scenario before them.
rest_pass idle

# emit SCENARIO LABEL OURS(true|false) PARAMS NAME VALUE UNIT BETTER [ROUND [STEAL]]: one result line
# by hand (of round ROUND when given: the report takes the median round and compares round by round;
# STEAL is the share of CPU time stolen during it, as ftp-bench records it).
emit() {
  [ -n "$6" ] || { echo "bench: no figure for $2 ($1)" >&2; return 0; }
  local extra=
  [ -z "${9:-}" ] || extra=",\"round\":$9"
  [ -z "${10:-}" ] || extra="$extra,\"steal_percent\":${10}"
  printf '{"scenario":"%s","server":"%s","ours":%s,"params":"%s","figures":[{"name":"%s","value":%s,"unit":"%s","better":"%s"}]%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$extra" >>"$RESULTS/$1.json"
}

# timed SCENARIO LABEL ROUND BYTES CHECK_FILE -- COMMAND...: one client run's MB/s, as a result of
# round ROUND. Every run reads the big file and writes it (get here, put on our server), so the file
# is read into the page cache first and the run lands on recycled memory; dirty pages of the previous
# run are written back first (sync), so no run pays for another's writes.
timed() {
  local scenario=$1 label=$2 round=$3 bytes=$4 check=$5; shift 6
  local t0 t1 clock
  rm -f "$check"; warm_fixture; recycle_memory; sync
  read -r -a clock < <(cpu_clock)
  t0=$(date +%s.%N)
  if ! timeout 600 "$@" >"$WORK/client.log" 2>&1; then
    echo "bench: $label ($scenario) failed: $(tail -1 "$WORK/client.log")" >&2; return 0
  fi
  t1=$(date +%s.%N)
  local stolen; stolen=$(steal_since "${clock[@]}")
  if [ -n "$check" ] && [ "$(stat -c %s "$check" 2>/dev/null)" != "$bytes" ]; then
    echo "bench: $label ($scenario) wrote the wrong size" >&2; return 0
  fi
  local mbps
  mbps=$(awk -v b="$bytes" -v a="$t0" -v c="$t1" 'BEGIN { printf "%.1f", b / 1e6 / (c - a) }')
  echo "   $scenario $label: $mbps MB/s" >&2
  local ours=false; [ "$label" != ftp-client ] || ours=true
  emit "$scenario" "$label" "$ours" "${BIG_MIB} MiB, ours server" throughput "$mbps" MB/s higher "$round" "$stolen"
}

if [ "$CLIENT" = 1 ]; then
  echo "== clients against ours: get and put of ${BIG_MIB} MiB" >&2
  command -v lftp >/dev/null && command -v curl >/dev/null ||
    apt-get -o DPkg::Lock::Timeout=120 install -y -qq curl lftp >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=120 update -qq && apt-get -o DPkg::Lock::Timeout=120 install -y -qq curl lftp; } >/dev/null 2>&1 || true
  bytes=$((BIG_MIB * 1048576)); url="ftp://$OURS_ADDR/bench"; dl=$WORK/dl; up=$WORK/ours/bench
  mkdir -p "$dl"
  clients=(ftp-client curl); command -v lftp >/dev/null && clients+=(lftp)
  # client_run SCENARIO CLIENT ROUND: one timed get or put.
  client_run() {
    local run=("$1" "$2" "$3" "$bytes")
    case "$1 $2" in
      "client-get ftp-client") timed "${run[@]}" "$dl/big.bin" -- "$BIN/ftp-client" get "$url/big.bin" -o "$dl/big.bin" ;;
      "client-get curl") timed "${run[@]}" "$dl/big.bin" -- curl -sS -o "$dl/big.bin" "$url/big.bin" ;;
      "client-get lftp") timed "${run[@]}" "$dl/big.bin" -- lftp -c "set xfer:clobber on; open $url; get big.bin -o $dl/big.bin" ;;
      "client-put ftp-client") timed "${run[@]}" "$up/up-client.bin" -- "$BIN/ftp-client" put "$FIXTURE/big.bin" "$url/up-client.bin" ;;
      "client-put curl") timed "${run[@]}" "$up/up-curl.bin" -- curl -sS -T "$FIXTURE/big.bin" "$url/up-curl.bin" ;;
      "client-put lftp") timed "${run[@]}" "$up/up-lftp.bin" -- lftp -c "open $url; put $FIXTURE/big.bin -o up-lftp.bin" ;;
    esac
  }
  # client_turns ROUND_NUMBER ROUND_INDEX: one turn of every client at CLIENT_SCENARIO.
  client_turns() {
    local i
    for i in $(seq 0 $((${#clients[@]} - 1))); do
      client_run "$CLIENT_SCENARIO" "${clients[$((($i + $2) % ${#clients[@]}))]}" "$1"
    done
  }
  # The clients take turns, round after round, so that a slow spell of the machine hits them alike,
  # and a different one goes first each round (as the servers do in bench_rounds), so that no client
  # always runs right after the last round's uploads; stolen rounds run again (in_rounds).
  for CLIENT_SCENARIO in client-get client-put; do
    in_rounds "$CLIENT_SCENARIO" "$CLIENT_RUNS" client_turns
  done
  rm -rf "$dl" "$up"/up-*.bin
fi

if [ "$UDP" = 1 ]; then
  echo "== UDP tools (udp/scripts/bench.sh)" >&2
  if BENCH_SIZE_MB=${BENCH_UDP_MB:-64} bash udp/scripts/bench.sh >"$WORK/udp.log" 2>&1; then
    sed -e 's/^/   /' "$WORK/udp.log" >&2
    mbps() { awk -v want="$1" 'index($0, want) == 1 { print $(NF - 1) }' "$WORK/udp.log"; }
    p="${BENCH_UDP_MB:-64} MiB, blksize 512"
    emit tftp-lockstep "tftpd-hpa + tftp-hpa" false "$p" throughput "$(mbps 'tftpd-hpa + tftp-hpa')" MB/s higher
    emit tftp-lockstep "ours (windowsize 1)" true "$p" throughput "$(mbps 'ours + ours windowsize 1 ')" MB/s higher
  else
    echo "bench: udp/scripts/bench.sh failed: $(tail -3 "$WORK/udp.log")" >&2
  fi
fi

# Under FTPS, last (the client runs above need our plain server): retr-big and stor-big with PROT P,
# data connections resuming the control connection's TLS session, self-signed certificates. Ours and
# the TLS peers run side by side and take turns in rounds, as in bench_rounds: one after the other,
# a steal spell of the host (see in_rounds) fell on one server's seven transfers and not the other's.
if [ "$TLS" = 1 ]; then
  # A separate instance, so that the plain figures above are of a server without a certificate.
  echo "== ours with TLS (self-signed certificate)" >&2
  ours_stop
  start_ours ours-tls --tls-self-signed
  URLS=([ours]="ftp://$OURS_ADDR/")
  LABELS=(ours)
  if [ -n "$TLS_PEERS" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench: the TLS peers need root (or set BENCH_TLS_PEERS=)" >&2; exit 2; }
    # shellcheck disable=SC2086
    scripts/interop/install.sh $TLS_PEERS >&2
    for name in $TLS_PEERS; do
      echo "== $name with TLS (self-signed certificate)" >&2
      URLS[$name]=$(FTP_INTEROP_TLS=1 start_peer "$name" "$WORK/peers-tls/$name")
      LABELS+=("$name")
    done
  fi
  ROUND_LABELS=("${LABELS[@]}")
  KNOBS=(--size "${BIG_MIB}MiB" --count 1 --tls explicit --insecure)
  for ROUND_SCENARIO in retr-big stor-big; do
    in_rounds "$ROUND_SCENARIO-tls" "$ROUNDS" server_turns
  done
  ours_stop
  for name in $TLS_PEERS; do scripts/interop/stop.sh "$name" >/dev/null 2>&1 || true; done
fi

echo "== report" >&2
stolen_note="rounds run again because the hypervisor took ${MAX_STEAL}% or more of the CPU time during a turn:"
for scenario in "${RERUN_ORDER[@]}"; do
  [ "${RERUNS[$scenario]}" = 0 ] || stolen_note="$stolen_note $scenario ${RERUNS[$scenario]},"
done
case $stolen_note in *,) stolen_note=${stolen_note%,} ;; *) stolen_note="$stolen_note none" ;; esac
NOTE="load average at the start: $LOAD (other work shares the machine); $stolen_note; sizes: ${BIG_MIB} MiB big file, 4 KiB small file ($SMALL_COUNT transfers), sessions ${SESSIONS[*]} at $CONCURRENCY concurrent, $IDLE idle sessions, $LIST_ENTRIES-entry directory"
"$BENCH" report "$RESULTS"/*.json --out "$OUT" --charts "$CHARTS" --note "$NOTE" >&2
if [ "$SMOKE" = 1 ]; then
  tls_scenarios=$([ "$TLS" = 1 ] && echo "retr-big-tls stor-big-tls" || true)
  for scenario in retr-big stor-big small-files sessions idle list-big $tls_scenarios; do
    grep -q '"figures":\[{' "$RESULTS/ours-$scenario.json" ||
      { echo "bench: $scenario printed no figure" >&2; exit 1; }
  done
fi
sed -n '/^## Summary/,/^## [a-z]/p' "$OUT" | sed '$d'
[ "$SMOKE" = 1 ] || echo "wrote $OUT and $CHARTS/*.svg"
