//! Random, mostly valid memory plans (issue 12, item 11): a plan is drawn as a model, written as memory.toml
//! with a few faults sometimes injected, and checked against what the model says it must give.
//!
//! The invariants: the check never panics; every error is located (file:line:col inside the file) and says
//! how to fix it; a plan without injected faults has no syntax or model error; regions that add up to more
//! than the budget, or overflow 64 bits, are refused; and an accepted plan generates code that parses as Rust.
//! Whether that code compiles is checked on a sample by `random_plans_compile` in `tests/codegen-smoke`, which
//! uses the same generator (`plan_gen.rs`).

use flight_memory_gen::{Analysis, SourceFile, Stage, generate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::plan_gen::{Plan, plan, write};

/// What became of a plan whose invariants hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Accepted,
    OverBudget,
    Refused,
}

/// Checks every invariant on one plan; returns a description of the first broken one.
fn check(plan: &Plan) -> Result<Outcome, String> {
    let text = write(plan);
    let analysis = Analysis::of(SourceFile::new("memory.toml", text.as_str()));
    let errors = analysis.errors();
    let _ = errors.render_plain();
    for error in errors.diagnostics() {
        let label = error
            .primary()
            .ok_or_else(|| format!("unlocated: {}", error.message()))?;
        if label.span.end > text.len() || errors.location(error).is_none() {
            return Err(format!("outside the file: {}", error.message()));
        }
        if error.help().trim().is_empty() {
            return Err(format!("no help: {}", error.message()));
        }
    }
    let faults_applied = plan
        .faults
        .iter()
        .any(|&(index, _)| index < plan.items.len());
    // A zero-sized region is refused as such, a model error.
    let zero = plan.regions.iter().any(|r| r.size == 0);
    if !faults_applied && !zero {
        if let Some(error) = errors
            .diagnostics()
            .iter()
            .find(|e| e.stage() != Stage::Budget)
        {
            return Err(format!("a plan without faults gave `{}`", error.message()));
        }
    }
    let over = plan.regions_total() > u128::from(plan.budget);
    let budget_refused = errors
        .diagnostics()
        .iter()
        .any(|e| e.stage() == Stage::Budget && e.message().contains("over its budget"));
    if over && !zero && !faults_applied && !budget_refused {
        return Err(format!(
            "regions of {} bytes over a budget of {} not refused",
            plan.regions_total(),
            plan.budget
        ));
    }
    if let Ok(checked) = analysis.into_result() {
        if over {
            return Err("an over-budget plan was accepted".to_string());
        }
        let code = generate(&checked, "random").map_err(|e| format!("does not generate: {e}"))?;
        syn::parse_file(&code).map_err(|e| format!("generated code does not parse: {e}"))?;
        return Ok(Outcome::Accepted);
    }
    Ok(if budget_refused {
        Outcome::OverBudget
    } else {
        Outcome::Refused
    })
}

#[test]
fn random_plans_keep_every_invariant() {
    let mut runner = TestRunner::new(Config {
        cases: crate::proptest_cases(256),
        failure_persistence: None,
        ..Config::default()
    });
    let outcomes = std::cell::RefCell::new(Vec::new());
    let result = runner.run(&plan(), |plan| {
        let outcome = check(&plan).map_err(|broken| {
            TestCaseError::fail(format!("{broken}\n--- memory.toml\n{}", write(&plan)))
        })?;
        outcomes.borrow_mut().push(outcome);
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    // The generator must reach both sides: plans that pass, and plans refused for the budget.
    let outcomes = outcomes.into_inner();
    let share = |o: Outcome| outcomes.iter().filter(|&&x| x == o).count() * 100 / outcomes.len();
    assert!(share(Outcome::Accepted) >= 10, "{outcomes:?}");
    assert!(share(Outcome::OverBudget) >= 5, "{outcomes:?}");
}
