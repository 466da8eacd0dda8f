#!/usr/bin/env bash
# Lints the root Containerfile with hadolint (someone else's linter, pinned in
# tests/image/requirements.txt; settings in tests/image/hadolint.yaml: every finding fails, and
# the OCI labels must be there). Building the image needs podman and root (deploy/image/build.sh)
# and is not done here.
# Usage: tests/image/lint.sh [CONTAINERFILE...] (default: Containerfile).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="$(tests/venv.sh tests/image/requirements.txt hadolint)"

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
