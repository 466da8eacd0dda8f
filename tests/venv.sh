#!/usr/bin/env bash
# Makes (or reuses) a venv holding the pinned tools of a requirements file and prints its path:
# the one way the checks under tests/ get the Python tools they run (OpenAPI validators and
# Schemathesis, kubernetes-validate, hadolint, check-jsonschema and zizmor).
# Usage: tests/venv.sh REQUIREMENTS NAME   (the venv is ${CARGO_TARGET_DIR:-target}/py-NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="$1"
venv="${CARGO_TARGET_DIR:-target}/py-$2"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
# Already satisfied pins make this a quick no-op.
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
echo "$venv"
