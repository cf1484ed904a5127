#!/usr/bin/env bash
# `just fuzz TARGET [SECS]`: fuzz one target (command, reply, hostport, tftp, chat, listing) for SECS seconds
# (default 60). Engine: AFL++ through cargo-afl (coverage-guided) when it is installed or installs
# (`cargo install cargo-afl`, then `cargo afl config --build`); otherwise, or with FUZZ_ENGINE=proptest,
# the structure-aware proptest runner (`ftp-fuzz`). Either way the corpus is fuzz/corpus/TARGET/ and an
# input that crashes the target is saved there as crash-HASH (then `cargo test -p ftp-fuzz` replays it
# forever). Exit 1 when a crash was found.
#
# `just fuzz-smoke` (CI): fuzz/scripts/fuzz.sh --smoke runs every target for 5 s with the proptest
# runner over its corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = --smoke ]; then
  # The debug build: `just test` has just compiled it.
  exec cargo run -q -p ftp-fuzz -- --seconds 5 --seed 20261205
fi
TARGET=${1:?usage: fuzz.sh TARGET [SECS]   (TARGET: command reply hostport tftp chat listing)}
SECS=${2:-60}
case "$TARGET" in command|reply|hostport|tftp|chat|listing) ;; *) echo "fuzz: unknown target $TARGET" >&2; exit 2 ;; esac
case "$SECS" in ''|*[!0-9]*) echo "fuzz: SECS must be a number" >&2; exit 2 ;; esac
ENGINE=${FUZZ_ENGINE:-afl}

if [ "$ENGINE" = afl ] && ! cargo afl --version >/dev/null 2>&1; then
  echo "fuzz: cargo-afl missing; installing it (a minute or two)" >&2
  if ! { cargo install cargo-afl --locked >&2 && cargo afl config --build >&2; }; then
    echo "fuzz: cargo-afl did not install; using the proptest runner" >&2
    ENGINE=proptest
  fi
fi
if [ "$ENGINE" != afl ]; then
  exec cargo run -q --release -p ftp-fuzz -- "$TARGET" --seconds "$SECS"
fi

(cd fuzz/afl && cargo afl build --release -q)
OUT=target/afl/$TARGET
mkdir -p "$OUT"
# No UI, no CPU-governor or core_pattern demands: this is a shared machine, not a fuzzing box.
AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=1 \
  FTP_FUZZ_TARGET=$TARGET cargo afl fuzz -i "fuzz/corpus/$TARGET" -o "$OUT" -V "$SECS" \
  fuzz/afl/target/release/ftp-fuzz-afl >"$OUT/afl.log" 2>&1 || {
  echo "fuzz: afl-fuzz failed; its log: $OUT/afl.log" >&2
  tail -n 20 "$OUT/afl.log" >&2
  exit 1
}
grep -E 'Statistics|crashes saved' "$OUT/afl.log" | tail -n 1 >&2 || true
found=0
for crash in "$OUT"/default/crashes/id:*; do
  [ -e "$crash" ] || continue
  name=crash-$(sha256sum "$crash" | cut -c1-16)
  cp "$crash" "fuzz/corpus/$TARGET/$name"
  echo "fuzz: $TARGET crashed on fuzz/corpus/$TARGET/$name" >&2
  found=1
done
[ "$found" = 0 ] || exit 1
echo "fuzz: $TARGET: no crash in ${SECS}s (AFL++)" >&2
