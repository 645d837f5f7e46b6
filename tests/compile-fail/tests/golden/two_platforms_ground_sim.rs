//! Compiles, without a warning, and runs the golden file of flight-memory-gen for `two_platforms.ground-sim`.
#![deny(warnings, missing_docs, unsafe_op_in_unsafe_fn)]

mod tlm {
    /// A telemetry packet, the `type` of pool `telemetry_packet`.
    #[allow(dead_code)]
    pub struct Packet {
        pub words: [u32; 32],
    }
}

include!("../../../../flight-memory-gen/tests/golden/two_platforms.ground-sim.rs");

fn main() {
    assert_eq!(memory::PLATFORM.name(), "ground-sim");
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
