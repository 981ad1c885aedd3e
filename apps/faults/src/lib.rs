//! faults: does one wrong thing, named by its first argument, so that tests can check that the
//! kernel catches it, reports it and exits with the documented code.
//!
//! This is the one app with `unsafe`: its job is undefined behaviour the kernel must survive.

#![no_std]

use core::hint::black_box;
use stardust::prelude::*;
use stardust::process::ExitCode;

const USAGE: &str = "usage: faults MODE
  panic           panic with a message            (kernel exit code 101)
  null            read through a null pointer     (102)
  write-code      write into the app's own code   (102)
  exec-stack      jump into the stack             (102)
  invalid-opcode  execute ud2                     (102)
  overflow        recurse until the stack ends    (104)
  exit N          process::exit(N)                (N)
  return N        return N from main              (N)
  error           return Err from main            (1)";

/// The app's entry.
pub fn main() -> Result<ExitCode, &'static str> {
    let arguments: Vec<String> = stardust::env::args().collect();
    let mode = arguments.get(1).map(String::as_str).unwrap_or("");
    let number = || arguments.get(2).and_then(|n| n.parse::<u8>().ok()).unwrap_or(0);
    println!("faults: {mode}");
    match mode {
        "panic" => panic!("deliberate panic from the faults app"),
        "null" => {
            let pointer: *const u64 = black_box(core::ptr::null());
            // SAFETY: none: reading address 0 is the fault under test; page 0 is unmapped.
            let value = unsafe { pointer.read_volatile() };
            println!("read {value} through a null pointer: the kernel did not catch it");
        }
        "write-code" => {
            let code = black_box(main as fn() -> Result<ExitCode, &'static str>) as *mut u8;
            // SAFETY: none: writing to text is the fault under test; text is mapped read-only.
            unsafe { code.write_volatile(0xc3) };
            println!("wrote into code: the kernel did not catch it");
        }
        "exec-stack" => {
            let code = black_box([0xc3u8; 16]); // `ret`, should it ever run
            // SAFETY: none: jumping into the stack is the fault under test; stacks are no-execute.
            let function: fn() = unsafe { core::mem::transmute(code.as_ptr()) };
            function();
            println!("ran code on the stack: the kernel did not catch it");
        }
        "invalid-opcode" => {
            // SAFETY: none: ud2 raises the invalid-opcode exception under test.
            unsafe { core::arch::asm!("ud2") };
        }
        "overflow" => println!("recursed {} times: the kernel did not catch it", recurse(black_box(1))),
        "exit" => stardust::process::exit(i32::from(number())),
        "return" => return Ok(ExitCode::from(number())),
        "error" => return Err("deliberate error"),
        _ => {
            println!("{USAGE}");
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::FAILURE)
}

#[allow(unconditional_recursion, reason = "the overflow mode must never stop by itself")]
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 64]);
    recurse(black_box(depth + 1)) + frame[black_box(3)]
}
