// Issue 12, item 8: the macro's own `unsafe` block must not cover the caller's expressions.
flight_memory::static_allocator! {
    static R: MemoryRegion({ let p: *const &str = &"ram"; *p }, 1024);
}

fn main() {
    let _ = &R;
}
