//! Runs the allocation patterns on the host and prints them as the VM app does:
//! `allocbench: PATTERN OPERATIONS NANOSECONDS ok|oom`.

fn main() {
    let scale = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let origin = std::time::Instant::now();
    let now = || origin.elapsed().as_nanos() as u64;
    for outcome in allocbench_patterns::run_all(&now, scale) {
        let status = if outcome.out_of_memory { "oom" } else { "ok" };
        println!("allocbench: {} {} {} {status}", outcome.name, outcome.operations, outcome.nanoseconds);
    }
}
