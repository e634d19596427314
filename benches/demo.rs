//! The whole demo (scenarios/demo.toml) end to end, once, in memory: a bench binary rather than criterion,
//! because one run takes about a minute. `cargo bench --bench demo` prints the time of each stage and the
//! total.

use cusp::pipeline::{run, stage_names, Scenario};
use std::cell::RefCell;
use std::time::Instant;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.toml");
    let s = Scenario::read(&path).expect("the demo scenario parses");
    let started = Instant::now();
    let marks: RefCell<Vec<(String, Instant)>> = RefCell::new(Vec::new());
    let out = run(&s, &|name, _, _| marks.borrow_mut().push((name.to_string(), Instant::now()))).expect("demo runs");
    let end = Instant::now();
    let marks = marks.into_inner();
    for (i, (name, t)) in marks.iter().enumerate() {
        let next = marks.get(i + 1).map_or(end, |m| m.1);
        println!("demo/{name:<22} {:>7.2} s", (next - *t).as_secs_f64());
    }
    println!(
        "demo/total                  {:>7.2} s  ({} stages, {} checks)",
        (end - started).as_secs_f64(),
        stage_names(&s).len(),
        out.checks.len()
    );
}
