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
interop: interop-servers interop-client interop-udp

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

# All benchmarks: each prints its figures and ratios against a peer measured in the same run.
bench: bench-udp
