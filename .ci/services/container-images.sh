# Shared by podman.sh and charliecloud.sh (sourced, not run): the test images as root filesystems.
#
# One Debian root filesystem is built with debootstrap (the only network this CI has is the
# Debian archive; the packages are cached too) and cached under $CONTAINER_CI_CACHE; every test image is a directory derived
# from it with hard links, so building all of them costs one debootstrap. Each has its name in
# /etc/parsl-ci-image:
#   py3        python3 + python3-dill: the minimum a Python container app needs
#   step1..3   py3 plus a tool /usr/local/bin/stepN found only there
#   nopython   py3 without python3: the "image has no usable Python" case
#   pool       py3 under its own name: the tests start an HTEX worker pool in it, with their
#              Python environment bind-mounted
shopt -s inherit_errexit   # a failed build inside $(...) stops the calling script
CONTAINER_CI_CACHE=${CONTAINER_CI_CACHE:-/var/cache/parsl-ci-containers}
CONTAINER_CI_IMAGES="py3 step1 step2 step3 nopython pool"

# rootfs_base: build (once) the cached debootstrap root filesystem; print its path.
rootfs_base() {
  local suite mirror root
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  root=$CONTAINER_CI_CACHE/rootfs-$suite
  if [ ! -f "$root/.complete" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    mirror=${MIRROR:-$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true;
                          grep -hs '^deb ' /etc/apt/sources.list || true; } | awk '{print $2}' | grep -v security | head -1)}
    [ -n "$mirror" ] || { echo "no Debian mirror in apt's sources; set MIRROR=" >&2; return 1; }
    rm -rf "$root.tmp"; mkdir -p "$CONTAINER_CI_CACHE/debs"
    debootstrap --variant=minbase --include=python3,python3-dill --cache-dir="$CONTAINER_CI_CACHE/debs" \
      "$suite" "$root.tmp" "$mirror" > "$CONTAINER_CI_CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CONTAINER_CI_CACHE/debootstrap.log" >&2; return 1; }
    rm -rf "$root.tmp/var/cache/apt/archives/"*.deb
    rm -rf "$root"; mv "$root.tmp" "$root"; touch "$root/.complete"
  fi
  echo "$root"
}

# rootfs_image NAME: the directory of test image NAME (derived from the base once); print its path.
rootfs_image() {
  local name=$1 base dir
  base=$(rootfs_base)
  dir=$CONTAINER_CI_CACHE/images/$name
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir.tmp"; mkdir -p "$CONTAINER_CI_CACHE/images"
    cp -al "$base" "$dir.tmp"; rm -f "$dir.tmp/.complete"
    echo "$name" > "$dir.tmp/etc/parsl-ci-image"
    case "$name" in
      step[0-9])
        printf '#!/bin/sh\n# a tool only image %s has: appends its name to each line of stdin\nsed "s/$/ %s/"\n' \
          "$name" "$name" > "$dir.tmp/usr/local/bin/$name"
        chmod 755 "$dir.tmp/usr/local/bin/$name" ;;
      nopython) rm -f "$dir.tmp"/usr/bin/python3* ;;
      py3|pool) ;;
      *) echo "unknown test image $name" >&2; return 1 ;;
    esac
    mv "$dir.tmp" "$dir"; touch "$dir/.complete"
  fi
  echo "$dir"
}
