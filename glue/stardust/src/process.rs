//! Ending the app: `exit`, `ExitCode`, and what `main` may return.

use core::fmt::Debug;

/// Ends the app (and the VM) with `code`. Codes 0..=126 leave the VM as they are; others are
/// reported and replaced by 126. Codes 101-105 are the kernel's own failures (see README).
/// Buffered file-system data is written back first.
pub fn exit(code: i32) -> ! {
    if let Some(hook) = AT_EXIT.get() {
        hook();
    }
    let code = u8::try_from(code).unwrap_or(u8::MAX);
    hal::power::exit(code)
}

/// Ends the VM with a Linux program's exit status (0..=255: 128 + N for a program killed by
/// signal N), after the same write-back as [`exit`]. `scripts/run` exits with it on every
/// monitor.
pub fn exit_status(status: u8) -> ! {
    if let Some(hook) = AT_EXIT.get() {
        hook();
    }
    hal::power::exit_status(status)
}

static AT_EXIT: spin::Once<fn()> = spin::Once::new();

/// Registers the runtime's work before exit (the file systems' write-back); once.
pub(crate) fn at_exit(hook: fn()) {
    AT_EXIT.call_once(|| hook);
}

/// An exit status, as `std::process::ExitCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitCode(u8);

impl ExitCode {
    /// Success (0).
    pub const SUCCESS: ExitCode = ExitCode(0);
    /// Failure (1).
    pub const FAILURE: ExitCode = ExitCode(1);
}

impl From<u8> for ExitCode {
    fn from(code: u8) -> Self {
        ExitCode(code)
    }
}

/// What an app's `main` may return: the value becomes the exit code.
pub trait Termination {
    /// The exit code this value stands for.
    fn report(self) -> i32;
}

impl Termination for () {
    fn report(self) -> i32 {
        0
    }
}

impl Termination for i32 {
    fn report(self) -> i32 {
        self
    }
}

impl Termination for ExitCode {
    fn report(self) -> i32 {
        i32::from(self.0)
    }
}

impl<T: Termination, E: Debug> Termination for Result<T, E> {
    fn report(self) -> i32 {
        match self {
            Ok(value) => value.report(),
            Err(error) => {
                crate::eprintln!("Error: {error:?}");
                1
            }
        }
    }
}
