//! threadtest: each mode checks one behaviour of threads and synchronisation and prints
//! `threadtest: MODE ok` (or `threadtest: FAILED: ...` and exits 1). Modes run in the order
//! given; `threadtest` alone runs the ones every scheduler must pass.

#![no_std]
#![forbid(unsafe_code)]

mod modes;
use core::hint::black_box;
use stardust::prelude::*;
use stardust::sync::{Arc, Barrier, Condvar, Mutex, OnceLock, RwLock, mpsc};
use stardust::thread::{self, Builder};
use stardust::time::{Duration, Instant};

type Outcome = Result<(), String>;

fn counter() -> Outcome {
    const THREADS: usize = 8;
    const INCREMENTS: usize = 10_000;
    let count = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let count = Arc::clone(&count);
            thread::spawn(move || {
                for _ in 0..INCREMENTS {
                    *count.lock().map_err(|_| ()).unwrap_or_else(|_| unreachable!()) += 1;
                }
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    let total = *count.lock().map_err(|_| "poisoned")?;
    if total == THREADS * INCREMENTS { Ok(()) } else { Err(format!("counter: {total}, not {}", THREADS * INCREMENTS)) }
}

fn channel() -> Outcome {
    const PRODUCERS: u32 = 3;
    const ITEMS: u32 = 1000;
    let (sender, receiver) = mpsc::channel();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let sender = sender.clone();
            thread::spawn(move || {
                for item in 0..ITEMS {
                    let _ = sender.send((producer, item));
                }
            })
        })
        .collect();
    drop(sender);
    let mut next = [0u32; PRODUCERS as usize];
    for (producer, item) in receiver.iter() {
        let expected = &mut next[producer as usize];
        if item != *expected {
            return Err(format!("channel: producer {producer} sent {item} where {expected} was due"));
        }
        *expected += 1;
    }
    for producer in producers {
        let _ = producer.join();
    }
    if next.iter().all(|&n| n == ITEMS) { Ok(()) } else { Err(format!("channel: received {next:?}")) }
}

fn pingpong() -> Outcome {
    const ROUNDS: u32 = 10_000;
    let state = Arc::new((Mutex::new((0u32, false)), Condvar::new()));
    let theirs = Arc::clone(&state);
    let pong = thread::spawn(move || {
        let (lock, turn) = &*theirs;
        for round in 0..ROUNDS {
            let mut guard = turn
                .wait_while(lock.lock().unwrap_or_else(|p| p.into_inner()), |s| !s.1)
                .unwrap_or_else(|p| p.into_inner());
            if guard.0 != round {
                return false;
            }
            guard.1 = false;
            turn.notify_one();
        }
        true
    });
    let (lock, turn) = &*state;
    for round in 0..ROUNDS {
        let mut guard =
            turn.wait_while(lock.lock().unwrap_or_else(|p| p.into_inner()), |s| s.1).unwrap_or_else(|p| p.into_inner());
        guard.0 = round;
        guard.1 = true;
        turn.notify_one();
    }
    match pong.join() {
        Ok(true) => Ok(()),
        _ => Err("pingpong: rounds out of step".into()),
    }
}

fn sleep() -> Outcome {
    for millis in [1u64, 5, 20, 50] {
        let asked = Duration::from_millis(millis);
        let start = Instant::now();
        thread::sleep(asked);
        let slept = start.elapsed();
        if slept < asked {
            return Err(format!("sleep: asked {asked:?}, returned after {slept:?}"));
        }
    }
    Ok(())
}

/// A thread that spins forever must not keep the others from finishing (preemptive schedulers).
fn preempt() -> Outcome {
    let _spinner = thread::spawn(|| {
        let mut spins = 0u64;
        loop {
            spins = black_box(spins.wrapping_add(1));
        }
    });
    let worker = thread::spawn(|| (1..=10_000u64).sum::<u64>());
    thread::sleep(Duration::from_millis(30));
    match worker.join() {
        Ok(50_005_000) => Ok(()),
        other => Err(format!("preempt: worker returned {:?}", other.ok())),
    }
}

/// Under a cooperative scheduler a thread keeps the CPU until it yields or blocks: the order of
/// events shows it.
fn cooperative() -> Outcome {
    let log = Arc::new(Mutex::new(Vec::new()));
    let theirs = Arc::clone(&log);
    let busy = thread::spawn(move || {
        for step in 0..3 {
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(20) {
                core::hint::spin_loop();
            }
            theirs.lock().map(|mut log| log.push(format!("busy {step}"))).ok();
        }
    });
    log.lock().map(|mut log| log.push("main before yield".to_string())).ok();
    thread::yield_now();
    log.lock().map(|mut log| log.push("main after yield".to_string())).ok();
    let _ = busy.join();
    let log = log.lock().map(|log| log.clone()).unwrap_or_default();
    let expected = ["main before yield", "busy 0", "busy 1", "busy 2", "main after yield"];
    if log == expected { Ok(()) } else { Err(format!("cooperative: order {log:?}")) }
}

/// Higher priorities run first: a top-priority starter queues threads of priorities 1, 2, 6, 7
/// without being preempted, then ends; they must run 7, 6, 2, 1.
fn priority() -> Outcome {
    let order = Arc::new(Mutex::new(Vec::new()));
    let theirs = Arc::clone(&order);
    let starter = Builder::new()
        .name("starter".into())
        .priority(7)
        .spawn(move || {
            (0..4)
                .map(|index| {
                    let priority = [1u8, 2, 6, 7][index];
                    let order = Arc::clone(&theirs);
                    Builder::new().priority(priority).spawn(move || {
                        order.lock().map(|mut order| order.push(priority)).ok();
                    })
                })
                .collect::<Vec<_>>()
        })
        .map_err(|error| format!("priority: {error}"))?;
    let handles = starter.join().unwrap_or_default();
    for handle in handles.into_iter().flatten() {
        let _ = handle.join();
    }
    let order = order.lock().map(|order| order.clone()).unwrap_or_default();
    if order == [7, 6, 2, 1] { Ok(()) } else { Err(format!("priority: ran in order {order:?}")) }
}

fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 32]);
    if depth == u64::MAX { 0 } else { recurse(black_box(depth + 1)) + frame[black_box(1)] }
}

fn overflow() -> Outcome {
    let deep =
        Builder::new().name("deep".into()).stack_size(16 * 1024).spawn(|| recurse(0)).map_err(|e| format!("{e}"))?;
    let _ = deep.join();
    Err("overflow: the recursion ended without hitting the guard page".into())
}

/// Every thread sleeps or waits for `seconds` (`idle` is 2, `idle=N` N): the host checks that
/// the VM used little CPU (`scripts/bench-idle` measures how little, from the line printed
/// first).
fn idle(seconds: u64) -> Outcome {
    println!("threadtest: idling for {seconds} s");
    let sleeper = thread::spawn(move || thread::sleep(Duration::from_secs(seconds)));
    let start = Instant::now();
    let _ = sleeper.join();
    let waited = start.elapsed();
    if waited >= Duration::from_secs(seconds) { Ok(()) } else { Err(format!("idle: joined after {waited:?}")) }
}

/// Main joins a thread that waits for a message only main could send: every thread blocked and
/// none sleeping. The runtime must see that no thread can ever run again and end the VM (exit
/// 106); returning at all is a failure.
fn deadlock() -> Outcome {
    let (sender, receiver) = mpsc::channel::<()>();
    let waiter = thread::spawn(move || receiver.recv().is_ok());
    println!("threadtest: deadlock: main joins a thread that waits for main");
    let joined = waiter.join();
    drop(sender);
    Err(format!("deadlock: the join returned {joined:?}"))
}

/// Many threads mixing mutexes, a channel, sleeps and yields for `seconds`; every update must
/// be counted and every message received, with no deadlock.
fn stress(seconds: u64) -> Outcome {
    const WORKERS: u64 = 12;
    let counter = Arc::new(Mutex::new(0u64));
    let (sender, receiver) = mpsc::channel::<u64>();
    let consumer =
        thread::spawn(move || receiver.iter().fold((0u64, 0u64), |(count, sum), value| (count + 1, sum + value)));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let counter = Arc::clone(&counter);
            let sender = sender.clone();
            thread::spawn(move || {
                let mut state = worker.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                let (mut increments, mut sent, mut sent_sum) = (0u64, 0u64, 0u64);
                while Instant::now() < deadline {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    match state % 8 {
                        0..=3 => {
                            if let Ok(mut value) = counter.lock() {
                                *value += 1;
                                increments += 1;
                            }
                        }
                        4 | 5 => {
                            if sender.send(state % 1000).is_ok() {
                                sent += 1;
                                sent_sum += state % 1000;
                            }
                        }
                        6 => thread::sleep(Duration::from_micros(state % 2000)),
                        _ => thread::yield_now(),
                    }
                }
                (increments, sent, sent_sum)
            })
        })
        .collect();
    drop(sender);
    let (mut increments, mut sent, mut sent_sum) = (0, 0, 0);
    for worker in workers {
        let (i, s, sum) = worker.join().map_err(|_| "stress: a worker failed")?;
        increments += i;
        sent += s;
        sent_sum += sum;
    }
    let (received, received_sum) = consumer.join().map_err(|_| "stress: the consumer failed")?;
    let counted = *counter.lock().map_err(|_| "poisoned")?;
    println!(
        "threadtest: stress: {increments} increments, {sent} messages in {seconds} s on {} CPUs",
        thread::available_parallelism()
    );
    if counted != increments {
        return Err(format!("stress: counter {counted}, increments {increments}"));
    }
    if (received, received_sum) != (sent, sent_sum) {
        return Err(format!("stress: sent {sent} (sum {sent_sum}), received {received} (sum {received_sum})"));
    }
    Ok(())
}

/// Every CPU the image was given takes part: busy threads, twice as many as CPUs, spin until
/// each CPU has run one of them (or 10 s pass, a failure).
fn cpus() -> Outcome {
    let expected: usize =
        stardust::env::args().find_map(|arg| arg.strip_prefix("cpus=").and_then(|n| n.parse().ok())).unwrap_or(1);
    let available = thread::available_parallelism();
    println!("threadtest: {available} CPUs online");
    let full = if available >= 64 { u64::MAX } else { (1u64 << available) - 1 };
    let seen = Arc::new(core::sync::atomic::AtomicU64::new(0));
    let handles: Vec<_> = (0..available * 2)
        .map(|_| {
            let seen = Arc::clone(&seen);
            thread::spawn(move || {
                let start = Instant::now();
                while seen.load(core::sync::atomic::Ordering::Relaxed) != full
                    && start.elapsed() < Duration::from_secs(10)
                {
                    seen.fetch_or(1 << thread::current_cpu().min(63), core::sync::atomic::Ordering::Relaxed);
                    core::hint::spin_loop();
                }
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    let seen = seen.load(core::sync::atomic::Ordering::Relaxed);
    let cpus: Vec<u32> = (0..64).filter(|bit| seen & (1 << bit) != 0).collect();
    println!("threadtest: threads ran on CPUs {cpus:?}");
    if available == expected && seen == full {
        Ok(())
    } else {
        Err(format!("cpus: {available} online, threads ran on {cpus:?}, expected {expected}"))
    }
}

fn spawn_errors() -> Outcome {
    if Builder::new().stack_size(100).spawn(|| ()).is_ok() {
        return Err("spawn-errors: a 100-byte stack was accepted".into());
    }
    if Builder::new().priority(200).spawn(|| ()).is_ok() {
        return Err("spawn-errors: priority 200 was accepted".into());
    }
    let name = Builder::new().name("named".into()).spawn(|| thread::current().name().map(str::to_string));
    match name.map(|handle| handle.join()) {
        Ok(Ok(Some(name))) if name == "named" => {}
        _ => return Err("spawn-errors: current().name() inside a named thread".into()),
    }
    if thread::current().name() != Some("main") {
        return Err("spawn-errors: the first thread is not called main".into());
    }
    Ok(())
}

fn primitives() -> Outcome {
    static ONCE: OnceLock<u32> = OnceLock::new();
    let table = Arc::new(RwLock::new(0u32));
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4u32)
        .map(|index| {
            let table = Arc::clone(&table);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let first = *ONCE.get_or_init(|| index + 100);
                if let Ok(mut value) = table.write() {
                    *value += 1;
                }
                let leader = barrier.wait().is_leader();
                let seen = table.read().map(|value| *value).unwrap_or(0);
                (first, leader, seen)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().filter_map(|handle| handle.join().ok()).collect();
    let first = results.first().map(|r| r.0);
    let leaders = results.iter().filter(|r| r.1).count();
    if results.len() == 4 && results.iter().all(|r| Some(r.0) == first && r.2 == 4) && leaders == 1 {
        Ok(())
    } else {
        Err(format!("primitives: {results:?}"))
    }
}

/// The app's entry.
pub fn main() -> i32 {
    let mut modes: Vec<String> = stardust::env::args().skip(1).collect();
    if modes.is_empty() {
        modes = modes::COMMON.iter().map(|m| m.to_string()).collect();
    }
    for mode in &modes {
        let result = match mode.as_str() {
            "counter" => counter(),
            "channel" => channel(),
            "pingpong" => pingpong(),
            "sleep" => sleep(),
            "preempt" => preempt(),
            "cooperative" => cooperative(),
            "priority" => priority(),
            "overflow" => overflow(),
            "spawn-errors" => spawn_errors(),
            "idle" => idle(2),
            mode if mode.starts_with("idle=") => match mode["idle=".len()..].parse() {
                Ok(seconds) => idle(seconds),
                Err(_) => Err(format!("`{mode}`: idle=SECONDS takes a whole number of seconds")),
            },
            "deadlock" => deadlock(),
            "stress" => stress(30),
            "stress-short" => stress(3),
            "cpus" => cpus(),
            mode if mode.starts_with("cpus=") => continue,
            "primitives" => primitives(),
            other => Err(format!("unknown mode `{other}`")),
        };
        match result {
            Ok(()) => println!("threadtest: {mode} ok"),
            Err(message) => {
                println!("threadtest: FAILED: {message}");
                return 1;
            }
        }
    }
    0
}
