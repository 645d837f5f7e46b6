use flight_memory_macros::buffer_bins;

buffer_bins! {
    pub static UPLINK: in "sram" {
        1 x 1, 2 x 1, 3 x 1, 4 x 1, 5 x 1, 6 x 1, 7 x 1, 8 x 1, 9 x 1, 10 x 1, 11 x 1,
        12 x 1, 13 x 1, 14 x 1, 15 x 1, 16 x 1, 17 x 1, 18 x 1, 19 x 1, 20 x 1, 21 x 1,
        22 x 1, 23 x 1, 24 x 1, 25 x 1, 26 x 1, 27 x 1, 28 x 1, 29 x 1, 30 x 1, 31 x 1,
        32 x 1, 33 x 1
    }
}

fn main() {}
