//! Boot tests of the thread runtime and the scheduler slot: every scheduler, in the VM.

use stardust_boot_tests::{Boot, COMMON_THREAD_TESTS, Outcome, image, implementations, ok_lines};

fn threadtest(scheduler: &str, machine: &str, modes: &[&str]) -> Outcome {
    Boot::new(image("threads", &[scheduler, "app-threadtest"]), machine).memory("64M").args(modes).run()
}

#[test]
fn every_scheduler_passes_the_common_thread_tests() {
    for scheduler in implementations("scheduler") {
        let scheduler = scheduler.as_str();
        threadtest(scheduler, "microvm", &[])
            .expect_code(0)
            .expect_lines(&ok_lines("threadtest", &COMMON_THREAD_TESTS));
    }
}

#[test]
fn threads_run_on_q35_too() {
    threadtest("sched-rr", "q35", &["counter", "sleep"])
        .expect_code(0)
        .expect_lines(&["threadtest: counter ok", "threadtest: sleep ok"]);
}

#[test]
fn preemptive_schedulers_stop_a_spinning_thread_from_starving_the_others() {
    for scheduler in ["sched-rr", "sched-prio"] {
        threadtest(scheduler, "microvm", &["preempt"]).expect_code(0).expect_lines(&["threadtest: preempt ok"]);
    }
}

#[test]
fn the_cooperative_scheduler_switches_only_on_yield_block_or_exit() {
    threadtest("sched-fifo", "microvm", &["cooperative"]).expect_code(0).expect_lines(&["threadtest: cooperative ok"]);
}

#[test]
fn the_priority_scheduler_runs_higher_priorities_first() {
    threadtest("sched-prio", "microvm", &["priority"]).expect_code(0).expect_lines(&["threadtest: priority ok"]);
}

#[test]
fn deep_recursion_in_a_thread_hits_its_guard_page_and_names_the_thread() {
    for scheduler in implementations("scheduler") {
        let scheduler = scheduler.as_str();
        threadtest(scheduler, "microvm", &["overflow"])
            .expect_code(104)
            .expect_lines(&["stardust: stack overflow: thread 'deep' ran into its stack's guard page at 0x"])
            .expect_no_line("the recursion ended");
    }
}

#[test]
fn every_thread_blocked_with_none_sleeping_is_reported_as_a_deadlock() {
    for scheduler in implementations("scheduler") {
        let scheduler = scheduler.as_str();
        threadtest(scheduler, "microvm", &["deadlock"])
            .expect_code(106)
            .expect_lines(&[
                "threadtest: deadlock: main joins a thread that waits for main",
                "stardust: deadlock: every thread is blocked and none sleeps, so none can ever run",
            ])
            .expect_no_line("threadtest: FAILED");
    }
}
