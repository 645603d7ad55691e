#!/usr/bin/env bash
# build.sh — build, run, test and benchmark ivrbox.
#
#   ./build.sh            build the static binaries into dist/ (same as `build`)
#   ./build.sh build      linux/armv6 (every Pi), linux/arm64, linux/amd64, version-stamped
#   ./build.sh run [...]  build for this machine and run it: sim board, default config, ./data
#   ./build.sh test       vet, unit tests (-race), end-to-end tests with SIPp, ARM checks (qemu-user)
#   ./build.sh bench      Go media benchmarks (-benchmem) and a SIPp/loadgen call load run
#   ./build.sh package    the binaries plus .deb packages (armhf, arm64, amd64) and tarballs
#
# Tools the tests need (SIPp, qemu-user-static) are installed with apt-get when missing.
set -euo pipefail

cd "$(dirname "$0")"
export CGO_ENABLED=0

VERSION="${IVRBOX_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
LDFLAGS="-s -w -X github.com/ivrbox/ivrbox/firmware/version.Version=${VERSION}"
MAIN=./firmware/cmd/ivrbox

log() { printf '==> %s\n' "$*" >&2; }

# apt_install installs Debian packages (none: nothing to do).
apt_install() {
	[ $# -eq 0 ] && return 0
	log "installing $*"
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# need_pkgs installs the Debian packages whose commands are missing.
# Arguments are pairs: command package.
need_pkgs() {
	local missing=()
	while [ $# -ge 2 ]; do
		command -v "$1" >/dev/null 2>&1 || missing+=("$2")
		shift 2
	done
	apt_install "${missing[@]}"
}

# need_debs installs the Debian packages (with no command to look for, such
# as fonts) that are not installed yet.
need_debs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	apt_install "${missing[@]}"
}

# build_one GOOS GOARCH GOARM OUT builds one static binary.
build_one() {
	log "build $4"
	GOOS=$1 GOARCH=$2 GOARM=$3 go build -trimpath -ldflags "$LDFLAGS" -o "$4" "$MAIN"
}

cmd_build() {
	mkdir -p dist
	build_one linux arm 6 dist/ivrbox-linux-armv6
	build_one linux arm64 "" dist/ivrbox-linux-arm64
	build_one linux amd64 "" dist/ivrbox-linux-amd64
	(cd dist && sha256sum ivrbox-linux-* >SHA256SUMS)
}

# cmd_package builds the binaries, then what an installer installs: a .deb per
# Debian architecture (nfpm, config in board/package/) and a tarball per binary
# with the same systemd unit and an install.sh; SHA256SUMS covers them all.
cmd_package() {
	cmd_build
	# dpkg wants a version starting with a digit: v1.2.3 -> 1.2.3,
	# v1.2.3-4-gabc1234 -> 1.2.3+git4.abc1234, v1.2.3-rc1 -> 1.2.3~rc1,
	# abc1234 (no tag yet) -> 0.0.0~git<commit count>.abc1234; -dirty -> .dirty
	local v=${VERSION#v} dirty="" debver
	case $v in *-dirty) dirty=.dirty v=${v%-dirty} ;; esac
	if [[ $v =~ ^[0-9]+(\.[0-9]+)+ ]]; then
		v=$(sed -E 's/-([0-9]+)-g([0-9a-f]+)$/+git\1.\2/; s/^([0-9][0-9.]*)-/\1~/' <<<"$v")
	else
		v="0.0.0~git$(git rev-list --count HEAD 2>/dev/null || echo 0).$v"
	fi
	debver=$(tr -c 'A-Za-z0-9.+~\n' '.' <<<"$v$dirty")
	local -x SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
	rm -f dist/ivrbox_*.deb dist/ivrbox-*.tar.gz
	local pair bin debarch name stage
	for pair in armv6:armhf arm64:arm64 amd64:amd64; do
		bin=dist/ivrbox-linux-${pair%%:*}
		debarch=${pair#*:}
		log "package ivrbox_${debver}_$debarch.deb"
		IVRBOX_DEB_VERSION=$debver IVRBOX_DEB_ARCH=$debarch IVRBOX_BIN=$bin \
			go tool nfpm package -f board/package/nfpm.yaml -p deb -t dist/ >/dev/null
		name=ivrbox-${VERSION#v}-linux-${pair%%:*}
		log "package $name.tar.gz"
		stage=$(mktemp -d)
		mkdir "$stage/$name"
		cp "$bin" "$stage/$name/ivrbox"
		cp board/package/ivrbox.service board/package/ivrbox.default board/package/60-ivrbox-leds.rules \
			board/package/install.sh docs/INSTALL.md "$stage/$name/"
		chmod 0755 "$stage/$name/ivrbox" "$stage/$name/install.sh"
		tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
			-cf - "$name" | gzip -n >"dist/$name.tar.gz"
		rm -rf "$stage"
	done
	(cd dist && sha256sum ivrbox-linux-* ivrbox_*.deb ivrbox-*.tar.gz >SHA256SUMS)
	log "packages in dist/ (version $debver)"
}

cmd_run() {
	mkdir -p dist data
	local out
	out="dist/ivrbox-$(go env GOOS)-$(go env GOARCH)"
	build_one "$(go env GOOS)" "$(go env GOARCH)" "" "$out"
	log "running $out (data in ./data, Ctrl-C stops)"
	exec "$out" -board sim -data ./data "$@"
}

cmd_test() {
	need_pkgs sipp sip-tester kamailio kamailio qemu-arm-static qemu-user-static chromium chromium smbd samba prlimit util-linux baresip baresip
	need_debs fonts-wqy-microhei # Chinese text in the browser tests' screenshots
	log "gofmt"
	local unformatted
	unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
	if [ -n "$unformatted" ]; then
		echo "gofmt needed:" >&2
		echo "$unformatted" >&2
		return 1
	fi
	log "go vet"
	go vet ./...
	cmd_build
	log "unit tests (-race)"
	CGO_ENABLED=1 go test -race -count=1 -timeout 15m $(go list ./... | grep -v /e2e)
	fuzz_check
	log "outbound transfer right after ANSWERED, 50 times (-race)"
	CGO_ENABLED=1 go test -race -count=50 -timeout 10m -run '^TestTransferBridgesAndRefuses$' ./firmware/call/
	log "end-to-end tests (binary + SIPp)"
	# the browser tests' screenshots are kept in dist/artifacts
	mkdir -p dist/artifacts
	IVRBOX_BIN="$PWD/dist/ivrbox-linux-amd64" IVRBOX_ARTIFACTS="$PWD/dist/artifacts" \
		go test -count=1 -timeout 15m ./e2e/...
	arm_check
	package_check
}

# fuzz_check runs every fuzz target for a bounded number of inputs
# (IVRBOX_FUZZTIME, default 20000x each, one after the other; about 2 min for
# the 43 targets). The budget is a count, not a duration: with a duration,
# Go 1.26's fuzz coordinator can report its own deadline as a failure of the
# target ("context deadline exceeded", no input written; fixed in Go 1.27,
# golang/go#75804). An input that fails is written by
# go test under the package's testdata/fuzz/<target>/, where it stays as a
# regression case of the plain unit tests once committed.
fuzz_check() {
	local t=${IVRBOX_FUZZTIME:-20000x} t0=$SECONDS failed=() file pkg target out
	out=$(mktemp)
	log "fuzz targets ($t each)"
	while IFS=: read -r file target; do
		pkg=./$(dirname "$file")
		target=${target#func }
		target=${target%%(*}
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg" >"$out" 2>&1; then
			cat "$out" >&2
			failed+=("$pkg $target")
		fi
	done < <(git grep -n --no-color -E '^func Fuzz[A-Za-z0-9_]*\(' -- '*_test.go' | cut -d: -f1,3 | sort)
	rm -f "$out"
	if [ ${#failed[@]} -gt 0 ]; then
		echo "fuzz: failing inputs kept in testdata/fuzz of: ${failed[*]}" >&2
		return 1
	fi
	log "fuzz: ok ($((SECONDS - t0))s)"
}

# arm_check runs the ARM binaries and a selection of unit tests under qemu-user.
arm_check() {
	local pkgs=(./media/g711 ./media/dtmf ./media/prompt ./firmware/sdp ./firmware/config)
	local tmp
	tmp=$(mktemp -d)
	log "ARM: -version under qemu"
	qemu-arm-static -cpu arm1176 dist/ivrbox-linux-armv6 -version
	qemu-aarch64-static dist/ivrbox-linux-arm64 -version
	local p name
	for p in "${pkgs[@]}"; do
		name=$(basename "$p")
		GOOS=linux GOARCH=arm GOARM=6 go test -c -o "$tmp/$name.armv6" "$p"
		GOOS=linux GOARCH=arm64 go test -c -o "$tmp/$name.arm64" "$p"
		log "ARM: $p (armv6 arm1176, arm64)"
		(cd "$p" && qemu-arm-static -cpu arm1176 "$tmp/$name.armv6" -test.short -test.count=1 >/dev/null)
		(cd "$p" && qemu-aarch64-static "$tmp/$name.arm64" -test.short -test.count=1 >/dev/null)
	done
	rm -rf "$tmp"
	log "ARM: ok"
}

# package_check makes the packages and checks them (board/package/check.sh):
# each .deb's architecture, files, conffiles and maintainer scripts, its binary
# running -version (qemu-user for ARM), the tarballs, the systemd unit, and an
# install/reinstall/remove/purge of the .deb and of install.sh in a Debian root
# (debootstrap, cached in ~/.cache/ivrbox; skipped with the reason if impossible).
package_check() {
	need_pkgs dpkg-deb dpkg debootstrap debootstrap qemu-arm-static qemu-user-static
	local t0=$SECONDS
	cmd_package
	board/package/check.sh dist "$VERSION"
	log "package: ok ($((SECONDS - t0))s)"
}

cmd_bench() {
	need_pkgs sipp sip-tester
	log "media benchmarks"
	go test -run '^$' -bench . -benchmem -benchtime 2000x ./media/... ./firmware/sdp/...
	mkdir -p dist
	build_one "$(go env GOOS)" "$(go env GOARCH)" "" dist/ivrbox-bench
	log "call load run (load generator and SIPp at each level; results in dist/bench/)"
	# Arguments go to the load generator: -levels N,N,... (default 200,400,600),
	# -window D, -rate N, the box's addresses -sip/-http/-debug (free ports by
	# default; a port in use is refused), and the modes -record
	# mixed|stereo|split, -fork, -keys, and the box's -procs auto|N (see
	# e2e/loadgen/main.go).
	[ $# -eq 0 ] && set -- -levels 200,400,600
	go run ./e2e/loadgen -bin dist/ivrbox-bench -out dist/bench "$@"
}

main() {
	local cmd="${1:-build}"
	[ $# -gt 0 ] && shift
	case "$cmd" in
	build) cmd_build ;;
	run) cmd_run "$@" ;;
	test) cmd_test ;;
	bench) cmd_bench "$@" ;;
	package) cmd_package ;;
	*)
		echo "usage: $0 [build|run|test|bench|package]" >&2
		return 2
		;;
	esac
}

main "$@"
