use flight_memory_macros::buffer_bins;

flight_memory::include_memory!("ui_unscanned_bins_in_function.rs");

fn main() {
    // Inside a function body: the scan does not see it, so it cannot escape the budget.
    buffer_bins! {
        static LOCAL: in "sram" { 64 x 4 }
    }
    let _ = LOCAL.allocate(1);
}
