# FTP toolkit tasks. `just --list` shows them all, one line each: the comment line right above a recipe
# is its description (just shows only that line), so longer notes sit above it after a blank line.

# Run the whole test suite, as CI does (about 2 minutes on 2 cores).
test:
    cargo test --workspace --all-targets

# Generate the fixture files too big to commit (fixtures/root/pub/big.bin, 32 MiB).
fixtures:
    bash scripts/fixtures.sh

# Serve fixtures/root on port 2121, read-only; --write serves a temporary copy instead.
serve *ARGS:
    bash scripts/serve.sh {{ARGS}}

# The three servers are extracted from their Debian packages; no service is started.

# Install vsftpd, pure-ftpd and proftpd and smoke-test each on loopback (needs root and apt).
interop-servers:
    bash scripts/interop/smoke.sh

# Every interop check against third-party servers and clients, as CI runs them (needs root and apt; a few minutes).
interop: interop-servers interop-client interop-udp interop-conformance interop-tls interop-client-conformance

# Check our server's FTPS with curl, lftp and Python ftplib on loopback; prints a PASS/FAIL table (root for apt).
interop-tls:
    bash server/scripts/interop-tls.sh

# Checks: login, ls, mkdir, put, get byte-exact, resume, active mode, shell script, rm, rmdir.

# Run ftp-client against vsftpd, pure-ftpd and proftpd, plain and with TLS required (explicit; implicit
# where offered); prints a PASS/FAIL table per server and mode (needs root).
interop-client:
    bash client/scripts/interop.sh

# Our udp-server against tftp-hpa's client and curl; our udp-client against tftpd-hpa (unpacked from
# Debian, run on a loopback port).

# Check the TFTP server and client against tftp-hpa and curl; prints a PASS/FAIL table (needs root).
interop-udp:
    bash udp/scripts/interop.sh

# BENCH_SIZE_MB=64 and BENCH_RUNS=3 by default; ours and tftpd-hpa with both clients, medians of the runs.

# Measure TFTP throughput on loopback against tftpd-hpa, as MB/s and ratios (needs root).
bench-udp:
    bash udp/scripts/bench.sh

# All benchmarks vs vsftpd/pure-ftpd/proftpd (FTPS vs vsftpd), curl/lftp, tftp-hpa -> docs/benchmarks.md (root; BENCH_* env knobs).
bench:
    bash bench/scripts/bench.sh

# Every ftp-bench scenario, tiny, plain and FTPS, against our server only: checks each prints a figure (CI, seconds).
bench-smoke:
    bash bench/scripts/bench.sh --smoke

# Options: --release, --server vsftpd (root), --url URL --root DIR [--server-pid PID]; the rest goes to
# `ftp-bench soak` (--sessions 1000, --minutes, --seed, --max-size 64MiB, ...). Exit 4 on any anomaly.

# Soak a server through the fault proxy (default: ours, 1000 sessions), then check nothing was lost.
soak *ARGS:
    bash bench/scripts/soak.sh {{ARGS}}

# The soak as CI runs it: ours, seeded, 500 sessions, files up to 2 MiB (about a minute).
soak-smoke:
    bash bench/scripts/soak.sh --smoke

# Engine: AFL++ via cargo-afl (installed on first use), or the proptest runner (FUZZ_ENGINE=proptest,
# or when cargo-afl cannot install). Crashes are saved to fuzz/corpus/TARGET/ and replayed by `just test`.

# Fuzz one parser (command, reply, hostport, tftp, chat) for SECS seconds; saves crashing inputs.
fuzz TARGET SECS='60':
    bash fuzz/scripts/fuzz.sh {{TARGET}} {{SECS}}

# Every fuzz target for 5 s over its saved corpus and fresh generated inputs (CI).
fuzz-smoke:
    bash fuzz/scripts/fuzz.sh --smoke

# No argument: build, start this project's server on a temporary root at port 0 and run
# `--profile brief --strict` with a fault file, so the 451 case runs; the server's log goes to a file.
# With a URL and any ftp-conformance options: run against that server.

# Run the conformance suite against our server, or against ftp://user:pass@host:port/ (see --help).
conformance *ARGS:
    bash conformance/scripts/conformance.sh {{ARGS}}

# Writes docs/conformance-matrix.md and .html: each server plaintext and FTPS, profiles rfc and brief,
# --repeat 3; fails on a failure not in conformance/known-deviations.toml (about 4-5 minutes).

# Build the conformance matrix of vsftpd, pure-ftpd, proftpd and ours, plain and FTPS (needs root).
interop-conformance:
    bash conformance/scripts/matrix.sh

# Writes docs/client-conformance-matrix.md; fails on a client failure not in conformance/known-deviations.toml.

# Judge ftp-client, curl and lftp with `ftp-conformance client` (scripted servers on loopback; root for apt).
interop-client-conformance:
    bash conformance/scripts/client-matrix.sh
