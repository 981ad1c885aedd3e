//! java: the image's app is a Java program. The build script seals its classes in (a directory
//! or jar named by `STARDUST_JAVA`, else the demo) and names its main class; `main` runs it in
//! the `stardust-jvm` VM with the command line's arguments, and the VM's exit code is the app's.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use stardust::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use stardust_jvm::{Bundle, Config, Host, Vm};

static CLASSES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/classes.bundle"));
const MAIN: &str = include_str!(concat!(env!("OUT_DIR"), "/main.name"));

/// The VM's Rust stack: library methods that call back into Java (sorting with a comparator,
/// toString in string concatenation, a lambda calling a lambda) nest on it.
const VM_STACK: usize = 256 * 1024;
/// Rust stack allowed per nested call from the library into Java. Measured with a lambda that
/// recurses through `apply` and through `HashMap.computeIfAbsent`: 128 nestings (2 KiB each) fit
/// in 256 KiB, 256 ran into the guard page; 4 KiB leaves room to spare (StackOverflowError first).
const STACK_PER_NESTING: usize = 4 * 1024;

struct Console {
    start: Instant,
}

impl Host for Console {
    fn write(&self, _err: bool, bytes: &[u8]) {
        stardust::console::write_bytes(bytes);
    }
    fn nanos(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
    fn millis(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }
    fn sleep(&self, millis: u64) {
        stardust::thread::sleep(Duration::from_millis(millis));
    }
    fn yield_now(&self) {
        stardust::thread::yield_now();
    }
    fn spawn(&self, run: Box<dyn FnOnce() + Send>) -> bool {
        stardust::thread::Builder::new().stack_size(VM_STACK).spawn(run).is_ok()
    }
    fn exit(&self, code: i32) -> ! {
        stardust::process::exit(code)
    }
}

fn run() -> i32 {
    let bundle = match Bundle::parse(CLASSES) {
        Ok(bundle) => bundle,
        Err(reason) => {
            stardust::println!("java: the sealed classes are unreadable: {reason}");
            return 1;
        }
    };
    let arguments: Vec<String> = stardust::env::args().skip(1).collect();
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    // Half the free heap for Java objects: the rest is for class metadata, the value stack and
    // the collector's own work.
    let free = stardust::heap::stats().free as usize;
    // A sixteenth for each Java thread's value stack (16-byte slots).
    let config = Config {
        heap_bytes: free / 2,
        max_native_depth: VM_STACK / STACK_PER_NESTING,
        max_stack_slots: free / 16 / 16,
        ..Config::default()
    };
    // `--env STARDUST_JAVA_MAIN=CLASS` runs another sealed class's main.
    let main = stardust::env::vars().find(|(key, _)| key == "STARDUST_JAVA_MAIN").map(|(_, class)| class);
    let main = main.as_deref().unwrap_or(MAIN);
    let console = Arc::new(Console { start: Instant::now() });
    let mut vm = Vm::new(console, Box::new(bundle), config);
    vm.run_main(main, &arguments)
}

/// The app's entry: the VM runs on a thread with room for nested calls; the VM ends with the
/// program's exit code.
pub fn main() {
    let code = match stardust::thread::Builder::new().stack_size(VM_STACK).spawn(run) {
        Ok(vm) => vm.join().unwrap_or(1),
        Err(_) => {
            stardust::println!("java: no memory for the VM's thread ({} KiB of stack)", VM_STACK / 1024);
            1
        }
    };
    stardust::process::exit(code)
}
