#!/usr/bin/env bash
# Builds a minimal Debian base image without pulling from any image registry: debootstrap fetches
# Debian packages, `docker import` turns the tree into an image. For machines (like CI here) that
# reach Debian's mirrors but no image registry.
#   usage: scripts/make-base-image.sh [TAG] [SUITE]
set -euo pipefail
tag=${1:-swarm-base:bookworm}
suite=${2:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag already present" >&2; exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
root=$(mktemp -d /tmp/swarm-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite into $root (a few minutes)" >&2
debootstrap --variant=minbase --include=ca-certificates,curl "$suite" "$root" "$mirror" >&2
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" --numeric-owner -c . | docker import -c 'CMD ["/bin/bash"]' - "$tag" >&2
echo "built base image $tag" >&2
