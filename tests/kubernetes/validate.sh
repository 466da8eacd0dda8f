#!/usr/bin/env bash
# Validates every manifest under deploy/kubernetes/ with kubernetes-validate (someone else's
# validator, pinned in tests/kubernetes/requirements.txt), --strict (an unknown field is an
# error) on the newest Kubernetes schema that version ships. A resource it has no schema for
# (a misspelt kind or apiVersion) is only a warning to it, and a duplicated key is silently
# dropped by YAML loaders: both fail here too.
# Usage: tests/kubernetes/validate.sh [MANIFEST_DIR] (default: deploy/kubernetes).
set -euo pipefail
cd "$(dirname "$0")/../.."
KUBERNETES_VERSION=1.37.0
dir="${1:-deploy/kubernetes}"
venv="$(tests/venv.sh tests/kubernetes/requirements.txt kubernetes)"

manifests=()
while IFS= read -r -d '' f; do manifests+=("$f"); done \
  < <(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)
if [ ${#manifests[@]} -eq 0 ]; then
  echo "no manifest under $dir" >&2
  exit 1
fi

# YAML syntax, with a duplicated mapping key an error (PyYAML, kubernetes-validate's parser).
"$venv/bin/python" - "${manifests[@]}" <<'PY'
import sys
import yaml

class Strict(yaml.SafeLoader):
    pass

def mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicated key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)

Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
failed = False
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            docs = [d for d in yaml.load_all(f, Loader=Strict) if d is not None]
        print("YAML %s: %d document(s)" % (path, len(docs)))
    except yaml.YAMLError as e:
        print("ERROR %s: %s" % (path, e))
        failed = True
sys.exit(1 if failed else 0)
PY

echo "kubernetes-validate $("$venv/bin/kubernetes-validate" --version), schema $KUBERNETES_VERSION, --strict"
out="$("$venv/bin/kubernetes-validate" --strict -k "$KUBERNETES_VERSION" "${manifests[@]}")" && rc=0 || rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
  exit "$rc"
fi
if grep -q '^WARN' <<<"$out"; then
  echo "kubernetes-validate warned: a resource above was not validated" >&2
  exit 1
fi
