#!/usr/bin/env bash
# check-install.sh DIST VERSION: installs and removes this machine's .deb and
# tarball from DIST in a Debian bookworm root (chroot, no systemd running, as
# on an image being built) and checks what each step leaves behind:
#
#   .deb: install (user ivrbox in group gpio, data dir, unit enabled, binary
#   runs as ivrbox), reinstall keeping an edited /etc/default/ivrbox, remove
#   (settings, data, user stay), purge (nothing of ivrbox stays).
#   install.sh: install, again, --prefix, --uninstall, --uninstall --purge,
#   and refusing to run over the .deb.
#
# The root comes from `debootstrap --variant=minbase`, kept as a tarball in
# IVRBOX_CACHE (default ~/.cache/ivrbox), so only the first run downloads.
# Skipped, saying why, when not root (nor passwordless sudo) or when Debian
# cannot be fetched. IVRBOX_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail
export LC_ALL=C

dist=$1
version=$2
cache=${IVRBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ivrbox}
mirror=${IVRBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

log() { printf '==> %s\n' "$*" >&2; }
skip() {
	log "package: SKIP install test in a Debian root: $*"
	exit 0
}
fail() {
	printf 'package install check FAILED: %s\n' "$*" >&2
	exit 1
}

as_root=""
if [ "$(id -u)" -ne 0 ]; then
	sudo -n true 2>/dev/null || skip "chroot needs root (run as root or with passwordless sudo)"
	as_root="sudo -n"
fi
arch=$(dpkg --print-architecture)
deb=$(ls "$dist"/ivrbox_*_"$arch".deb 2>/dev/null) || skip "no .deb for this machine's architecture $arch"
case $arch in armhf) a=armv6 ;; *) a=$arch ;; esac
tgz=$(ls "$dist"/ivrbox-*-linux-"$a".tar.gz) || fail "no linux-$a tarball in $dist"
name=$(basename "$tgz" .tar.gz)
command -v debootstrap >/dev/null || skip "debootstrap is not installed"

tmp=$(mktemp -d)
trap '$as_root rm -rf --one-file-system "$tmp"' EXIT
root=$tmp/root

# base_tarball makes the cached Debian root when it is not there yet.
base_tarball() {
	base=$cache/debian-$suite-minbase-$arch.tar.gz
	[ -s "$base" ] && return 0
	mkdir -p "$cache"
	log "package: debootstrap $suite ($arch) into the cache, once: $base"
	local t0=$SECONDS
	if ! $as_root debootstrap --variant=minbase --arch="$arch" "$suite" "$tmp/base" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
		tail -n 5 "$tmp/debootstrap.log" >&2
		skip "debootstrap $suite from $mirror failed (no network?); see the lines above"
	fi
	$as_root tar -C "$tmp/base" -czf "$base.$$" .
	$as_root chown "$(id -u):$(id -g)" "$base.$$"
	mv "$base.$$" "$base"
	$as_root rm -rf --one-file-system "$tmp/base"
	log "package: debootstrap and tarball took $((SECONDS - t0))s"
}

in_root() { $as_root chroot "$root" "$@"; }
# there PATH... / gone PATH...: paths inside the root exist / do not.
there() { for p; do in_root test -e "$p" -o -L "$p" || fail "$p missing in the root"; done; }
gone() { for p; do in_root test ! -e "$p" -a ! -L "$p" || fail "$p still in the root"; done; }
want() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# snapshot lists the root's files, but for logs, caches and package manager state.
snapshot() {
	$as_root find "$root" -xdev \( -path "$root/tmp" -o -path "$root/var/lib/dpkg" -o -path "$root/var/log" \
		-o -path "$root/var/cache" \) -prune -o -print | sed "s#^$root##" | grep -vE '^/etc/(passwd|group|shadow|gshadow)-$' | sort
}

# check_user says the ivrbox system user is there, in groups ivrbox and gpio.
check_user() {
	local pw
	pw=$(in_root getent passwd ivrbox) || fail "no user ivrbox"
	IFS=: read -r _ _ uid _ _ home shell <<<"$pw"
	[ "$uid" -lt 1000 ] || fail "ivrbox is not a system user (uid $uid)"
	want "ivrbox home" "$home" /var/lib/ivrbox
	want "ivrbox shell" "$shell" /usr/sbin/nologin
	want "ivrbox groups" "$(in_root id -nG ivrbox)" "ivrbox gpio"
	want "/var/lib/ivrbox" "$(in_root stat -c '%U:%G %a' /var/lib/ivrbox)" "ivrbox:ivrbox 750"
}

# check_runs BINARY says the binary runs as the ivrbox user and prints the version.
check_runs() {
	want "$1 -version" "$($as_root chroot --userspec=ivrbox:ivrbox "$root" "$1" -version)" "ivrbox $version"
}

# check_no_ivrbox says nothing of ivrbox is left in the root.
check_no_ivrbox() {
	! in_root getent passwd ivrbox >/dev/null || fail "user ivrbox left after $1"
	! in_root getent group ivrbox >/dev/null || fail "group ivrbox left after $1"
	local diff
	diff=$(comm -3 "$tmp/before" <(snapshot)) || true
	[ -z "$diff" ] || fail "files left or gone after $1: $diff"
}

deb_test() {
	log "package: .deb install, reinstall, remove, purge (chroot, $arch)"
	cp "$deb" "$root/tmp/ivrbox.deb"
	in_root dpkg -i /tmp/ivrbox.deb >/dev/null || fail "dpkg -i"
	check_user
	there /usr/bin/ivrbox /usr/lib/systemd/system/ivrbox.service /etc/default/ivrbox \
		/usr/lib/udev/rules.d/60-ivrbox-leds.rules /etc/systemd/system/multi-user.target.wants/ivrbox.service
	check_runs /usr/bin/ivrbox
	in_root sed -i 's/^IVRBOX_HTTP=.*/IVRBOX_HTTP=:8080/' /etc/default/ivrbox
	in_root dpkg -i /tmp/ivrbox.deb >/dev/null || fail "dpkg -i again"
	in_root grep -qx 'IVRBOX_HTTP=:8080' /etc/default/ivrbox || fail "reinstall replaced the edited /etc/default/ivrbox"
	check_user
	in_root touch /var/lib/ivrbox/ivrbox.db
	in_root dpkg -r ivrbox >/dev/null || fail "dpkg -r"
	gone /usr/bin/ivrbox /usr/lib/systemd/system/ivrbox.service
	there /etc/default/ivrbox /var/lib/ivrbox/ivrbox.db
	in_root getent passwd ivrbox >/dev/null || fail "dpkg -r removed the user"
	in_root dpkg --purge ivrbox >/dev/null || fail "dpkg --purge"
	check_no_ivrbox "dpkg --purge"
}

tarball_test() {
	log "package: install.sh install, again, --prefix, --uninstall, --purge (chroot, $a)"
	tar -C "$root/tmp" -xzf "$tgz"
	local sh=/tmp/$name/install.sh unit=/etc/systemd/system/ivrbox.service
	in_root "$sh" --no-start >/dev/null || fail "install.sh"
	in_root "$sh" >/dev/null || fail "install.sh a second time"
	check_user
	check_runs /usr/local/bin/ivrbox
	there /etc/default/ivrbox /etc/udev/rules.d/60-ivrbox-leds.rules
	in_root grep -q '^ExecStart=/usr/local/bin/ivrbox -data /var/lib/ivrbox ' "$unit" || fail "install.sh: ExecStart"
	want "enabled" "$(in_root readlink /etc/systemd/system/multi-user.target.wants/ivrbox.service)" "$unit"
	in_root sed -i 's/^IVRBOX_HTTP=.*/IVRBOX_HTTP=:8080/' /etc/default/ivrbox
	in_root "$sh" --prefix /opt/ivrbox >/dev/null || fail "install.sh --prefix"
	check_runs /opt/ivrbox/bin/ivrbox
	gone /usr/local/bin/ivrbox
	in_root grep -q '^ExecStart=/opt/ivrbox/bin/ivrbox ' "$unit" || fail "install.sh --prefix: ExecStart"
	in_root grep -qx 'IVRBOX_HTTP=:8080' /etc/default/ivrbox || fail "install.sh replaced the edited settings"
	in_root "$sh" --uninstall >/dev/null || fail "install.sh --uninstall"
	gone /opt/ivrbox "$unit" /etc/udev/rules.d/60-ivrbox-leds.rules \
		/etc/systemd/system/multi-user.target.wants/ivrbox.service
	there /etc/default/ivrbox /var/lib/ivrbox
	in_root "$sh" --uninstall --purge >/dev/null || fail "install.sh --uninstall --purge"
	in_root "$sh" --uninstall --purge >/dev/null || fail "install.sh --uninstall --purge a second time"
	check_no_ivrbox "install.sh --uninstall --purge"
	in_root dpkg -i /tmp/ivrbox.deb >/dev/null || fail "dpkg -i"
	! in_root "$sh" >/dev/null 2>&1 || fail "install.sh ran over the installed .deb"
	in_root dpkg --purge ivrbox >/dev/null || fail "dpkg --purge"
}

base_tarball
t0=$SECONDS
mkdir "$root"
$as_root tar -C "$root" -xzf "$base"
in_root groupadd --system gpio      # as on Raspberry Pi OS
in_root mkdir -p /etc/udev/rules.d # as with udev installed
snapshot >"$tmp/before"
deb_test
tarball_test
log "package: install test ok ($((SECONDS - t0))s)"
