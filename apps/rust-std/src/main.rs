//! rust-std: an ordinary std program, nothing Stardust-specific. Built for
//! x86_64-unknown-linux-musl (a static-pie), it runs natively on Linux and sealed into
//! Stardust's posix image; everything it prints is the same on both (no times, no paths, no
//! thread IDs). Usage: rust-std DIRECTORY [EXIT_CODE]. The directory must exist and be empty.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn threads() {
    // Workers over a channel, a shared counter under a Mutex, an atomic, a RwLock'd map.
    let (sender, receiver) = mpsc::channel();
    let counter = Arc::new(Mutex::new(0u64));
    let atomic = Arc::new(AtomicU64::new(0));
    let map = Arc::new(RwLock::new(BTreeMap::new()));
    let handles: Vec<_> = (0..6u64)
        .map(|worker| {
            let (sender, counter, atomic, map) = (sender.clone(), counter.clone(), atomic.clone(), map.clone());
            thread::Builder::new()
                .name(format!("worker-{worker}"))
                .spawn(move || {
                    let sum: u64 = (worker * 100_000..(worker + 1) * 100_000).sum();
                    for _ in 0..1000 {
                        *counter.lock().unwrap() += 1;
                        atomic.fetch_add(1, Ordering::Relaxed);
                    }
                    map.write().unwrap().insert(worker, thread::current().name().unwrap().to_string());
                    sender.send((worker, sum)).unwrap();
                    worker * 2
                })
                .unwrap()
        })
        .collect();
    drop(sender);
    let mut results: Vec<(u64, u64)> = receiver.iter().collect();
    results.sort();
    for (worker, sum) in &results {
        println!("worker {worker} summed {sum}");
    }
    let joined: Vec<u64> = handles.into_iter().map(|handle| handle.join().unwrap()).collect();
    println!("joined: {joined:?}");
    println!("counter {} atomic {}", *counter.lock().unwrap(), atomic.load(Ordering::Relaxed));
    println!("names: {:?}", map.read().unwrap().values().collect::<Vec<_>>());

    // A condition variable with a timeout that expires, and one that is notified.
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (lock, condvar) = &*pair;
    let (guard, timeout) = condvar.wait_timeout(lock.lock().unwrap(), Duration::from_millis(30)).unwrap();
    drop(guard);
    println!("wait_timeout timed out: {}", timeout.timed_out());
    let theirs = pair.clone();
    let notifier = thread::spawn(move || {
        let (lock, condvar) = &*theirs;
        *lock.lock().unwrap() = true;
        condvar.notify_all();
    });
    let guard = condvar.wait_while(lock.lock().unwrap(), |ready| !*ready).unwrap();
    println!("notified: {}", *guard);
    drop(guard);
    notifier.join().unwrap();

    // Scoped threads borrowing the stack; sleep measured (printed only as a comparison).
    let data = vec![1u64, 2, 3, 4, 5, 6, 7, 8];
    let total: u64 = thread::scope(|scope| {
        let halves: Vec<_> = data.chunks(4).map(|half| scope.spawn(move || half.iter().sum::<u64>())).collect();
        halves.into_iter().map(|handle| handle.join().unwrap()).sum()
    });
    println!("scoped total {total}");
    let start = Instant::now();
    thread::sleep(Duration::from_millis(20));
    println!("slept at least 20 ms: {}", start.elapsed() >= Duration::from_millis(20));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("the wall clock is after 2020: {}", now.as_secs() > 1_577_836_800);
}

fn files(directory: &Path) -> std::io::Result<()> {
    let folder = directory.join("rust-std");
    fs::create_dir(&folder)?;
    let path = folder.join("data.txt");
    let mut file = fs::File::create(&path)?;
    for line in 0..500 {
        writeln!(file, "line {line}: {}", "x".repeat(line % 40))?;
    }
    file.sync_all()?;
    drop(file);
    let size = fs::metadata(&path)?.len();
    let lines = BufReader::new(fs::File::open(&path)?).lines().count();
    println!("wrote {size} bytes, read back {lines} lines");
    let mut file = fs::OpenOptions::new().read(true).write(true).open(&path)?;
    file.seek(SeekFrom::Start(5))?;
    file.write_all(b"#")?;
    file.seek(SeekFrom::Start(0))?;
    let mut start = [0u8; 12];
    file.read_exact(&mut start)?;
    println!("after a write at 5: {:?}", String::from_utf8_lossy(&start));
    fs::rename(&path, folder.join("renamed.txt"))?;
    let mut names: Vec<String> =
        fs::read_dir(&folder)?.map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    println!("directory: {names:?}");
    println!("missing file: {:?}", fs::read(folder.join("missing")).map_err(|error| error.kind()));
    fs::remove_file(folder.join("renamed.txt"))?;
    fs::remove_dir(&folder)?;
    println!("cleaned up: {}", !folder.exists());
    Ok(())
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let Some(directory) = arguments.get(1) else {
        eprintln!("usage: rust-std DIRECTORY [EXIT_CODE]");
        std::process::exit(2);
    };
    println!("hello from Rust std, {} arguments", arguments.len());
    println!("environment: {:?}", std::env::vars().collect::<Vec<_>>());
    println!("parallelism known: {}", thread::available_parallelism().is_ok());
    threads();
    if let Err(error) = files(Path::new(directory)) {
        println!("files failed: {error}");
        std::process::exit(1);
    }
    let formatted = format!("{:.3} {:e} {}", std::f64::consts::PI, 1.0e-7f64, 0.1f32 + 0.2f32);
    println!("floats: {formatted}");
    let code = arguments.get(2).and_then(|code| code.parse().ok()).unwrap_or(0);
    std::process::exit(code);
}
