//! Compiles, without a warning, and runs the golden file of flight-memory-gen for `design_example`.
#![deny(warnings, missing_docs, unsafe_op_in_unsafe_fn)]

include!("../../../../flight-memory-gen/tests/golden/design_example.rs");

fn main() {
    assert_eq!(memory::PLATFORM.name(), "cubesat-obc");
    for region in memory::PLATFORM.regions() {
        assert!(region.used() <= region.size(), "{region}");
    }
    for item in memory::PLATFORM.items() {
        if let Some(allocator) = item.allocator() {
            assert!(allocator.total_memory() > 0);
            let _ = allocator.stats();
        }
    }
}
