//! The one line an application's build script needs: check memory.toml, scan the crate for `#[memory_pool]`
//! and `buffer_bins!`, and generate the plan with both counted in the budget.

fn main() {
    flight_memory_gen::build("memory.toml");
}
