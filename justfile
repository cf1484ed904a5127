# FTP toolkit tasks. `just --list` shows them all.

# Run the whole test suite (what CI runs).
test:
    cargo test --workspace --all-targets

# Serve ./fixtures/root on port 2121 (read-only; add --write to allow uploads).
serve *ARGS:
    cargo run -p ftp-server -- --port 2121 --root ./fixtures/root {{ARGS}}

# Install vsftpd, pure-ftpd and proftpd (extracted from Debian, no service
# started) and smoke-test each one on loopback (needs root).
interop-servers:
    bash scripts/interop/smoke.sh

# Interop checks against third-party servers (recipes add themselves here).
interop: interop-servers interop-client interop-udp interop-conformance

# Run ftp-client against vsftpd, pure-ftpd and proftpd (login, ls, mkdir, put, get byte-exact,
# resume, active mode, shell script, rm, rmdir); prints a PASS/FAIL table per server (needs root).
interop-client:
    bash client/scripts/interop.sh

# TFTP interop: our udp-server against tftp-hpa's client and curl, our udp-client against
# tftpd-hpa (unpacked from Debian, run on a loopback port); PASS/FAIL table (needs root).
interop-udp:
    bash udp/scripts/interop.sh

# TFTP throughput on loopback: ours with windowsize 1 and 16 against tftpd-hpa, as MB/s and
# ratios (BENCH_SIZE_MB=64 by default; needs root to unpack tftpd-hpa).
bench-udp:
    bash udp/scripts/bench.sh

# All benchmarks vs vsftpd/pure-ftpd/proftpd, curl/lftp, tftp-hpa -> docs/benchmarks.md (root; BENCH_* env knobs).
bench:
    bash bench/scripts/bench.sh

# Every ftp-bench scenario, tiny, against our server only: checks each prints a figure (CI, seconds).
bench-smoke:
    bash bench/scripts/bench.sh --smoke

# Run ftp-conformance. No argument: build, start this project's server on a temporary root at port 0
# and run `--profile brief --strict` (with a fault file, so the 451 case runs); with a URL (and any
# ftp-conformance options): run against that server. `just conformance --help` lists the options.
conformance *ARGS:
    bash conformance/scripts/conformance.sh {{ARGS}}

# The conformance matrix: ftp-conformance against vsftpd, pure-ftpd, proftpd and this project's
# server; writes docs/conformance-matrix.md and fails on a failure not in
# conformance/known-deviations.toml (needs root).
interop-conformance:
    bash conformance/scripts/matrix.sh
