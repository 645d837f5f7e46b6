//! The README's excerpt of generated code is what the generator writes for the design example's plan.

/// Every line of the excerpt between the `generated-excerpt` markers, but its `// ...` elision and hidden
/// doctest lines, appears in the generated code, in order.
#[test]
fn the_readme_excerpt_is_generated_code() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let start = readme
        .find("<!-- generated-excerpt -->")
        .expect("the excerpt's start marker");
    let end = readme
        .find("<!-- /generated-excerpt -->")
        .expect("the excerpt's end marker");
    let excerpt: Vec<&str> = readme[start..end]
        .lines()
        .filter(|line| !line.starts_with("```") && !line.starts_with("<!--"))
        .filter(|line| !line.starts_with("# ") && !line.trim_start().starts_with("// ..."))
        .filter(|line| !line.is_empty())
        .collect();
    assert!(excerpt.len() > 20, "excerpt found: {excerpt:?}");

    let plan =
        std::fs::read_to_string("tests/good/design_example.toml").expect("the design example");
    let checked = flight_memory_gen::check_str("memory.toml", &plan).expect("the plan is valid");
    let code = flight_memory_gen::generate(&checked, "cubesat-obc").expect("code");
    let mut rest = code.as_str();
    for line in excerpt.iter().filter(|line| **line != "}") {
        match rest.find(line) {
            Some(at) => rest = &rest[at + line.len()..],
            None => panic!(
                "README.md's generated excerpt has a line the generator does not write (in this order):\n{line}\n\
                 generated:\n{code}"
            ),
        }
    }
}
