use flight_memory_macros::buffer_bins;

buffer_bins! {
    pub static UPLINK: in "sram" { 0 x 32, 1024 x 0 }
}

fn main() {
    let _ = UPLINK.allocate(1);
}
