#!/usr/bin/env bash
# Builds the Cortex-M firmware of examples/cubesat-firmware for both targets, runs both images under QEMU,
# verifies both against memory.toml with `flight-memory-gen verify`, shows that an image linked without the
# linker fragment fails that check and that an image that loses a block fails its run, and prints the images'
# sizes.
#
#   thumbv7em-none-eabihf  ->  QEMU mps2-an386 (Cortex-M4F; lock-free free lists, compare-and-swap)
#   thumbv6m-none-eabi     ->  QEMU microbit   (Cortex-M0; no compare-and-swap: the critical-section form)
#
# Usage: scripts/qemu.sh            (from anywhere; exit status 0 when everything passed)
#
# What it needs, and installs with apt when it runs as root and something is missing:
#   * a rustc that has the standard library's sources, for -Zbuild-std (rustup cannot download targets or
#     rust-src on every machine): Debian's `rustc-web` + `rust-web-src` give /usr/bin/rustc; `lld` gives ld.lld,
#     the linker of .cargo/config.toml. rustup's cargo drives the build (RUSTC_BOOTSTRAP=1 for -Zbuild-std).
#   * qemu-system-arm: from PATH, else $QEMU, else the cache; else `apt-get install qemu-system-arm`, and where
#     apt would have to remove other packages for it (a newer qemu-utils), the .debs are unpacked into the cache
#     instead and their shared libraries installed.
# Settings (environment): FIRMWARE_RUSTC (default /usr/bin/rustc), QEMU (a qemu-system-arm binary),
# FLIGHT_MEMORY_CACHE (default ~/.cache/flight-memory), QEMU_TIMEOUT (seconds per run, default 120).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
firmware=$root/examples/cubesat-firmware
cache=${FLIGHT_MEMORY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flight-memory}
rustc_bin=${FIRMWARE_RUSTC:-/usr/bin/rustc}
timeout_s=${QEMU_TIMEOUT:-120}
images=$firmware/target/qemu
# target, QEMU machine, platform of memory.toml (build.rs picks the same from the target).
boards=("thumbv7em-none-eabihf mps2-an386 an386" "thumbv6m-none-eabi microbit microbit")
# Libraries the unpacked qemu-system-arm 7.2 of Debian 12 links against.
qemu_libs=(libfdt1 libcapstone4 libpmem1 librdmacm1 libibverbs1 libslirp0 libvdeplug2)

step() { printf '\n=== qemu.sh: %s ===\n' "$*"; }
die() { printf 'qemu.sh: error: %s\n' "$*" >&2; exit 1; }

apt_updated=
apt_install() {
    [ "$(id -u)" = 0 ] || die "missing: $*. Install them (apt-get install $*) or run this script as root."
    if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_rust() {
    local ok=1
    [ -x "$rustc_bin" ] || ok=
    command -v ld.lld >/dev/null || ok=
    if [ -n "$ok" ]; then
        [ -f "$("$rustc_bin" --print sysroot)/lib/rustlib/src/rust/library/core/Cargo.toml" ] || ok=
    fi
    if [ -z "$ok" ]; then
        [ "$rustc_bin" = /usr/bin/rustc ] || die "$rustc_bin lacks the std sources (rust-src), or ld.lld is missing"
        apt_install rustc-web rust-web-src lld
    fi
    "$rustc_bin" --version
}

qemu=
ensure_qemu() {
    local unpacked=$cache/qemu/usr/bin/qemu-system-arm
    if [ -n "${QEMU:-}" ]; then
        qemu=$QEMU
    elif command -v qemu-system-arm >/dev/null; then
        qemu=$(command -v qemu-system-arm)
    elif [ -x "$unpacked" ]; then
        qemu=$unpacked
    elif [ "$(id -u)" = 0 ] && apt_install --no-remove qemu-system-arm; then
        qemu=$(command -v qemu-system-arm)
    else
        [ "$(id -u)" = 0 ] || die "qemu-system-arm not found: install it, set QEMU, or run this script as root"
        echo "apt cannot install qemu-system-arm without removing packages: unpacking it into $cache/qemu"
        rm -rf "$cache/qemu" && mkdir -p "$cache/qemu/debs"
        (cd "$cache/qemu/debs" && apt-get download qemu-system-arm qemu-system-common qemu-system-data)
        for deb in "$cache"/qemu/debs/*.deb; do dpkg-deb -x "$deb" "$cache/qemu"; done
        qemu=$unpacked
    fi
    if ! "$qemu" --version >/dev/null 2>&1; then
        apt_install "${qemu_libs[@]}"
    fi
    "$qemu" --version | head -n 1
}

build() { # target [cargo arguments]
    local target=$1
    shift
    (cd "$firmware" && RUSTC="$rustc_bin" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$firmware/target" \
        cargo build --release --target "$target" -Zbuild-std=core,alloc "$@")
}

run() { # machine elf [expected status]
    local status=0
    timeout "$timeout_s" "$qemu" -machine "$1" -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -kernel "$2" </dev/null || status=$?
    [ "$status" = "${3:-0}" ] ||
        die "$2 on $1 ended with status $status, expected ${3:-0} (124: timed out after ${timeout_s}s)"
}

start=$SECONDS

step "tools"
ensure_rust
ensure_qemu
cargo fmt --manifest-path "$firmware/Cargo.toml" -- --check
(cd "$root" && cargo build -q -p flight-memory-gen --bin flight-memory-gen)
gen() { (cd "$root" && cargo run -q -p flight-memory-gen --bin flight-memory-gen -- "$@"); }

mkdir -p "$images"
for board in "${boards[@]}"; do
    read -r target machine platform <<<"$board"
    step "build $target"
    build "$target"
    cp "$firmware/target/$target/release/cubesat-firmware" "$images/$platform.elf"

    step "run $target on QEMU $machine"
    run "$machine" "$images/$platform.elf"

    step "verify $platform.elf against memory.toml, platform $platform"
    gen verify "$images/$platform.elf" --config "$firmware/memory.toml" --platform "$platform"
done

step "an image linked without flight-memory.x must fail verify"
build thumbv7em-none-eabihf --features without-fragment
cp "$firmware/target/thumbv7em-none-eabihf/release/cubesat-firmware" "$images/an386-without-fragment.elf"
status=0
gen verify "$images/an386-without-fragment.elf" --config "$firmware/memory.toml" --platform an386 || status=$?
[ "$status" = 1 ] || die "verify of the image linked without the fragment exited with $status, expected 1"
echo "verify refused it (exit 1), as it must"

step "an image that loses a pool block in the stress must fail its run"
build thumbv7em-none-eabihf --features fault-leak
cp "$firmware/target/thumbv7em-none-eabihf/release/cubesat-firmware" "$images/an386-fault-leak.elf"
run mps2-an386 "$images/an386-fault-leak.elf" 1
echo "the run failed (exit 1), as it must"

step "sizes"
if command -v size >/dev/null; then size_tool=size; else size_tool=llvm-size; fi
(cd "$images" && "$size_tool" an386.elf microbit.elf an386-without-fragment.elf)
for platform in an386 microbit; do
    echo "$platform.elf, allocated sections (name, size, address):"
    "$size_tool" -A -x "$images/$platform.elf" | awk 'NR > 2 && NF == 3 && $1 ~ /^\./ && $1 !~ /^\.(debug|comment|ARM)/'
done

step "done in $((SECONDS - start)) s: both images ran and passed verify; the two broken ones were refused"
