//! Times the check of a generated memory.toml with 10,000 items (pools, buffer managers and components over
//! four regions and two platforms).
//!
//! ```text
//! cargo run --release -p flight-memory-gen --example check_10k
//! ```

use std::time::Instant;

/// A memory.toml with `items` items spread over four regions, on two platforms.
fn big_config(items: usize) -> String {
    let mut text = String::from(
        "[platforms.flight]\nbudget = \"4 GiB\"\ndefault = true\n\n\
         [platforms.ground]\nbudget = \"64 GiB\"\nregions = { r0 = \"8 GiB\", r1 = \"8 GiB\" }\n\n",
    );
    for r in 0..4 {
        text.push_str(&format!(
            "[regions.r{r}]\nsize = \"1 GiB\"\nsection = \".bss.r{r}\"\n\n"
        ));
    }
    for i in 0..items {
        let region = i % 4;
        match i % 5 {
            0 | 1 => text.push_str(&format!(
                "[pools.pool_{i}]\nregion = \"r{region}\"\nblock_size = {}\ncount = {}\nalign = 16\n\n",
                32 + i % 200,
                1 + i % 50
            )),
            2 => text.push_str(&format!(
                "[buffer_managers.bm_{i}]\nregion = \"r{region}\"\nbins = [ {{ size = 128, count = 8 }}, \
                 {{ size = \"1 KiB\", count = 4 }}, {{ size = 4096, count = 2 }} ]\nid = {i}\n\n"
            )),
            3 => text.push_str(&format!(
                "[components.lin_{i}]\nregion = \"r{region}\"\nstrategy = \"linear\"\nsize = \"{} KiB\"\n\n",
                1 + i % 16
            )),
            _ => text.push_str(&format!(
                "[pools.typed_{i}]\nregion = \"r{region}\"\ntype = \"crate::msg::Packet{}\"\ncount = 8\n\n",
                i % 7
            )),
        }
    }
    text
}

fn main() {
    let text = big_config(10_000);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let checked = flight_memory_gen::check_str("big.toml", &text);
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        best = best.min(elapsed);
        match checked {
            Ok(checked) => assert_eq!(checked.config().items().count(), 10_000),
            Err(errors) => panic!("the generated config should pass:\n{errors}"),
        }
    }
    println!(
        "checked 10,000 items ({} KiB of TOML, 2 platforms) in {best:.1} ms (best of 5)",
        text.len() / 1024
    );
}
