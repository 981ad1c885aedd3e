//! A blocked or sleeping thread costs no CPU: with every thread waiting, the VM's CPU halts.
//! Alone in its own test binary, so that the CPU time of this process's children is the VM's.

use stardust_boot_tests::{Boot, image};
use std::time::{Duration, Instant};

/// User + system CPU time of this process's finished children (from /proc/self/stat). Panics
/// when it cannot be read: a time of 0 would make the test pass without measuring anything.
fn children_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat is readable (procfs)");
    // Fields after the command name (which ends with ')'): cutime and cstime are 14th and 15th.
    let fields: Vec<&str> = stat.rsplit_once(')').expect("/proc/self/stat has `(name)`").1.split_whitespace().collect();
    let field = |index: usize| -> u64 {
        let text = fields.get(index).unwrap_or_else(|| panic!("/proc/self/stat has no field {index}: {stat}"));
        text.parse().unwrap_or_else(|_| panic!("/proc/self/stat field {index} is not a number: {text:?}"))
    };
    Duration::from_millis((field(13) + field(14)) * 10) // USER_HZ is 100 on Linux
}

#[test]
fn waiting_threads_leave_the_cpu_halted() {
    let boot = Boot::new(image("threads", &["app-threadtest"]), "microvm").args(&["idle"]);
    let cpu_before = children_cpu_time();
    let started = Instant::now();
    let outcome = boot.run();
    let wall = started.elapsed();
    let cpu = children_cpu_time() - cpu_before;
    outcome.expect_code(0).expect_lines(&["threadtest: idle ok"]);
    // QEMU's own start-up costs CPU time: none at all means the measurement is broken.
    assert!(cpu > Duration::ZERO, "no CPU time was measured for the VM's QEMU: cannot judge idleness");
    // A busy-waiting guest keeps QEMU at 100% of a core for the whole two seconds; a halted one
    // costs only QEMU's start-up. A busy host only makes the wall time longer.
    assert!(cpu < wall / 2, "the VM used {cpu:?} of CPU in {wall:?}: something spins while all threads wait");
}
