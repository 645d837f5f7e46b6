#!/bin/sh
# Rebuilds verify's fixture images (tests/verify/*.elf) from this crate, with ld.lld and a rustc that has the
# std sources (Debian's rustc-web + rust-web-src), as the recipe says. Run from this directory.
set -eu
export RUSTC="${RUSTC:-/usr/bin/rustc}" RUSTC_BOOTSTRAP=1
build() { cargo rustc --release -Zbuild-std=core -- "$@"; cp target/thumbv7em-none-eabihf/release/fixture "$out"; }
out=../with-fragment.elf build -C link-arg=-Tflight-memory.x
out=../no-fragment.elf build
out=../broken-fragment.elf build -C "link-arg=-T$(pwd)/broken.x"
llvm-strip -o ../stripped.elf ../with-fragment.elf
