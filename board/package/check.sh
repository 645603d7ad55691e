#!/usr/bin/env bash
# check.sh DIST VERSION: checks the packages `build.sh package` put in DIST
# (build.sh test runs it; VERSION is what `ivrbox -version` must print).
#
#  1. each .deb: architecture, files, conffiles, maintainer scripts (sh -n, and
#     the same as board/package/deb/), and its binary runs -version (ARM under
#     qemu-user: armhf as an ARM1176, the Pi Zero/1 CPU);
#  2. each tarball: its files, owned by root, binary identical to dist/'s;
#  3. the systemd unit passes systemd-analyze verify; SHA256SUMS matches;
#  4. check-install.sh: the .deb and the tarball install, upgrade and purge
#     cleanly in a Debian root.
set -euo pipefail
export LC_ALL=C

dist=$1
version=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log() { printf '==> %s\n' "$*" >&2; }
fail() {
	printf 'package check FAILED: %s\n' "$*" >&2
	exit 1
}
# want WHAT GOT WANT fails unless GOT equals WANT.
want() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# run_for ARCH BINARY ARGS... runs a binary of that Debian architecture here.
run_for() {
	local arch=$1
	shift
	case "$arch:$(uname -m)" in
	amd64:x86_64 | arm64:aarch64) "$@" ;;
	armhf:*) qemu-arm-static -cpu arm1176 "$@" ;;
	arm64:*) qemu-aarch64-static "$@" ;;
	amd64:*) qemu-x86_64-static "$@" ;;
	esac
}

check_deb() {
	local arch=$1 deb x
	deb=$(ls "$dist"/ivrbox_*_"$arch".deb 2>/dev/null) || fail "no $arch .deb in $dist"
	want "$deb: packages" "$(wc -l <<<"$deb")" 1
	dpkg-deb --info "$deb" >/dev/null || fail "$deb: dpkg-deb --info"
	want "$deb: Package" "$(dpkg-deb -f "$deb" Package)" ivrbox
	want "$deb: Architecture" "$(dpkg-deb -f "$deb" Architecture)" "$arch"
	dpkg --validate-version "$(dpkg-deb -f "$deb" Version)" || fail "$deb: bad Version"
	want "$deb: Version" "$(dpkg-deb -f "$deb" Version)" "$(dpkg-deb -f "$dist"/ivrbox_*_amd64.deb Version)"
	local contents
	contents=$(dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}')
	for x in "-rwxr-xr-x root/root ./usr/bin/ivrbox" \
		"-rw-r--r-- root/root ./usr/lib/systemd/system/ivrbox.service" \
		"-rw-r--r-- root/root ./etc/default/ivrbox" \
		"-rw-r--r-- root/root ./usr/lib/udev/rules.d/60-ivrbox-leds.rules"; do
		grep -qxF -- "$x" <<<"$contents" || fail "$deb: no '$x' in: $contents"
	done
	x="$tmp/deb-$arch"
	mkdir -p "$x"
	dpkg-deb -e "$deb" "$x/DEBIAN"
	want "$deb: conffiles" "$(cat "$x/DEBIAN/conffiles")" /etc/default/ivrbox
	for s in postinst prerm postrm; do
		[ -x "$x/DEBIAN/$s" ] || fail "$deb: $s missing or not executable"
		cmp -s "$x/DEBIAN/$s" "$here/deb/$s" || fail "$deb: $s differs from board/package/deb/$s"
		sh -n "$x/DEBIAN/$s" || fail "$deb: $s: sh -n"
	done
	dpkg-deb -x "$deb" "$x"
	cmp -s "$x/usr/lib/systemd/system/ivrbox.service" "$here/ivrbox.service" || fail "$deb: unit differs"
	want "$deb: ivrbox -version" "$(run_for "$arch" "$x/usr/bin/ivrbox" -version)" "ivrbox $version"
}

check_tarball() {
	local a=$1 tgz name x
	tgz=$(ls "$dist"/ivrbox-*-linux-"$a".tar.gz 2>/dev/null) || fail "no linux-$a tarball in $dist"
	name=$(basename "$tgz" .tar.gz)
	want "$tgz: files" "$(tar -tzf "$tgz" | sort | tr '\n' ' ')" \
		"$name/ $name/60-ivrbox-leds.rules $name/INSTALL.md $name/install.sh $name/ivrbox $name/ivrbox.default $name/ivrbox.service "
	tar -tvzf "$tgz" --numeric-owner | awk '$2 != "0/0" {exit 1}' || fail "$tgz: files not owned by root"
	x="$tmp/tgz-$a"
	mkdir -p "$x"
	tar -C "$x" -xzf "$tgz"
	for f in install.sh ivrbox; do
		[ -x "$x/$name/$f" ] || fail "$tgz: $f not executable"
	done
	cmp -s "$x/$name/ivrbox" "$dist/ivrbox-linux-$a" || fail "$tgz: binary differs from $dist/ivrbox-linux-$a"
	cmp -s "$x/$name/ivrbox.service" "$here/ivrbox.service" || fail "$tgz: unit differs"
}

check_unit() {
	if ! command -v systemd-analyze >/dev/null; then
		log "package: SKIP systemd-analyze verify: systemd-analyze is not installed"
		return 0
	fi
	mkdir -p "$tmp/unit"
	sed "s#^ExecStart=/usr/bin/ivrbox #ExecStart=$tmp/deb-amd64/usr/bin/ivrbox #" "$here/ivrbox.service" >"$tmp/unit/ivrbox.service"
	local out
	out=$(systemd-analyze verify "$tmp/unit/ivrbox.service" 2>&1) || fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
}

log "package: .deb and tarball contents, binaries from the .debs (qemu for ARM)"
for f in "$here"/deb/* "$here/install.sh"; do
	sh -n "$f" || fail "$f: sh -n"
done
for arch in armhf arm64 amd64; do check_deb "$arch"; done
for a in armv6 arm64 amd64; do check_tarball "$a"; done
check_unit
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
for f in "$dist"/ivrbox-linux-* "$dist"/ivrbox_*.deb "$dist"/ivrbox-*.tar.gz; do
	grep -q "  $(basename "$f")\$" "$dist/SHA256SUMS" || fail "$f not in SHA256SUMS"
done

"$here/check-install.sh" "$dist" "$version"
