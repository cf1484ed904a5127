# FTP toolkit tasks. `just --list` shows them all.

# Run the whole test suite (what CI runs).
test:
    cargo test --workspace --all-targets

# Serve ./fixtures/root on port 2121 (read-only; add --write to allow uploads).
serve *ARGS:
    cargo run -p ftp-server -- --port 2121 --root ./fixtures/root {{ARGS}}
