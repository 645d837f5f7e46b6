#!/bin/sh
# Builds the wrappers for thumbv7em-none-eabihf and prints the size of each hot function, smallest first.
# `--cfg arm_llsc` is what heapless's build script sets on ARMv7 when its probe compiles (it cannot with
# -Zbuild-std). Needs the rust-src of the rustc in RUSTC (the distribution's /usr/bin/rustc here) and llvm-nm.
set -eu
cd "$(dirname "$0")"
RUSTFLAGS="--cfg arm_llsc" RUSTC="${RUSTC:-/usr/bin/rustc}" RUSTC_BOOTSTRAP=1 \
    cargo build --release --target thumbv7em-none-eabihf -Zbuild-std=core,alloc
llvm-nm --size-sort -C target/thumbv7em-none-eabihf/release/libfm_thumb_size.a |
    grep -vE '^ +U ' | grep -E ' [Tt] (fm_|heapless_box)|Locked>::push|StackAllocator>::free_to_marker$|BufferManager>::deallocate$' |
    while read -r size _ name; do printf '%6d  %s\n' "$((0x$size))" "$name"; done
echo "disassembly: llvm-objdump -d -C --no-show-raw-insn --disassemble-symbols=fm_pool_handle_pair <the .o in the .a>"
