//! The VM on the host: `stardust-java [--heap BYTES] CLASSPATH_DIR MAIN [ARGS...]`. The oracle
//! tests and scripts/bench-java run the same VM as the image's, outside it.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use stardust_jvm::{ClassSource, Config, Host, Vm};

/// Every .class file under a directory, read at start: name (internal form) to bytes.
struct Directory(HashMap<String, Vec<u8>>);

impl Directory {
    fn read(root: &Path) -> std::io::Result<Directory> {
        let mut classes = HashMap::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder)? {
                let path = entry?.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "class") {
                    let relative = path.strip_prefix(root).unwrap_or(&path).with_extension("");
                    let name = relative.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
                    classes.insert(name, std::fs::read(&path)?);
                }
            }
        }
        Ok(Directory(classes))
    }
}

impl ClassSource for Directory {
    fn find(&self, name: &str) -> Option<&[u8]> {
        self.0.get(name).map(Vec::as_slice)
    }
}

struct Console {
    start: Instant,
}

impl Host for Console {
    fn write(&self, err: bool, bytes: &[u8]) {
        if err {
            let _ = std::io::stderr().write_all(bytes);
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
    }
    fn nanos(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
    fn millis(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }
    fn sleep(&self, millis: u64) {
        std::thread::sleep(std::time::Duration::from_millis(millis));
    }
    fn yield_now(&self) {
        std::thread::yield_now();
    }
    fn spawn(&self, run: Box<dyn FnOnce() + Send>) -> bool {
        std::thread::Builder::new().stack_size(THREAD_STACK).spawn(run).is_ok()
    }
    fn exit(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

/// Rust stack for a Java thread: library methods that call back into Java nest on it.
const THREAD_STACK: usize = 16 << 20;

const USAGE: &str = "usage: stardust-java [--heap BYTES] CLASS_DIR MAIN_CLASS [ARGS...]\n\
Runs MAIN_CLASS's main from the .class files under CLASS_DIR in Stardust's Java VM on the host.\n\
Exit status: the program's (System.exit, 0 after main, 1 after an uncaught exception); 2 for a bad command line.";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // A quarter of a typical host's memory, as `java` takes by default: 256 MiB.
    let mut config = Config { heap_bytes: 256 << 20, ..Config::default() };
    if args.first().is_some_and(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.first().is_some_and(|a| a == "--heap") {
        match args.get(1).and_then(|v| v.parse().ok()) {
            Some(bytes) => config.heap_bytes = bytes,
            None => {
                eprintln!("stardust-java: --heap needs a number of bytes\n{USAGE}");
                return ExitCode::from(2);
            }
        }
        args.drain(..2);
    }
    if args.len() < 2 {
        eprintln!("stardust-java: missing CLASS_DIR or MAIN_CLASS\n{USAGE}");
        return ExitCode::from(2);
    }
    let source = match Directory::read(Path::new(&args[0])) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("stardust-java: cannot read the classes in {}: {error}", args[0]);
            return ExitCode::from(2);
        }
    };
    let console = std::sync::Arc::new(Console { start: Instant::now() });
    let program_args: Vec<String> = args[2..].to_vec();
    let main = args[1].clone();
    // main runs on a thread with the same stack as the others.
    let vm = std::thread::Builder::new().stack_size(THREAD_STACK).spawn(move || {
        let program_args: Vec<&str> = program_args.iter().map(String::as_str).collect();
        let mut vm = Vm::new(console, Box::new(source), config);
        vm.run_main(&main, &program_args)
    });
    match vm.map(|thread| thread.join()) {
        Ok(Ok(code)) => ExitCode::from(code as u8),
        _ => {
            eprintln!("stardust-java: the VM's thread failed");
            ExitCode::from(70)
        }
    }
}
