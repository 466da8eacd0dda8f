#!/usr/bin/env bash
# Validates the committed OpenAPI documents with openapi-spec-validator (someone else's
# validator, pinned in tests/openapi/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="$(tests/venv.sh tests/openapi/requirements.txt openapi)"
"$venv/bin/openapi-spec-validator" --version 2>/dev/null || true
"$venv/bin/openapi-spec-validator" schemas/openapi/kore.json schemas/openapi/voicegenie.json
