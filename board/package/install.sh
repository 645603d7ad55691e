#!/bin/sh
# install.sh: install ivrbox from this tarball on a Linux with systemd
# (Raspberry Pi OS, Debian, Ubuntu...). Run it as root from the unpacked folder.
#
#   ./install.sh                      install or upgrade, enable and (re)start the service
#   ./install.sh --prefix /opt/ivrbox binary in PREFIX/bin (default /usr/local)
#   ./install.sh --no-start           install and enable, but do not start it now
#   ./install.sh --uninstall          stop and remove the service and the binary;
#                                     settings and data stay
#   ./install.sh --uninstall --purge  also remove /etc/default/ivrbox,
#                                     /var/lib/ivrbox and the ivrbox user
#
# Running it again is safe. Without a running systemd (an image being built, a
# chroot) the service is enabled and starts at the next boot.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr/local
start=yes
uninstall=no
purge=no
unit=/etc/systemd/system/ivrbox.service
wants=/etc/systemd/system/multi-user.target.wants/ivrbox.service
rules=/etc/udev/rules.d/60-ivrbox-leds.rules
settings=/etc/default/ivrbox
data=/var/lib/ivrbox

say() { printf 'ivrbox: %s\n' "$*"; }
die() {
	printf 'ivrbox: %s\n' "$*" >&2
	exit 1
}
usage() { sed -n '2,15s/^# \{0,1\}//p' "$0"; }
running_systemd() { [ -d /run/systemd/system ]; }

while [ $# -gt 0 ]; do
	case "$1" in
	--prefix)
		[ $# -ge 2 ] || die "--prefix needs a directory"
		prefix=$2
		shift
		;;
	--prefix=*) prefix=${1#--prefix=} ;;
	--no-start) start=no ;;
	--uninstall) uninstall=yes ;;
	--purge) purge=yes ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown option $1 (try --help)" ;;
	esac
	shift
done
case "$prefix" in
*[!A-Za-z0-9/._-]*) die "--prefix: use letters, digits and / . _ - only, not $prefix" ;;
/*) ;;
*) die "--prefix must be an absolute path, not $prefix" ;;
esac
[ "$purge" = no ] || [ "$uninstall" = yes ] || die "--purge goes with --uninstall"
[ "$(id -u)" -eq 0 ] || die "run me as root (sudo $0)"
if dpkg-query -W -f '${Status}' ivrbox 2>/dev/null | grep -q 'ok installed'; then
	die "the ivrbox .deb package is installed: use apt (sudo apt remove ivrbox) instead"
fi

# create_user makes the ivrbox system user, in group gpio when there is one.
create_user() {
	if ! getent passwd ivrbox >/dev/null; then
		say "creating system user ivrbox"
		useradd --system --user-group --home-dir "$data" --no-create-home \
			--shell /usr/sbin/nologin --comment "ivrbox SIP IVR" ivrbox
	fi
	if getent group gpio >/dev/null; then
		usermod -a -G gpio ivrbox
	fi
	install -d -o ivrbox -g ivrbox -m 0750 "$data"
}

# put SRC DST MODE replaces DST atomically (a running binary stays intact, a
# symlink at DST is replaced, not followed).
put() {
	install -D -m "$3" "$1" "$2.new.$$"
	mv -f "$2.new.$$" "$2"
}

# installed_binary is the binary the installed unit runs, if any.
installed_binary() {
	sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit" 2>/dev/null || true
}

# remove_binary PATH removes an installed ivrbox binary, and its folders when
# they are ivrbox's own (/opt/NAME/bin).
remove_binary() {
	case "$1" in
	*/ivrbox) rm -f "$1" ;;
	*) return 0 ;;
	esac
	case "$1" in
	/opt/*/bin/ivrbox) rmdir "${1%/ivrbox}" "${1%/bin/ivrbox}" 2>/dev/null || true ;;
	esac
}

do_install() {
	for f in ivrbox ivrbox.service ivrbox.default 60-ivrbox-leds.rules; do
		[ -f "$here/$f" ] || die "$here/$f is missing: run me from the unpacked tarball"
	done
	v=$("$here/ivrbox" -version 2>/dev/null) ||
		die "$here/ivrbox does not run on this $(uname -m) machine: is this the right tarball?"
	create_user
	old=$(installed_binary)
	say "installing $prefix/bin/ivrbox ($v)"
	put "$here/ivrbox" "$prefix/bin/ivrbox" 0755
	if [ -n "$old" ] && [ "$old" != "$prefix/bin/ivrbox" ]; then
		say "removing the previous $old"
		remove_binary "$old"
	fi
	tmp=$(mktemp)
	sed "s#^ExecStart=/usr/bin/ivrbox #ExecStart=$prefix/bin/ivrbox #" "$here/ivrbox.service" >"$tmp"
	put "$tmp" "$unit" 0644
	rm -f "$tmp"
	if [ -d /etc/udev ]; then # no udev, no LEDs to give access to
		put "$here/60-ivrbox-leds.rules" "$rules" 0644
	fi
	if [ ! -e "$settings" ]; then
		put "$here/ivrbox.default" "$settings" 0644
	elif ! cmp -s "$here/ivrbox.default" "$settings"; then
		say "keeping your $settings (this version's defaults: $here/ivrbox.default)"
	fi
	if [ -d /run/udev ] && command -v udevadm >/dev/null; then
		udevadm control --reload-rules >/dev/null 2>&1 || true
		udevadm trigger --subsystem-match=leds --action=change >/dev/null 2>&1 || true
	fi
	if running_systemd; then
		systemctl daemon-reload
		systemctl enable ivrbox.service
		if [ "$start" = yes ]; then
			say "starting ivrbox (journalctl -u ivrbox shows its log)"
			systemctl restart ivrbox.service
		fi
	else
		mkdir -p "$(dirname "$wants")"
		ln -sfn "$unit" "$wants"
		say "systemd is not running here: ivrbox is enabled and starts at the next boot"
	fi
	say "installed; settings in $settings, data in $data"
}

do_uninstall() {
	bin=$(installed_binary)
	[ -n "$bin" ] || bin=$prefix/bin/ivrbox
	if running_systemd; then
		systemctl disable --now ivrbox.service >/dev/null 2>&1 || true
	fi
	say "removing $bin, the service and the udev rule"
	rm -f "$wants" "$unit" "$rules"
	remove_binary "$bin"
	if running_systemd; then
		systemctl daemon-reload
	fi
	if [ "$purge" = yes ]; then
		say "purging $settings, $data and the ivrbox user"
		rm -rf "$settings" "$data"
		if getent passwd ivrbox >/dev/null; then
			userdel ivrbox || say "could not remove the user ivrbox"
		fi
		if getent group ivrbox >/dev/null; then
			groupdel ivrbox || say "could not remove the group ivrbox"
		fi
	else
		say "kept $settings and $data (--uninstall --purge removes them)"
	fi
}

if [ "$uninstall" = yes ]; then
	do_uninstall
else
	do_install
fi
