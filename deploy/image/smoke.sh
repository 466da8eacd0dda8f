#!/usr/bin/env bash
# Proves the image built by deploy/image/build.sh from its contents, as Kubernetes would run it:
# its file system exported (podman create + podman export), mounted read-only (the manifests'
# readOnlyRootFilesystem) with a fresh tmpfs at /reports owned by 65532 (the shared volume), and
# its binaries run there under chroot as the image's user, with the image's environment and
# working directory: `--version` and `--help` of the three binaries, the smoke scenario (2 s,
# embedded simulator on 127.0.0.1) whose report must say PASS, then 1 s against the image's
# campaign-sim as a configured host, whose journal must be made on /reports. chroot, not `podman run`,
# because containers cannot start in this sandbox (see build.sh); everything runs in a private
# mount namespace (unshare), so no mount outlives the script.
# Usage: deploy/image/smoke.sh [IMAGE] (default campaign-harness/campaign-load:<workspace version>)
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

trap 'echo "deploy/image/smoke.sh: FAILED (exit $?) at line $LINENO: ${BASH_COMMAND%%$'"'"'\n'"'"'*}" >&2' ERR

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
IMAGE="${1:-campaign-harness/campaign-load:$VERSION}"
WORK="${IMAGE_WORK_DIR:-${CARGO_TARGET_DIR:-target}/image}"
ROOT="$(mkdir -p "$WORK" && cd "$WORK" && pwd)/smoke-rootfs"

[ "$(id -u)" -eq 0 ] || {
  echo "deploy/image/smoke.sh: run as root (chroot, mounts)" >&2
  exit 1
}

user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
workdir="$(podman image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")"
mapfile -t envs < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | sed '/^$/d')
echo "image $IMAGE: user $user, workdir $workdir, entrypoint $(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")"
printf '  env %s\n' "${envs[@]}"

env_file="$WORK/smoke.env"
rm -rf "$ROOT"
mkdir -p "$ROOT"
trap 'rm -rf "$ROOT" "$env_file"' EXIT
cid="$(podman create "$IMAGE")"
echo "+ podman export $cid | tar -C $ROOT -x"
podman export "$cid" | tar -C "$ROOT" -x
podman rm "$cid" >/dev/null

# In a private mount namespace: the exported tree read-only, /proc, /dev, and /reports a tmpfs
# owned by the image's user. Then each command as that user, in the image's environment.
export ROOT USER_SPEC="$user" WORKDIR="$workdir"
printf '%s\n' "${envs[@]}" >"$env_file"
export ENV_FILE="$env_file"
unshare --mount --propagation private bash -Eeuo pipefail <<'NS'
mount --bind "$ROOT" "$ROOT"
mount --make-private "$ROOT"
mount -t proc proc "$ROOT/proc"
mount --rbind /dev "$ROOT/dev"
mount -t tmpfs -o mode=0755,uid=65532,gid=65532,size=64m tmpfs "$ROOT/reports"
mount -o remount,bind,ro "$ROOT"
in_image() {
  local envs
  mapfile -t envs <"$ENV_FILE"
  printf '\n$ %s\n' "$*"
  env -i "${envs[@]}" HOME=/home/nonroot \
    chroot --userspec="$USER_SPEC" --groups="${USER_SPEC#*:}" "$ROOT" \
    /bin/sh -c 'cd "$0" && exec "$@"' "$WORKDIR" "$@"
}
in_image id
in_image sh -c 'touch /usr/local/bin/x 2>&1 || echo "root file system: read-only, as readOnlyRootFilesystem"'
in_image sh -c 'for tool in sh rm sleep cat tar; do command -v "$tool"; done'
in_image campaign-load --version
in_image sh -c 'campaign-contract --help | head -n 8'
in_image sh -c 'campaign-sim --help | head -n 8'
set +e
in_image campaign-load --scenario /usr/share/campaign-harness/scenarios/smoke.toml -t 2s \
  --report-file /reports/smoke.md 2>&1 | tee "$ROOT/reports/smoke.out"
rc=${PIPESTATUS[0]}
set -e
echo "campaign-load smoke: exit $rc"
in_image sh -c 'ls -lR /reports; grep -E "^\| *threshold|p95|error-rate" /reports/smoke.md'
fail() {
  echo "deploy/image/smoke.sh: $*" >&2
  exit 1
}
[ "$rc" -eq 0 ] || fail "the smoke run exited $rc"
grep -q '^PASS: every threshold held' "$ROOT/reports/smoke.out" || fail "no PASS verdict"
if grep -q FAIL "$ROOT/reports/smoke.md"; then fail "the report holds a FAIL"; fi

# A configured host (the image's campaign-sim on 127.0.0.1:18080, as the image's user): the
# campaigns started there are journaled in CAMPAIGN_HARNESS_JOURNAL_DIR, on the volume, which
# must be writable under the read-only root; a clean end leaves the folder empty.
mapfile -t envs <"$ENV_FILE"
printf '\n$ campaign-sim --addr 127.0.0.1:18080 &\n'
# A simple command, so that $! is campaign-sim itself (env and chroot exec it).
env -i "${envs[@]}" chroot --userspec="$USER_SPEC" --groups="${USER_SPEC#*:}" "$ROOT" \
  campaign-sim --addr 127.0.0.1:18080 >/dev/null 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null || true' EXIT
sleep 1
in_image env KORE_BASE_URL=http://127.0.0.1:18080 KORE_ACCOUNT_ID=acc KORE_APP_ID=app KORE_JWT=x \
  KORE_VOICE_CAMPAIGN_ID=load-1,load-2 campaign-load --quiet --allow-remote -u 2 -t 1s \
  --scenario /usr/share/campaign-harness/scenarios/smoke.toml --report-file /reports/remote.md 2>&1 |
  grep -v '\[INFO\]'
in_image sh -c 'ls -la "$CAMPAIGN_HARNESS_JOURNAL_DIR"'
[ -d "$ROOT/reports/journal" ] || fail "no journal folder made at /reports/journal"
[ -z "$(ls -A "$ROOT/reports/journal")" ] || fail "the journal still lists campaigns"
NS
echo "smoke in $IMAGE: PASS"
