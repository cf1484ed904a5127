#!/usr/bin/env bash
# `just serve [ARGS...]`: ftp-server on port 2121 serving fixtures/root (after `just fixtures`).
# Read-only by default. With --write, the fixtures are copied into a new temporary directory and that
# copy is served (its path is printed), so uploads, renames and deletions never touch the tracked
# files. An explicit --root DIR is served as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fixtures.sh
root=fixtures/root
for arg in "$@"; do
  case "$arg" in
    --root | --root=*) root= ;;
  esac
done
if [ -n "$root" ]; then
  for arg in "$@"; do
    if [ "$arg" = "--write" ]; then
      root="$(mktemp -d "${TMPDIR:-/tmp}/ftp-serve.XXXXXX")"
      cp -R fixtures/root/. "$root/"
      echo "serve: --write: serving a copy of fixtures/root in $root (uploads land there)" >&2
      break
    fi
  done
  set -- --root "$root" "$@"
fi
exec cargo run -q -p ftp-server -- --port 2121 "$@"
