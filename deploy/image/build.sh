#!/usr/bin/env bash
# Builds the image campaign-harness/campaign-load:<workspace version> from the root Containerfile
# with podman, on a machine that reaches Debian's archive and crates.io but no image registry:
#
#   1. the runtime base, localhost/campaign-harness/debian:bookworm-minbase: `debootstrap
#      --variant=minbase bookworm` plus ca-certificates (campaign-load's TLS client trusts the
#      platform's roots), apt's caches, docs, man pages and locales removed, `podman import`ed;
#   2. the builder base, localhost/campaign-harness/rust-builder:bookworm: the same minbase plus
#      gcc, libc6-dev, make and pkg-config (aws-lc-sys compiles AWS-LC with its cc builder: no
#      cmake), and this machine's Rust toolchain (`rustc --print sysroot`, docs left out) under
#      /usr/local/rustup with the rustup proxies in /usr/local/cargo/bin, the layout of the
#      official rust images (Debian's rustc is too old for edition 2024);
#   3. `podman build` of the Containerfile, tagged campaign-harness/campaign-load:<version>.
#
# A base that already exists is kept (REBUILD_BASES=1 makes both anew, e.g. after a toolchain
# update).
#
# Crates: the build is offline. `cargo vendor --locked` on the host (cargo's own download, with
# the host's proxy and CA settings, or its registry cache) writes every crate of Cargo.lock to
# $IMAGE_WORK_DIR/vendor, which podman gets as the extra build context "vendor"
# (--build-context) and the builder stage bind-mounts: never committed, never in a layer. It is
# kept for the next build while Cargo.lock is unchanged (about 500 MB, every platform's crates;
# `rm -rf target/image` reclaims it). Fetching inside the build fails here: this sandbox's HTTPS
# egress is re-signed by a CA only the host trusts, so the builder's cargo refuses crates.io's
# certificate. target/ is a cache mount (id campaign-harness-target): a rebuild after a source
# change recompiles only what changed.
#
# Isolation: where `podman run` cannot start a container, the RUN steps use --isolation=chroot
# (here: the OCI runtimes' setrlimit of podman's default RLIMIT_NOFILE/NPROC is refused without
# CAP_SYS_RESOURCE, and crun refuses hybrid cgroups). PODMAN_ISOLATION=oci|chroot forces one.
#
# Needs root (debootstrap) and Debian's debootstrap, podman, buildah, crun or runc,
# fuse-overlayfs and uidmap:
#   apt-get install --no-install-recommends debootstrap podman buildah crun runc fuse-overlayfs uidmap
#
# Usage: deploy/image/build.sh
# Environment: IMAGE_WORK_DIR (default target/image: root filesystems while a base is made,
# removed once imported, and the vendored crates), DEBIAN_MIRROR (default http://deb.debian.org/debian),
# CARGO_BUILD_JOBS (default 2), REBUILD_BASES=1, PODMAN_ISOLATION.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

trap 'echo "deploy/image/build.sh: FAILED (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

step() { printf '\n==> %s\n' "$*" >&2; }
die() {
  echo "deploy/image/build.sh: $*" >&2
  exit 1
}
run() {
  printf '+ %s\n' "$*" >&2
  "$@" || die "FAILED (exit $?): $*"
}

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
[ -n "$VERSION" ] || die "no version in Cargo.toml's [workspace.package]"
IMAGE="campaign-harness/campaign-load:$VERSION"
RUNTIME_BASE=localhost/campaign-harness/debian:bookworm-minbase
BUILDER_BASE=localhost/campaign-harness/rust-builder:bookworm
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
WORK="${IMAGE_WORK_DIR:-${CARGO_TARGET_DIR:-target}/image}"
JOBS="${CARGO_BUILD_JOBS:-2}"
mkdir -p "$WORK"

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap makes root-owned file systems)"
for tool in debootstrap podman tar cargo; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool not found: apt-get install --no-install-recommends debootstrap podman buildah crun runc fuse-overlayfs uidmap"
done

# Makes a minbase root filesystem in $WORK/$1 holding the packages $2 (comma-separated) and
# trims what no container reads: apt's package cache and lists, docs (but not the copyright
# files), man and info pages, locales, and the host's resolver and name, which podman supplies.
make_rootfs() {
  local dir="$WORK/$1" include="$2"
  rm -rf "$dir"
  printf '+ debootstrap --variant=minbase --include=%s %s %s %s\n' "$include" "$SUITE" "$dir" "$MIRROR" >&2
  debootstrap --variant=minbase --include="$include" "$SUITE" "$dir" "$MIRROR" \
    >"$dir.debootstrap.log" 2>&1 || {
    tail -n 20 "$dir.debootstrap.log" >&2
    die "debootstrap failed; the whole log: $dir.debootstrap.log"
  }
  echo "debootstrap: $(tail -n 1 "$dir.debootstrap.log")" >&2
  rm -f "$dir.debootstrap.log"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
    "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* "$dir"/var/log/*.log
  find "$dir/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
  : >"$dir/etc/resolv.conf"
  echo localhost >"$dir/etc/hostname"
}

# podman import of $WORK/$1 as $2, with the image settings $3...; the root filesystem and its
# tarball are removed.
import_rootfs() {
  local dir="$WORK/$1" tag="$2"
  shift 2
  local changes=()
  for change in "$@"; do changes+=(--change "$change"); done
  run tar --numeric-owner -C "$dir" -cf "$dir.tar" .
  rm -rf "$dir"
  run podman import "${changes[@]}" "$dir.tar" "$tag" >/dev/null
  rm -f "$dir.tar"
  podman image ls "$tag" >&2
}

have_image() { [ "${REBUILD_BASES:-0}" != 1 ] && podman image exists "$1"; }

step "runtime base $RUNTIME_BASE"
if have_image "$RUNTIME_BASE"; then
  echo "exists: kept (REBUILD_BASES=1 makes it anew)" >&2
else
  make_rootfs minbase ca-certificates
  import_rootfs minbase "$RUNTIME_BASE" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'CMD ["/bin/sh"]'
fi

step "builder base $BUILDER_BASE"
if have_image "$BUILDER_BASE"; then
  echo "exists: kept (REBUILD_BASES=1 makes it anew)" >&2
else
  for tool in rustc rustup; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "the builder base copies this machine's Rust toolchain: $tool must be on PATH"
  done
  toolchain_dir="$(rustc --print sysroot)"
  toolchain="$(basename "$toolchain_dir")"
  rust_version="$(rustc --version)"
  [ -x "$toolchain_dir/bin/cargo" ] || die "no cargo in $toolchain_dir"
  echo "toolchain: $toolchain_dir ($rust_version)" >&2
  make_rootfs builder ca-certificates,gcc,libc6-dev,make,pkg-config
  root="$WORK/builder"
  mkdir -p "$root/usr/local/rustup/toolchains/$toolchain" "$root/usr/local/cargo/bin"
  printf '+ tar -C %s --exclude=./share/doc -c . | tar -C %s -x\n' "$toolchain_dir" \
    "$root/usr/local/rustup/toolchains/$toolchain" >&2
  tar -C "$toolchain_dir" --exclude=./share/doc -c . | tar -C "$root/usr/local/rustup/toolchains/$toolchain" -x
  run install -m 0755 "$(command -v rustup)" "$root/usr/local/cargo/bin/rustup"
  for proxy in cargo rustc rustdoc cargo-clippy clippy-driver cargo-fmt rustfmt; do
    if [ -e "$toolchain_dir/bin/$proxy" ]; then ln -s rustup "$root/usr/local/cargo/bin/$proxy"; fi
  done
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\nauto_self_update = "disable"\n' \
    "$toolchain" >"$root/usr/local/rustup/settings.toml"
  import_rootfs builder "$BUILDER_BASE" \
    'ENV RUSTUP_HOME=/usr/local/rustup' 'ENV CARGO_HOME=/usr/local/cargo' \
    'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "LABEL org.opencontainers.image.description=Debian $SUITE minbase with gcc and $rust_version" \
    'CMD ["/bin/sh"]'
fi

step "isolation of the build's RUN steps"
isolation="${PODMAN_ISOLATION:-}"
if [ -z "$isolation" ]; then
  if podman run --rm --network=none "$RUNTIME_BASE" /bin/true >/dev/null 2>"$WORK/probe.err"; then
    isolation=oci
  else
    echo "podman run cannot start a container here: $(tail -n 1 "$WORK/probe.err")" >&2
    isolation=chroot
  fi
  rm -f "$WORK/probe.err"
fi
echo "isolation: $isolation" >&2

step "crates: cargo vendor into $WORK/vendor"
# Kept between builds while Cargo.lock is unchanged: vendoring anew gives every file a new mtime,
# and aws-lc-sys's build script (rerun-if-changed=aws-lc/) would rebuild AWS-LC each time.
lock_sum="$(sha256sum Cargo.lock | cut -d' ' -f1)"
if [ -f "$WORK/vendor/.cargo-lock.sha256" ] && [ "$(cat "$WORK/vendor/.cargo-lock.sha256")" = "$lock_sum" ]; then
  echo "kept: vendored from this Cargo.lock" >&2
else
  rm -rf "$WORK/vendor"
  run cargo vendor --locked --versioned-dirs --quiet "$WORK/vendor" >/dev/null
  echo "$lock_sum" >"$WORK/vendor/.cargo-lock.sha256"
fi
echo "$(find "$WORK/vendor" -mindepth 1 -maxdepth 1 -type d | wc -l) crates, $(du -sh "$WORK/vendor" | cut -f1)" >&2

step "podman build $IMAGE"
build_args=(--build-arg "VERSION=$VERSION" --build-arg "CARGO_BUILD_JOBS=$JOBS")
if revision="$(git rev-parse HEAD 2>/dev/null)"; then
  if [ -n "$(git status --porcelain 2>/dev/null)" ]; then revision="$revision-dirty"; fi
  build_args+=(--build-arg "REVISION=$revision")
fi
if source_url="$(git remote get-url origin 2>/dev/null)"; then
  build_args+=(--build-arg "SOURCE=$source_url")
fi
run podman build --isolation="$isolation" --layers --file Containerfile --tag "$IMAGE" \
  --build-context "vendor=$WORK/vendor" "${build_args[@]}" .

step "done"
podman image ls "$IMAGE"
echo "$IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes" >&2
