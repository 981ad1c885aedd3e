//! threads-demo: the `threads` profile's app. Four workers sum a range in parts and send their
//! results over a channel; a shared counter under a mutex counts the parts.

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::sync::{Arc, Mutex, mpsc};
use stardust::thread;

const WORKERS: u64 = 4;
const LIMIT: u64 = 1_000_000;

/// The app's entry.
pub fn main() -> i32 {
    println!("threads-demo: {WORKERS} workers sum 1..={LIMIT}");
    let (sender, receiver) = mpsc::channel();
    let parts = Arc::new(Mutex::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let sender = sender.clone();
            let parts = Arc::clone(&parts);
            thread::Builder::new().name(format!("worker-{worker}")).spawn(move || {
                let chunk = LIMIT / WORKERS;
                let sum: u64 = (worker * chunk + 1..=(worker + 1) * chunk).sum();
                if let Ok(mut parts) = parts.lock() {
                    *parts += 1;
                }
                let _ = sender.send((worker, sum));
            })
        })
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    drop(sender);
    let mut total = 0;
    for (worker, sum) in receiver.iter() {
        println!("threads-demo: worker-{worker} sent {sum}");
        total += sum;
    }
    for worker in workers {
        let _ = worker.join();
    }
    let parts = parts.lock().map(|parts| *parts).unwrap_or(0);
    println!("threads-demo: total {total} from {parts} parts");
    if total == LIMIT * (LIMIT + 1) / 2 && parts == WORKERS { 0 } else { 1 }
}
