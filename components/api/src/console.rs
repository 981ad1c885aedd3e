//! The console: where `println!`, logs and crash reports go.

/// A byte sink for human-readable output (a serial port, a hypervisor console).
///
/// - `write_bytes` MUST write every byte, in order, before it returns, so that output printed
///   just before the machine stops is not lost.
/// - It MUST NOT allocate and MUST NOT panic: crash reports are printed through it.
/// - It SHOULD translate `\n` into what the device needs for a new line (`\r\n` on a serial
///   terminal).
pub trait Console: Sync {
    /// Writes `bytes` to the device.
    fn write_bytes(&self, bytes: &[u8]);
}
