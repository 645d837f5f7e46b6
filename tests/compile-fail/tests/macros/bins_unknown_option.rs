use flight_memory_macros::buffer_bins;

buffer_bins! {
    pub static UPLINK: in "sram" shared true { 128 x 32 }
}

fn main() {}
