use flight_memory_macros::buffer_bins;

flight_memory::include_memory!("ui_bins_over_budget.rs");

buffer_bins! {
    pub static FRAMES: in "tiny" { 128 x 4 }
}

fn main() {
    let _ = FRAMES.allocate(1);
}
