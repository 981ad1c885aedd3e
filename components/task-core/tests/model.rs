//! Model tests: random sequences of spawn, exit, join, sleep, park, unpark, wait, wake, tick, yield, idle turns,
//! reaping and switch steps on 1 to 4 simulated CPUs, checked after every step against a
//! reference model and the machine's invariants (see `simulation`):
//!
//! - every live thread is in exactly one place: running on a CPU, in the run queue (once), on
//!   one wait list (in arrival order), sleeping, or dead and waiting to be reaped;
//! - no thread executes on two CPUs, and a context is never loaded while its thread executes;
//! - a sleeper is woken by the first tick at or after its deadline, never before; a parked
//!   thread also by an unpark, and an unpark of a thread not parked is kept for its next park;
//! - `wake_one` wakes the oldest waiter, `wake_all` every waiter, each ready exactly once;
//! - a reaped thread is dead, off every CPU, with its own payload, and its number is free;
//! - a deadlock is reported only when no thread can run, and always once none can.

mod simulation;

use proptest::prelude::*;
use simulation::{Cpu, Protocol, QUEUES, Simulation, TestScheduler};
use stardust_api::ThreadId;
use stardust_task_core::{IdleDecision, MAIN_THREAD};

#[derive(Debug, Clone)]
enum Action {
    Spawn { fail: bool },
    Exit,
    Join(ThreadId),
    Sleep(u64),
    Park(u64),
    Unpark(ThreadId),
    Wait { list: usize, condition: bool, release: Option<usize> },
    WakeOne(usize),
    WakeAll(usize),
    Tick(u64),
    Yield,
    Idle,
    Reap,
    Progress,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => prop::bool::weighted(0.1).prop_map(|fail| Action::Spawn { fail }),
        1 => Just(Action::Exit),
        1 => (0..12 as ThreadId).prop_map(Action::Join),
        2 => (0..6u64).prop_map(Action::Sleep),
        2 => (0..6u64).prop_map(Action::Park),
        2 => (0..12 as ThreadId).prop_map(Action::Unpark),
        2 => (0..QUEUES, prop::bool::weighted(0.8), prop::option::of(0..QUEUES))
            .prop_map(|(list, condition, release)| Action::Wait { list, condition, release }),
        3 => (0..QUEUES).prop_map(Action::WakeOne),
        2 => (0..QUEUES).prop_map(Action::WakeAll),
        3 => (0..3u64).prop_map(Action::Tick),
        2 => Just(Action::Yield),
        3 => Just(Action::Idle),
        1 => Just(Action::Reap),
        4 => Just(Action::Progress),
    ]
}

/// Which CPUs an action can apply to now: app threads act only on a CPU that runs one, idle
/// turns on a CPU in its idle loop, switch steps on a CPU in a switch or a block, ticks on any CPU
/// with interrupts on.
fn eligible(simulation: &Simulation, action: &Action) -> Vec<usize> {
    (0..simulation.cpus.len())
        .filter(|&cpu| match action {
            Action::Idle => simulation.in_idle_loop(cpu) && !simulation.halted[cpu],
            Action::Progress => !matches!(simulation.cpus[cpu], Cpu::Executing(_)),
            Action::Tick(_) => matches!(simulation.cpus[cpu], Cpu::Executing(_)),
            _ => simulation.app_thread(cpu).is_some(),
        })
        .collect()
}

/// Plays `steps`; each names an action and a choice among the CPUs it can apply to (skipped if
/// none can).
fn run(simulation: &mut Simulation, steps: &[(usize, Action)]) {
    for (choice, action) in steps {
        let cpus = eligible(simulation, action);
        if cpus.is_empty() {
            continue;
        }
        let cpu = cpus[choice % cpus.len()];
        match *action {
            Action::Spawn { fail } => drop(simulation.spawn(cpu, fail)),
            // Main's end is the app's end (the VM exits): only other threads end here.
            Action::Exit if simulation.app_thread(cpu) == Some(MAIN_THREAD) => {}
            Action::Exit => simulation.exit(cpu),
            Action::Join(target) => simulation.join(cpu, target),
            Action::Sleep(duration) => simulation.sleep(cpu, duration),
            Action::Park(duration) => simulation.park(cpu, duration),
            Action::Unpark(target) => simulation.unpark(cpu, target),
            Action::Wait { list, condition, release } => simulation.wait(cpu, list, condition, release),
            Action::WakeOne(list) => simulation.wake_one(cpu, list),
            Action::WakeAll(list) => simulation.wake_all(cpu, list),
            Action::Tick(advance) => simulation.tick(cpu, advance),
            Action::Yield => simulation.yield_now(cpu),
            Action::Idle => drop(simulation.idle(cpu)),
            Action::Reap => simulation.reap(cpu),
            Action::Progress => drop(simulation.progress(cpu)),
        }
    }
}

/// Runs the machine to its end: switches finish, running threads end one by one, idle CPUs take
/// turns, and time jumps to the next deadline while only sleepers are left. It must end in a
/// reported deadlock exactly when the model says nothing can run: every thread left waits on a
/// list nobody will signal.
fn run_to_the_end(simulation: &mut Simulation) {
    let cpus = simulation.cpus.len();
    for _ in 0..10_000 {
        assert!(simulation.settle(), "a switch waits forever\n{}", simulation.history);
        for cpu in 0..cpus {
            simulation.exit(cpu);
        }
        if !simulation.settle() {
            continue;
        }
        let mut deadlock = false;
        for cpu in 0..cpus {
            if simulation.halted[cpu] && !simulation.nothing_can_run() {
                continue; // it waits for an interrupt, as the others still work
            }
            if simulation.halted[cpu] {
                simulation.tick(cpu, 0); // a late tick: no time passes, the loop looks again
            }
            if simulation.idle(cpu) == Some(IdleDecision::Deadlock) {
                deadlock = true;
            }
        }
        if deadlock {
            assert!(simulation.nothing_can_run());
            return;
        }
        if !simulation.settle() {
            continue;
        }
        let all_idle = (0..cpus).all(|cpu| simulation.in_idle_loop(cpu));
        if all_idle && simulation.core.sleepers() > 0 {
            // Every CPU halted: only a tick can change anything.
            simulation.tick(0, 1);
        }
    }
    panic!("the machine never came to rest\n{}", simulation.history);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_every_invariant(
        cpus in 1..=4usize,
        // A slice of 0 ticks is a cooperative policy; a wake-up that preempts is a priority one.
        (slice, preempt_on_wake) in (0..3u32, any::<bool>()),
        steps in prop::collection::vec((0..4usize, action()), 1..400),
    ) {
        let mut simulation = Simulation::new(cpus, TestScheduler::new(slice, preempt_on_wake), Protocol::SaveThenWait);
        run(&mut simulation, &steps);
        run_to_the_end(&mut simulation);
    }
}

/// The random sequences above would pass vacuously if their steps rarely applied (most need a CPU
/// in a particular state). This runs the same generator and shows that every kind of event, the
/// racy ones included, happens many times.
#[test]
fn the_random_sequences_reach_every_kind_of_event() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let steps = prop::collection::vec((0..4usize, action()), 300);
    let mut events = std::collections::BTreeMap::new();
    for case in 0..400 {
        let cpus = 1 + case % 4;
        let mut simulation =
            Simulation::new(cpus, TestScheduler::new(case as u32 % 3, case % 2 == 0), Protocol::SaveThenWait);
        let steps = steps.new_tree(&mut runner).expect("a sequence").current();
        run(&mut simulation, &steps);
        run_to_the_end(&mut simulation);
        for (event, count) in simulation.events {
            *events.entry(event).or_insert(0) += count;
        }
    }
    println!("{events:#?}");
    for event in [
        "spawn",
        "spawn reuses a reaped number",
        "exit",
        "reap",
        "wait",
        "wake one",
        "wake all",
        "wake before the waiter left its CPU",
        "release before blocking",
        "sleeper woken",
        "sleeper kept",
        "park",
        "park with a token",
        "unpark ends a park",
        "unpark keeps a token",
        "switch",
        "switch to a thread still being left",
        "switch waits for a context",
        "wake-up interrupt",
        "halt",
        "deadlock",
    ] {
        let count = events.get(event).copied().unwrap_or(0);
        assert!(count >= 10, "{event}: only {count} times");
    }
}

#[test]
fn the_test_scheduler_keeps_the_scheduler_contract() {
    for (slice, preempt_on_wake) in [(0, false), (1, false), (2, true)] {
        stardust_api::fakes::check_scheduler_contract(|| TestScheduler::new(slice, preempt_on_wake));
    }
}
