#!/usr/bin/env bash
# Install the third-party FTP servers used by the interop harness:
# vsftpd, pure-ftpd and proftpd, from Debian, without starting anything.
#
#   scripts/interop/install.sh [NAME...]     (default: all three)
#
# The three Debian packages conflict (each Provides ftp-server) and their
# maintainer scripts would start a daemon on port 21, so none of them is
# installed: each is fetched with `apt-get download` and unpacked with
# `dpkg -x` into $FTP_INTEROP_DIR/pkg/NAME (default /tmp/ftp-interop).
# Shared libraries the unpacked binaries lack (`ldd` says "not found") are
# installed with apt-get from the package's own Depends (plain libraries, no
# services; a policy-rc.d returning 101 guards the run all the same).
# Also creates the system user `ftp` that anonymous sessions run as.
#
# Idempotent: when every binary is present and links, it does nothing and
# needs no network.  Variables: FTP_INTEROP_DIR (see common.sh).  Must run as root.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || interop_die "install.sh must run as root"

if [ "$#" -gt 0 ]; then
  servers=("$@")
else
  servers=("${INTEROP_SERVERS[@]}")
fi
for s in "${servers[@]}"; do interop_check_name "$s"; done

# Sonames a server's binaries cannot resolve (empty when it is ready to run).
missing_libs() {
  local s="$1" dir b
  dir="$(interop_pkgdir "$s")"
  {
    for b in $(interop_binaries "$s"); do
      [ -x "$dir/$b" ] || { echo "MISSING-BINARY:$b"; continue; }
      ldd "$dir/$b" 2>/dev/null | awk '/not found/ {print $1}'
    done
    for b in $(interop_modules "$s"); do
      [ -f "$dir/$b" ] || { echo "MISSING-BINARY:$b"; continue; }
      ldd "$dir/$b" 2>/dev/null | awk '/not found/ {print $1}'
    done
  } | sort -u
}

is_ready() { [ -d "$(interop_pkgdir "$1")" ] && [ -z "$(missing_libs "$1")" ]; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    echo "interop: apt-get update" >&2
    apt-get update -qq
    apt_updated=1
  fi
}

# Never let a package start a service, should one of its scripts try.
policy_created=0
guard_services() {
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# created by scripts/interop/install.sh for the duration of its run\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
}
cleanup() { if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

ensure_ftp_user() {
  if ! getent passwd "$INTEROP_FTP_USER" >/dev/null; then
    local group_opt=(--user-group)
    if getent group "$INTEROP_FTP_USER" >/dev/null; then group_opt=(--gid "$INTEROP_FTP_USER"); fi
    useradd --system "${group_opt[@]}" --home-dir /srv/ftp --no-create-home \
      --shell /usr/sbin/nologin --comment "anonymous FTP (interop harness)" "$INTEROP_FTP_USER"
    echo "interop: created system user $INTEROP_FTP_USER" >&2
  fi
  # vsftpd changes into the user's home before its anon_root: it must exist
  # (Debian's own postinst makes /srv/ftp, root-owned, for the same reason).
  local home
  home="$(getent passwd "$INTEROP_FTP_USER" | cut -d: -f6)"
  if [ -n "$home" ] && [ ! -d "$home" ]; then
    mkdir -p "$home"
    chmod 755 "$home"
  fi
}

# The newest downloaded .deb of package $1 (empty if none).
newest_deb() {
  find "$FTP_INTEROP_DIR/debs" -maxdepth 1 -name "${1}_*.deb" | sort -V | tail -n1
}

extract() {
  local s="$1" pkg deb dir tmp
  dir="$(interop_pkgdir "$s")"
  mkdir -p "$FTP_INTEROP_DIR/debs"
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for pkg in $(interop_packages "$s"); do
    deb="$(newest_deb "$pkg")"
    if [ -z "$deb" ]; then
      apt_update_once
      (cd "$FTP_INTEROP_DIR/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
      deb="$(newest_deb "$pkg")"
      [ -n "$deb" ] || interop_die "apt-get download $pkg gave no .deb"
    fi
    echo "interop: unpacking $(basename "$deb")" >&2
    dpkg -x "$deb" "$tmp"
  done
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# lib* packages that the Debian packages of servers "$@" depend on and that
# are not installed.
missing_lib_packages() {
  local s pkg dep
  for s in "$@"; do
    for pkg in $(interop_packages "$s"); do
      apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "$pkg" | awk '$1 ~ /Depends:$/ {print $2}' |
        while read -r dep; do
          case "$dep" in lib*) installed "$dep" || echo "$dep" ;; esac
        done
    done
  done | sort -u
}

# One install at a time (the client and the conformance suite may both call it).
mkdir -p "$FTP_INTEROP_DIR"
exec 9>"$FTP_INTEROP_DIR/install.lock"
flock 9

ensure_ftp_user
pending=()
for s in "${servers[@]}"; do
  if is_ready "$s"; then
    echo "interop: $s ready in $(interop_pkgdir "$s")" >&2
    continue
  fi
  # Unpack when absent, or again when a binary is missing from an old tree.
  if [ ! -d "$(interop_pkgdir "$s")" ] || missing_libs "$s" | grep -q '^MISSING-BINARY:'; then
    extract "$s"
  fi
  if [ -z "$(missing_libs "$s")" ]; then
    echo "interop: $s ready in $(interop_pkgdir "$s")" >&2
  else
    pending+=("$s")
  fi
done

# One apt-get install for every library any unpacked server lacks.
if [ "${#pending[@]}" -gt 0 ]; then
  apt_update_once
  mapfile -t libs < <(missing_lib_packages "${pending[@]}")
  if [ "${#libs[@]}" -gt 0 ]; then
    echo "interop: installing libraries for ${pending[*]}: ${libs[*]}" >&2
    guard_services
    apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends "${libs[@]}" >/dev/null
  fi
  for s in "${pending[@]}"; do
    still="$(missing_libs "$s" | tr '\n' ' ')"
    [ -z "$still" ] || interop_die "$s still cannot run, missing: $still"
    echo "interop: $s ready in $(interop_pkgdir "$s")" >&2
  done
fi
