//! The check and code generation scale linearly: ten times the items cost about ten times the time, not a
//! hundred. Only the ratio is asserted, on the best of several runs, so that a busy machine (other builds on the
//! same cores) does not fail it; how fast it is, against the target of 100 ms for 10,000 items, is measured by
//! `cargo bench -p flight-memory-gen --bench generate` and reported in BENCHMARKS.md, not here.

use std::time::{Duration, Instant};

fn config(items: usize) -> String {
    let mut text = String::from(
        "[platforms.flight]\nbudget = \"4 GiB\"\n\n[platforms.ground]\nbudget = \"64 GiB\"\nregions = { r0 = \"8 GiB\" }\n\n",
    );
    for r in 0..4 {
        text.push_str(&format!("[regions.r{r}]\nsize = \"1 GiB\"\n\n"));
    }
    for i in 0..items {
        let r = i % 4;
        text.push_str(&match i % 4 {
            0 => format!("[pools.p{i}]\nregion = \"r{r}\"\nblock_size = {}\ncount = 8\n", 16 + i % 64),
            1 => format!("[pools.t{i}]\nregion = \"r{r}\"\ntype = \"crate::T{}\"\ncount = 8\n", i % 5),
            2 => format!("[buffer_managers.b{i}]\nregion = \"r{r}\"\nbins = [ {{ size = 64, count = 4 }}, {{ size = 512, count = 2 }} ]\n"),
            _ => format!("[components.c{i}]\nregion = \"r{r}\"\nstrategy = \"stack\"\nsize = \"2 KiB\"\n"),
        });
    }
    text
}

#[test]
fn ten_thousand_items_check_and_generate_in_linear_time() {
    let small = config(1_000);
    let large = config(10_000);
    let time = |text: &str| {
        let start = Instant::now();
        let checked =
            flight_memory_gen::check_str("big.toml", text).unwrap_or_else(|e| panic!("{e}"));
        let code = flight_memory_gen::generate(&checked, "flight").expect("a platform");
        let elapsed = start.elapsed();
        assert_eq!(checked.layouts().len(), 2);
        assert!(code.contains("pub static PLATFORM"));
        elapsed
    };
    // Interleaved, so that a stretch of load slows both sizes; a run that was preempted is not the best one.
    let (mut t_small, mut t_large) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        t_small = t_small.min(time(&small));
        t_large = t_large.min(time(&large));
    }
    // Ten times the items must not cost much more than ten times the time (quadratic would be 100×).
    assert!(
        t_large < t_small * 30 + Duration::from_millis(50),
        "1k: {t_small:?}, 10k: {t_large:?}"
    );
}
