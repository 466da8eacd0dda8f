#!/usr/bin/env bash
# Checks the GitHub Actions workflows with someone else's tools, pinned in
# tests/workflows/requirements.txt: check-jsonschema validates each against its vendored schema
# of GitHub's workflow format (offline), and zizmor audits them for security (offline: every
# action pinned to a commit, checkout credentials not persisted, no expression injected into a
# shell). actionlint is not used: its PyPI package builds by downloading a binary from GitHub.
# Usage: tests/workflows/lint.sh [WORKFLOW...] (default: .github/workflows/*.yml).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="$(tests/venv.sh tests/workflows/requirements.txt workflows)"

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(.github/workflows/*.yml)
fi

# Linters that find nothing wrong anywhere prove nothing: each must refuse a known-bad workflow.
bad="$(mktemp -d)"
trap 'rm -rf "$bad"' EXIT
mkdir -p "$bad/.github/workflows"
cat >"$bad/.github/workflows/bad.yml" <<'YML'
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
YML
if "$venv/bin/zizmor" --offline --quiet "$bad/.github/workflows/bad.yml" >/dev/null 2>&1; then
  echo "zizmor passed an unpinned action and an injected title: it is not auditing" >&2
  exit 1
fi
printf 'on: push\njobs: {j: {runs-on: 3}}\n' >"$bad/.github/workflows/syntax.yml"
if "$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$bad/.github/workflows/syntax.yml" >/dev/null 2>&1; then
  echo "check-jsonschema passed a job without steps: it is not validating" >&2
  exit 1
fi

"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${files[@]}"
"$venv/bin/zizmor" --offline "${files[@]}"
echo "workflows: ${files[*]} clean ($("$venv/bin/zizmor" --version), check-jsonschema $("$venv/bin/check-jsonschema" --version | sed 's/.*version //'))"
