//! Leaving the VM with an exit code.
//!
//! QEMU: the `isa-debug-exit` device at port 0xf4 makes QEMU exit with `(value << 1) | 1`. We
//! write `code + 1`, so that QEMU's own status 1 (its start-up errors) and 0 (a reset or triple
//! fault under `-no-reboot`) never look like an app's code: `scripts/run` turns QEMU status `s`
//! back into `(s >> 1) - 1`. That leaves 0..=126 for codes.
//!
//! Other monitors have no such port; there the last console line carries the code and the VM
//! is stopped through the i8042 reset line (Firecracker stops the VM on it).

use crate::cpu::{halt_forever, outb, outl};
use crate::exit_code;
use stardust_api::Console;

const DEBUG_EXIT_PORT: u16 = 0xf4;
const I8042_COMMAND: u16 = 0x64;
const I8042_RESET: u8 = 0xfe;

/// Stops the VM with `code` (0..=126; a larger value is reported and replaced by 126).
pub fn exit(code: u8) -> ! {
    let code = if code > exit_code::MAX {
        crate::serial::SERIAL.write_bytes(b"stardust: exit code out of range 0..=126, using 126\n");
        exit_code::MAX
    } else {
        code
    };
    outl(DEBUG_EXIT_PORT, u32::from(code) + 1);
    // Still running: this monitor has no isa-debug-exit. Say the code, then reset.
    let mut line = *b"stardust: exit code    \n";
    let digits = [code / 100, code / 10 % 10, code % 10];
    let first = digits.iter().position(|&d| d != 0).unwrap_or(2);
    for (slot, digit) in line[20..23].iter_mut().zip(&digits[first..]) {
        *slot = b'0' + digit;
    }
    let length = 20 + (3 - first);
    line[length] = b'\n';
    crate::serial::SERIAL.write_bytes(&line[..=length]);
    outb(I8042_COMMAND, I8042_RESET);
    halt_forever()
}
