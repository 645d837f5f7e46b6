#!/usr/bin/env bash
# Checks the libraries with the oldest Rust they promise: `cargo check` of flight-memory (every feature),
# flight-memory-gen and flight-memory-macros with Debian's `rustc-web` of that version.
#
# The version is read from one place, `rust-version` in [workspace.package] of the root Cargo.toml. A library
# whose Cargo.toml sets a rust-version of its own instead of `rust-version.workspace = true` is checked with
# that version's rustc where Debian packages one (bookworm has 1.85 and 1.96), else reported as not checked. Debian's compiler is unpacked into a cache (its .debs, with the std library and the
# LLVM it links against), not installed: /usr/bin/rustc and rustup's toolchains stay as they are. rustup's cargo
# drives it. Only the libraries are checked: their tests and benchmarks use dev-dependencies that need a newer
# Rust (CI runs those on stable).
#
# Usage: scripts/msrv.sh   (needs apt's package lists; runs `apt-get update` first when root and they are empty)
# Settings (environment): FLIGHT_MEMORY_CACHE (default ~/.cache/flight-memory).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLIGHT_MEMORY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flight-memory}
libraries=(flight-memory flight-memory-gen flight-memory-macros)

die() { printf 'msrv.sh: error: %s\n' "$*" >&2; exit 1; }

# `rust-version = "X.Y"` of a Cargo.toml's [package] or [workspace.package], or nothing.
rust_version_of() { sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$1" | head -n 1; }

# Unpacks Debian's rustc-web X.Y into the cache and prints the path of a rustc wrapper that finds its libraries.
debian_rustc() {
    local version=$1 dir=$cache/rustc-web-$1
    if [ ! -x "$dir/rustc" ]; then
        if [ "$(id -u)" = 0 ] && ! apt-cache show rustc-web >/dev/null 2>&1; then apt-get update -qq; fi
        local deb
        deb=$(apt-cache madison rustc-web | awk -v v="$version" '$3 ~ "^" v "\\." { print $3; exit }')
        [ -n "$deb" ] || return 1
        local llvm
        llvm=$(apt-cache show "libstd-rust-web-$version=$deb" | sed -n 's/^Depends:.*\(libllvm[0-9][0-9]*\).*/\1/p')
        [ -n "$llvm" ] || die "cannot tell which LLVM libstd-rust-web-$version $deb links against"
        rm -rf "$dir" && mkdir -p "$dir/debs"
        (cd "$dir/debs" && apt-get download -q "rustc-web=$deb" "libstd-rust-web-dev=$deb" \
            "libstd-rust-web-$version=$deb" "$llvm" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true) >&2
        for file in "$dir"/debs/*.deb; do dpkg-deb -x "$file" "$dir/root"; done
        rm -rf "$dir/debs"
        cat >"$dir/rustc" <<WRAPPER
#!/bin/sh
# Debian's rustc-web $deb, unpacked by scripts/msrv.sh; it has no rpath to its libraries.
LD_LIBRARY_PATH="$dir/root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dir/root/usr/bin/rustc" "\$@"
WRAPPER
        chmod +x "$dir/rustc"
    fi
    echo "$dir/rustc"
}

msrv=$(sed -n '/^\[workspace.package\]/,/^\[/p' "$root/Cargo.toml" | rust_version_of /dev/stdin)
[ -n "$msrv" ] || die "no rust-version in [workspace.package] of $root/Cargo.toml"

# Group the libraries by the version they declare.
declare -A by_version=()
for crate in "${libraries[@]}"; do
    own=$(sed -n '/^\[package\]/,/^\[/p' "$root/$crate/Cargo.toml" | rust_version_of /dev/stdin)
    version=${own:-$msrv}
    by_version[$version]+=" $crate"
done

for version in "${!by_version[@]}"; do
    read -r -a crates <<<"${by_version[$version]}"
    if ! rustc=$(debian_rustc "$version"); then
        available=$(apt-cache madison rustc-web | awk '{ print $3 }' | cut -d. -f1,2 | sort -uV | tr '\n' ' ')
        message="apt has no rustc-web $version (it has: $available)"
        # The workspace's version must be checkable; a crate's own newer one may not be packaged.
        [ "$version" != "$msrv" ] || die "$message"
        echo "=== NOT checked: ${crates[*]} declare rust-version $version, and $message ==="
        continue
    fi
    echo "=== cargo check with $("$rustc" --version): ${crates[*]} ==="
    args=()
    for crate in "${crates[@]}"; do args+=(-p "$crate"); done
    if [[ " ${crates[*]} " == *" flight-memory-macros "* ]]; then
        args+=(--all-features)
    else
        # flight-memory's `macros` feature brings in flight-memory-macros, which asks for another Rust here.
        features=$(sed -n '/^\[features\]/,/^\[/p' "$root/flight-memory/Cargo.toml" |
            sed -n 's/^\([a-z0-9_-]*\) *=.*/flight-memory\/\1/p' | grep -v -x -e flight-memory/default \
            -e flight-memory/macros | paste -s -d, -)
        echo "(flight-memory without its feature macros: $features)"
        args+=(--features "$features")
    fi
    (cd "$root" && RUSTC="$rustc" CARGO_TARGET_DIR="$root/target/msrv-$version" \
        cargo check --locked "${args[@]}")
done
