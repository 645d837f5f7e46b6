#!/usr/bin/env python3
"""Prints the tables of BENCHMARKS.md (runtime section) from criterion's results of the last
`cargo bench -p flight-memory`.

    python3 flight-memory/benches/report.py [TARGET_DIR/criterion]

Each cell is criterion's median of the samples, then in brackets the fastest sample (time per iteration
of the least disturbed sample), which is what to compare on a shared, loaded machine. Ratios are
computed within the run, for both figures. Two-thread rows give the fastest sample only: their medians
measure how the host schedules the two threads, not the allocators.
"""
import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")


def load(path, name):
    with open(os.path.join(ROOT, path, "new", name)) as f:
        return json.load(f)


def both(path, div=1):
    median = load(path, "estimates.json")["median"]["point_estimate"]
    sample = load(path, "sample.json")
    fastest = min(t / i for t, i in zip(sample["times"], sample["iters"]))
    return median / div, fastest / div


def ns(x):
    if x >= 10000:
        return f"{x / 1000:.2f} µs"
    return f"{x:.1f} ns" if x >= 10 else f"{x:.2f} ns"


def cell(p, fastest_only=False):
    return f"{ns(p[1])} (fastest)" if fastest_only else f"{ns(p[0])} ({ns(p[1])})"


def ratio(a, b, fastest_only=False):
    return f"{a[1] / b[1]:.2f} (fastest)" if fastest_only else f"{a[0] / b[0]:.2f} ({a[1] / b[1]:.2f})"


def main():
    print("### Pool: one allocate + free pair\n")
    print("| block | threads | MemoryPool handle | MemoryPool raw | TypedPool | heapless BoxPool | system Box "
          "| handle ÷ heapless | typed ÷ heapless | handle ÷ system |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in ["64B", "256B"]:
        for threads in ["1t", "2t"]:
            v = {k: both(f"pool_{size}/{threads}_{k}") for k in
                 ["memory_pool_handle", "memory_pool_raw", "typed_pool", "heapless_box_pool", "system_box"]}
            h, s = v["heapless_box_pool"], v["system_box"]
            f = threads == "2t"
            print(f"| {size} | {threads[0]} | {cell(v['memory_pool_handle'], f)} | {cell(v['memory_pool_raw'], f)} "
                  f"| {cell(v['typed_pool'], f)} | {cell(h, f)} | {cell(s, f)} "
                  f"| {ratio(v['memory_pool_handle'], h, f)} | {ratio(v['typed_pool'], h, f)} "
                  f"| {ratio(v['memory_pool_handle'], s, f)} |")
    print("\nA pool of 100,000 blocks (above the 65,533 whose counts fit in the free list's head word), "
          "handle pair, against heapless's 64-byte pool from the same run:\n")
    print("| threads | MemoryPool handle, 100,000 × 64 B | ÷ heapless |")
    print("|---|---|---|")
    for threads in ["1t", "2t"]:
        large = both(f"pool_64B_large/{threads}_memory_pool_handle")
        h = both(f"pool_64B/{threads}_heapless_box_pool")
        f = threads == "2t"
        print(f"| {threads[0]} | {cell(large, f)} | {ratio(large, h, f)} |")

    print("\n### Linear: per allocation (batch time ÷ batch size, reset included)\n")
    print("| batch | LinearAllocator (shared) | exclusive view | bumpalo | shared ÷ bumpalo "
          "| exclusive ÷ bumpalo |")
    print("|---|---|---|---|---|---|")
    for group, n, name in [("linear_u64", 1024, "1,024 × `u64`"),
                           ("linear_slice256", 256, "256 × 256-byte slice")]:
        a, e, b = (both(f"{group}/{k}", n) for k in ["linear_allocator", "exclusive", "bumpalo"])
        print(f"| {name} | {cell(a)} | {cell(e)} | {cell(b)} | {ratio(a, b)} | {ratio(e, b)} |")

    print("\n### Stack: a batch of 16 × 64 bytes, then everything freed\n")
    print("| form | StackAllocator | bump-scope | StackAllocator ÷ bump-scope |")
    print("|---|---|---|---|")
    for group, peer, name in [("stack_marker", "bump_scope_checkpoint", "marker / checkpoint"),
                              ("stack_scope", "bump_scope_scoped", "scope / scoped")]:
        a, b = both(f"{group}/stack_allocator"), both(f"{group}/{peer}")
        print(f"| {name} | {cell(a)} | {cell(b)} | {ratio(a, b)} |")

    print("\n### BufferManager: one allocate + deallocate pair (iteration ÷ 4), half of every bin in use\n")
    print("| buffers | BufferManager | F´ scan, mutex | F´ scan, no lock | scan ÷ BufferManager "
          "| scan (no lock) ÷ BufferManager |")
    print("|---|---|---|---|---|---|")
    ours = []
    for n in [16, 256, 1024, 16384, 65536]:
        a = both(f"buffer_manager/buffer_manager/{n}", 4)
        s = both(f"buffer_manager/fprime_scan/{n}", 4)
        u = both(f"buffer_manager/fprime_scan_unlocked/{n}", 4)
        ours.append(a)
        print(f"| {n:,} | {cell(a)} | {cell(s)} | {cell(u)} | {ratio(s, a)} | {ratio(u, a)} |")
    med = [a[0] for a in ours]
    fast = [a[1] for a in ours]
    print(f"\nBufferManager slowest ÷ fastest across sizes: {max(med) / min(med):.2f} "
          f"({max(fast) / min(fast):.2f})")


if __name__ == "__main__":
    main()
