#!/usr/bin/env bash
# Lints the root Containerfile with hadolint (someone else's linter, pinned in
# tests/image/requirements.txt; settings in tests/image/hadolint.yaml: every finding fails, and
# the OCI labels must be there). Building the image needs podman and root (deploy/image/build.sh)
# and is not done here.
# Usage: tests/image/lint.sh [CONTAINERFILE...] (default: Containerfile).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${CARGO_TARGET_DIR:-target}/py-hadolint"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
# Already satisfied pins make this a quick no-op.
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/image/requirements.txt >&2

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(Containerfile)
fi
hadolint=("$venv/bin/hadolint" --no-color --config tests/image/hadolint.yaml)

# A linter that finds nothing wrong anywhere proves nothing: it must flag an untagged base.
if printf 'FROM debian\n' | "${hadolint[@]}" - >/dev/null 2>&1; then
  echo "hadolint passed an untagged FROM: it is not linting" >&2
  exit 1
fi

echo "$("$venv/bin/hadolint" --version), ${files[*]}"
"${hadolint[@]}" "${files[@]}"
echo "hadolint: ${files[*]} clean"
