//! Boot tests of the `smp` profile: every CPU from the ACPI MADT comes online and runs threads.

use stardust_boot_tests::{Boot, COMMON_THREAD_TESTS, Outcome, image, implementations, ok_lines};

fn threadtest(features: &[&str], machine: &str, cpus: u32, modes: &[&str]) -> Outcome {
    let mut all = vec!["app-threadtest"];
    all.extend_from_slice(features);
    Boot::new(image("smp", &all), machine).memory("64M").cpus(cpus).args(modes).run()
}

#[test]
fn every_cpu_comes_online_and_runs_threads() {
    for machine in ["microvm", "q35"] {
        for cpus in [1u32, 2, 4] {
            let expected = format!("cpus={cpus}");
            let online = format!("threadtest: {cpus} CPUs online");
            threadtest(&[], machine, cpus, &["cpus", &expected]).expect_code(0).expect_lines(&[
                &online,
                "threadtest: threads ran on CPUs [0",
                "threadtest: cpus ok",
            ]);
        }
    }
}

#[test]
fn the_thread_tests_pass_on_four_cpus_with_every_scheduler() {
    for scheduler in implementations("scheduler") {
        let scheduler = scheduler.as_str();
        let modes = [&COMMON_THREAD_TESTS[..], &["preempt"]].concat();
        threadtest(&[scheduler], "microvm", 4, &modes).expect_code(0).expect_lines(&ok_lines("threadtest", &modes));
    }
}

#[test]
fn a_stack_overflow_on_another_cpu_is_reported() {
    threadtest(&["sched-rr"], "q35", 4, &["overflow"])
        .expect_code(104)
        .expect_lines(&["stardust: stack overflow: thread 'deep' ran into its stack's guard page"]);
}

#[test]
fn thirty_seconds_of_stress_on_four_cpus_lose_nothing() {
    threadtest(&["sched-rr"], "microvm", 4, &["stress"])
        .expect_code(0)
        .expect_lines(&["threadtest: stress: ", "threadtest: stress ok"])
        .expect_lines(&["in 30 s on 4 CPUs"]);
}

#[test]
fn a_deadlock_is_reported_once_every_cpu_has_nothing_to_run() {
    for cpus in [2u32, 4] {
        threadtest(&["sched-rr"], "microvm", cpus, &["deadlock"])
            .expect_code(106)
            .expect_lines(&[
                "threadtest: deadlock: main joins a thread that waits for main",
                "stardust: deadlock: every thread is blocked and none sleeps, so none can ever run",
            ])
            .expect_no_line("threadtest: FAILED");
    }
}
