#!/usr/bin/env bash
# `just fixtures`: generates the files of fixtures/root that are too big to commit: pub/big.bin (32 MiB),
# the file of the README's resume example (`get -c`). Deterministic text, so that every clone gets the
# same bytes; skipped when the file is already whole. Ignored by git (.gitignore).
set -euo pipefail
cd "$(dirname "$0")/.."
big=fixtures/root/pub/big.bin
size=$((32 * 1024 * 1024))
if [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" != "$size" ]; then
  # `yes` is stopped by SIGPIPE once head has enough: not a failure, so pipefail is off for this one.
  (set +o pipefail; yes 'ftp-toolkit: the large file of the resume example (get -c).' | head -c "$size") >"$big.part"
  mv "$big.part" "$big"
  echo "fixtures: wrote $big ($size bytes)" >&2
fi
