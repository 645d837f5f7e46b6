use flight_memory_macros::buffer_bins;

buffer_bins! {
    pub static UPLINK: in "sram" { 128 x 32, 1024 x 16, 128 x 4 }
}

fn main() {}
