#!/usr/bin/env python3
"""Instruction counts of the runtime's hot paths and of their peers, under callgrind.

    python3 flight-memory/benches/instructions.py            # the whole table (about a minute)
    python3 flight-memory/benches/instructions.py pool_handle typed_pool   # some rows only
    python3 flight-memory/benches/instructions.py --annotate pool_handle   # callgrind_annotate of one row

Builds `benches/instructions.rs` in release mode, runs each operation at N and 2N repetitions under
`valgrind --tool=callgrind --toggle-collect=*fm_counted_loop*`, and reports per operation
(Ir(2N) - Ir(N)) / N: the instructions one operation executes, setup and loop entry cancelled out.

Locked instructions: callgrind is asked for per-instruction costs (`--dump-instr=yes`); each executed address is
looked up in `objdump -d` of its object (the bench binary, libc, ...), and the executions of instructions with a
`lock` prefix, or of `xchg` with a memory operand (locked without a prefix), are counted the same way.

Needs valgrind and objdump (binutils) on x86_64 Linux. Counts are deterministic for one build of one toolchain.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (operation, N, what one repetition is, and how many pairs it holds: the BufferManager and scan rows run one
# pair per bin, four a repetition, and are reported per pair).
OPERATIONS = [
    ("pool_handle", 1000, 1),
    ("pool_raw", 1000, 1),
    ("typed_pool", 1000, 1),
    ("heapless_box_pool", 1000, 1),
    ("glibc_box", 1000, 1),
    ("embedded_alloc_llff", 1000, 1),
    ("embedded_alloc_tlsf", 1000, 1),
    ("buffer_manager_16", 500, 4),
    ("buffer_manager_1024", 500, 4),
    ("buffer_manager_65536", 500, 4),
    ("buffer_manager_16_between", 500, 4),
    ("fprime_scan_16", 500, 4),
    ("fprime_scan_1024", 100, 4),
    ("fprime_scan_65536", 20, 4),
    ("linear_exclusive", 1000, 1),
    ("linear_shared", 1000, 1),
    ("bumpalo", 1000, 1),
    ("stack_marker", 500, 1),
    ("stack_exclusive_marker", 500, 1),
    ("bump_scope_checkpoint", 500, 1),
]

# The table: (row label, operation, peers as (label, operation)), with the targets.
ROWS = [
    ("pool alloc+free pair, 64 B, handle", "pool_handle",
     [("heapless BoxPool", "heapless_box_pool"), ("glibc Box", "glibc_box"),
      ("embedded-alloc LLFF", "embedded_alloc_llff"), ("embedded-alloc TLSF", "embedded_alloc_tlsf")]),
    ("pool pair, 64 B, raw pointer (validated free, block zeroed)", "pool_raw",
     [("heapless BoxPool", "heapless_box_pool")]),
    ("typed pool pair, `[u8; 64]`", "typed_pool", [("heapless BoxPool", "heapless_box_pool")]),
    ("BufferManager pair, 16 buffers", "buffer_manager_16", [("F´ scan", "fprime_scan_16")]),
    ("BufferManager pair, 1,024 buffers", "buffer_manager_1024", [("F´ scan", "fprime_scan_1024")]),
    ("BufferManager pair, 65,536 buffers", "buffer_manager_65536", [("F´ scan", "fprime_scan_65536")]),
    ("BufferManager pair, 16 buffers of 61, 121, 251, 501 B (no bin fills its size class: one comparison)",
     "buffer_manager_16_between", [("F´ scan", "fprime_scan_16")]),
    ("linear `alloc(u64)`, exclusive view", "linear_exclusive", [("bumpalo", "bumpalo")]),
    ("linear `alloc(u64)`, shared", "linear_shared", [("bumpalo", "bumpalo")]),
    ("stack: marker, 16 × 64 B, free to marker, exclusive view", "stack_exclusive_marker",
     [("bump-scope checkpoint", "bump_scope_checkpoint")]),
    ("stack: marker, 16 × 64 B, free to marker, shared", "stack_marker",
     [("bump-scope checkpoint", "bump_scope_checkpoint")]),
]


def build():
    """Builds the bench and returns its executable."""
    out = subprocess.run(
        ["cargo", "bench", "-p", "flight-memory", "--bench", "instructions", "--no-run",
         "--message-format=json"],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "instructions" \
                and message.get("executable"):
            return message["executable"]
    sys.exit("cargo did not report the instructions bench executable")


def callgrind(exe, operation, n, out_file):
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--toggle-collect=*fm_counted_loop*", "--dump-instr=yes",
         "--dump-line=no", "--compress-strings=no", "--compress-pos=no", f"--callgrind-out-file={out_file}",
         exe, operation, str(n)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse(out_file):
    """Total Ir, and the self Ir of every executed (object, address)."""
    total = None
    costs = {}
    obj = None
    skip_next = False
    with open(out_file) as f:
        for line in f:
            line = line.rstrip("\n")
            if skip_next:  # the inclusive cost of a call, already counted in the callee
                skip_next = False
                continue
            if line.startswith("totals:"):
                total = int(line.split()[1])
            elif line.startswith("ob="):
                obj = line[3:]
            elif line.startswith("calls="):
                skip_next = True
            elif line.startswith("0x"):
                addr, ir = line.split()[:2]
                key = (obj, int(addr, 16))
                costs[key] = costs.get(key, 0) + int(ir)
    if total is None:
        sys.exit(f"no totals in {out_file}")
    return total, costs


_DISASSEMBLY = {}
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")


def locked_addresses(obj):
    """The addresses of the locked instructions in an object file."""
    if obj not in _DISASSEMBLY:
        text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-w", obj], check=True,
                              stdout=subprocess.PIPE, text=True).stdout
        locked = set()
        for line in text.splitlines():
            match = INSN.match(line)
            if not match:
                continue
            insn = match.group(2).strip()
            if insn.startswith("lock") or (insn.startswith("xchg") and "(" in insn):
                locked.add(int(match.group(1), 16))
        _DISASSEMBLY[obj] = locked
    return _DISASSEMBLY[obj]


def count(exe, operation, n, workdir):
    out_file = os.path.join(workdir, f"{operation}.{n}.out")
    callgrind(exe, operation, n, out_file)
    total, costs = parse(out_file)
    locked = sum(ir for (obj, addr), ir in costs.items() if obj and addr in locked_addresses(obj))
    return total, locked


def measure(exe, operation, n, pairs, workdir):
    ir_n, locked_n = count(exe, operation, n, workdir)
    ir_2n, locked_2n = count(exe, operation, 2 * n, workdir)
    per = n * pairs
    return (ir_2n - ir_n) / per, (locked_2n - locked_n) / per


def fmt(x):
    return f"{x:,.1f}".replace(".0", "") if x == int(x) or abs(x) >= 100 else f"{x:,.1f}"


def ratio(ours, peer):
    r = ours / peer
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def main(argv):
    if len(argv) >= 2 and argv[0] == "--annotate":
        exe = build()
        operation = argv[1]
        n = dict((op, n) for op, n, _ in OPERATIONS)[operation]
        with tempfile.TemporaryDirectory() as workdir:
            out_file = os.path.join(workdir, "annotate.out")
            subprocess.run(
                ["valgrind", "--tool=callgrind", "--toggle-collect=*fm_counted_loop*", "--dump-instr=yes",
                 f"--callgrind-out-file={out_file}", exe, operation, str(n)],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run(["callgrind_annotate", "--inclusive=no", out_file], check=True)
        return
    wanted = set(argv)
    exe = build()
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for operation, n, pairs in OPERATIONS:
            if wanted and operation not in wanted:
                continue
            results[operation] = measure(exe, operation, n, pairs, workdir)
            ir, locked = results[operation]
            print(f"{operation:24} {ir:10.1f} Ir {locked:6.1f} locked", file=sys.stderr)
    print()
    print("| operation | flight-memory: Ir (locked) | peer: Ir (locked) | ours ÷ peer |")
    print("|---|---|---|---|")
    for label, ours, peers in ROWS:
        if ours not in results:
            continue
        ir, locked = results[ours]
        cells = [(name, results[op]) for name, op in peers if op in results]
        peer_text = "; ".join(f"{name} {fmt(p[0])} ({fmt(p[1])})" for name, p in cells) or "—"
        ratio_text = "; ".join(ratio(ir, p[0]) for _, p in cells) or "—"
        print(f"| {label} | {fmt(ir)} ({fmt(locked)}) | {peer_text} | {ratio_text} |")
    sizes = [op for op in ("buffer_manager_16", "buffer_manager_65536") if op in results]
    if len(sizes) == 2:
        print()
        print(f"BufferManager 65,536 ÷ 16 buffers: "
              f"{results['buffer_manager_65536'][0] / results['buffer_manager_16'][0]:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
