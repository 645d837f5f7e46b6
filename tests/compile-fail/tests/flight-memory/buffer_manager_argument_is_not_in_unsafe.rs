// Issue 12, item 8: the macro's own `unsafe` block must not cover the caller's expressions.
flight_memory::buffer_manager! {
    static M: id { let p: *const u32 = &7; *p }, bins [64 x 2];
}

fn main() {
    let _ = &M;
}
