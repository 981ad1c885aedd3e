//! Regression tests for the races the thread runtime had in the VM (see CHANGELOG.md), replayed
//! step by step on simulated CPUs. Each test is named after the race.

mod simulation;

use simulation::{Cpu, Protocol, Simulation, TestScheduler};
use stardust_api::ThreadId;
use stardust_task_core::{IdleDecision, MAIN_THREAD, State};

/// A simulation whose main thread has spawned one thread, now running on CPU 1.
fn main_and_one_thread_on_two_cpus(protocol: Protocol) -> (Simulation, ThreadId) {
    let mut simulation = Simulation::new(2, TestScheduler::new(0, false), protocol);
    let thread = simulation.spawn(0, false).expect("a thread");
    assert_eq!(simulation.idle(1), Some(IdleDecision::Run(stardust_task_core::Switch { from: 2, to: thread })));
    assert!(simulation.settle());
    assert_eq!(simulation.app_thread(1), Some(thread));
    (simulation, thread)
}

/// "reap vs spawn": an ended thread's stack may be freed only once its CPU has left it and saved
/// it, and its number can then go to a new thread at once, which keeps its own context.
#[test]
fn reap_vs_spawn_an_ended_thread_is_reaped_once_off_its_cpu_and_its_number_reused_cleanly() {
    let (mut simulation, thread) = main_and_one_thread_on_two_cpus(Protocol::SaveThenWait);
    simulation.exit(1);
    assert!(matches!(simulation.cpus[1], Cpu::Switching { from, from_saved: false, .. } if from == thread));
    // CPU 1 is still on the dead thread's stack: nothing may be reaped yet.
    simulation.reap(0);
    assert_eq!(simulation.core.state(thread), Some(State::Dead));
    assert!(simulation.progress(1), "CPU 1 saves the dead thread");
    simulation.reap(0);
    assert_eq!(simulation.core.state(thread), None, "reaped once off its CPU");
    // The number goes to the next thread, which has a context of its own and runs.
    let reused = simulation.spawn(0, false).expect("a thread");
    assert_eq!(reused, thread);
    assert!(simulation.settle());
    assert!(matches!(simulation.idle(1), Some(IdleDecision::Run(switch)) if switch.to == reused));
    assert!(simulation.settle(), "the new thread's context was lost");
    assert_eq!(simulation.app_thread(1), Some(reused));
}

/// The other half of "reap vs spawn", the bug itself: detaching the dead thread's stack from its
/// number after the lock is released (as the runtime once did) lets a new thread take the number
/// first, and the late detach throws away the new thread's context: the CPU that switches to it
/// waits forever. This is why `RuntimeCore::reap` says to undo the tie under the lock.
#[test]
fn reap_vs_spawn_detaching_the_stack_after_the_number_is_reused_loses_the_new_thread() {
    let (mut simulation, thread) = main_and_one_thread_on_two_cpus(Protocol::SaveThenWait);
    simulation.exit(1);
    assert!(simulation.settle());
    // What follows breaks the machine on purpose: the simulation's own checks would stop it.
    simulation.checking = false;
    let reaped = simulation.core.reap(&AlwaysSuspended).expect("the dead thread");
    assert_eq!(reaped.0, thread);
    // (Not detached yet.) A new thread takes the number and prepares its context...
    let reused = simulation.core.reserve(4, Default::default()).expect("a number");
    assert_eq!(reused, thread);
    simulation.saved.insert(reused);
    let _ = simulation.core.admit(reused, 0);
    // ...then the late detach of the old stack invalidates that number's context.
    simulation.saved.remove(&thread);
    let Some(IdleDecision::Run(switch)) = simulation.idle(1) else { panic!("CPU 1 should run the new thread") };
    assert_eq!(switch.to, reused);
    assert!(simulation.progress(1), "CPU 1 saves its idle thread");
    assert!(!simulation.progress(1), "CPU 1 waits for the new thread's context");
    assert!(!simulation.settle(), "the switch to the new thread should never finish");
}

struct AlwaysSuspended;

impl stardust_task_core::Machine for AlwaysSuspended {
    fn is_suspended(&self, _thread: ThreadId) -> bool {
        true
    }
}

/// "early sleep ends": sleeps end on deadlines, not on counted ticks. A monitor that delivers
/// late timer interrupts in a burst gives many ticks at nearly the same time; none of them may
/// end a sleep whose deadline has not come.
#[test]
fn early_sleep_ends_a_burst_of_late_ticks_never_ends_a_sleep_before_its_deadline() {
    let mut simulation = Simulation::new(1, TestScheduler::new(1, false), Protocol::SaveThenWait);
    simulation.sleep(0, 5);
    assert!(simulation.settle());
    simulation.tick(0, 4);
    for _ in 0..50 {
        simulation.tick(0, 0);
    }
    assert_eq!(simulation.core.state(MAIN_THREAD), Some(State::Sleeping { until: 5 }));
    simulation.tick(0, 1);
    assert_eq!(simulation.core.state(MAIN_THREAD), Some(State::Ready));
    // Several CPUs ticking at once are no different.
    let mut simulation = Simulation::new(4, TestScheduler::new(1, false), Protocol::SaveThenWait);
    simulation.sleep(0, 3);
    assert!(simulation.settle());
    for round in 0..20 {
        simulation.tick(round % 4, u64::from(round == 0) * 2);
    }
    assert_eq!(simulation.core.state(MAIN_THREAD), Some(State::Sleeping { until: 3 }));
    simulation.tick(2, 1);
    assert_eq!(simulation.core.state(MAIN_THREAD), Some(State::Ready));
}

/// The thread main spawns first (after main and the two idle threads).
const BLOCKED_THREAD: ThreadId = 3;

/// The two threads of the "SMP switch deadlock": CPU 1's thread blocks, and before CPU 1 has left
/// it, CPU 0 wakes it and yields to it; CPU 1 then picks CPU 0's old thread. Each CPU now enters
/// the thread the other is leaving.
fn crossed_switches(protocol: Protocol) -> Simulation {
    let (mut simulation, thread) = main_and_one_thread_on_two_cpus(protocol);
    assert_eq!(thread, BLOCKED_THREAD);
    simulation.wait(1, 0, true, None);
    assert_eq!(simulation.cpus[1], Cpu::Blocking(thread));
    simulation.wake_one(0, 0);
    simulation.yield_now(0);
    assert_eq!(simulation.cpus[0], Cpu::Switching { from: MAIN_THREAD, to: thread, from_saved: false });
    assert!(simulation.progress(1), "CPU 1 reschedules");
    assert_eq!(simulation.cpus[1], Cpu::Switching { from: thread, to: MAIN_THREAD, from_saved: false });
    simulation
}

/// "SMP switch deadlock": the core hands out crossed switches, so the machine has to publish the
/// thread it leaves before it waits for the one it enters. With that order (the hal's since the
/// fix) both switches finish; with the old order each CPU waits for the other forever.
#[test]
fn smp_switch_deadlock_crossed_switches_finish_when_each_cpu_saves_before_it_waits() {
    let mut simulation = crossed_switches(Protocol::SaveThenWait);
    assert!(simulation.settle(), "crossed switches never finished");
    assert_eq!(simulation.app_thread(0), Some(BLOCKED_THREAD));
    assert_eq!(simulation.app_thread(1), Some(MAIN_THREAD));

    let mut simulation = crossed_switches(Protocol::WaitThenSave);
    assert!(!simulation.settle(), "the old order should deadlock here");
    assert!(!simulation.progress(0) && !simulation.progress(1));
}

/// The deadlock report counts the CPUs actually online (not every CPU the image could use), and
/// only once every one of them has nothing to run.
#[test]
fn deadlock_is_reported_once_every_online_cpu_idles_with_nobody_sleeping() {
    let mut simulation = Simulation::new(1, TestScheduler::new(1, false), Protocol::SaveThenWait);
    simulation.wait(0, 0, true, None);
    assert!(simulation.settle());
    assert_eq!(simulation.idle(0), Some(IdleDecision::Deadlock));

    let mut simulation = Simulation::new(2, TestScheduler::new(1, false), Protocol::SaveThenWait);
    simulation.sleep(0, 10);
    assert!(simulation.settle());
    let halt = Some(IdleDecision::Halt { wake_at: Some(10) });
    assert_eq!(simulation.idle(0), halt, "a sleeper can still wake, and its CPU is woken for it");
    assert_eq!(simulation.idle(1), halt, "a sleeper can still wake, and its CPU is woken for it");
    simulation.tick(1, 10);
    assert!(matches!(simulation.idle(1), Some(IdleDecision::Run(_))));
    assert!(simulation.settle());
    simulation.wait(1, 0, true, None);
    assert!(simulation.settle());
    // CPU 0 was woken to run main (CPU 1 took it first): it is the last to find nothing.
    assert_eq!(simulation.idle(1), Some(IdleDecision::Halt { wake_at: None }));
    assert_eq!(simulation.idle(0), Some(IdleDecision::Deadlock));
}
