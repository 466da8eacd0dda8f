#!/usr/bin/env bash
# Makes (or reuses) a venv holding the pinned tools of tests/openapi/requirements.txt and prints
# its path. Usage: tests/openapi/venv.sh [VENV_DIR] (default: ${CARGO_TARGET_DIR:-target}/py-openapi).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${1:-${CARGO_TARGET_DIR:-target}/py-openapi}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
# Already satisfied pins make this a quick no-op.
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/openapi/requirements.txt >&2
echo "$venv"
