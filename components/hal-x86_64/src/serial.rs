//! The COM1 16550 UART: the console on every monitor we boot on.

use crate::cpu::{inb, outb};
use stardust_api::Console;

const COM1: u16 = 0x3f8;
const LINE_STATUS: u16 = COM1 + 5;
const TRANSMIT_EMPTY: u8 = 1 << 5;
/// Polls of the line status before a byte is sent anyway: a missing UART reads as 0xff (ready),
/// a wedged one must not hang the kernel.
const MAX_POLLS: u32 = 100_000;

/// The COM1 serial console.
pub struct Serial;

/// The one COM1 console.
pub static SERIAL: Serial = Serial;

impl Serial {
    /// Programs COM1 for 115200 baud 8N1, FIFOs on, interrupts off.
    pub fn init(&self) {
        outb(COM1 + 1, 0x00); // no interrupts: output is polled
        outb(COM1 + 3, 0x80); // divisor latch
        outb(COM1, 0x01); // 115200 baud
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x03); // 8 bits, no parity, 1 stop bit
        outb(COM1 + 2, 0xc7); // FIFOs on and cleared
        outb(COM1 + 4, 0x03); // DTR and RTS; OUT2 off keeps the IRQ line quiet
    }

    fn write_byte(&self, byte: u8) {
        let mut polls = 0;
        while inb(LINE_STATUS) & TRANSMIT_EMPTY == 0 && polls < MAX_POLLS {
            polls += 1;
            core::hint::spin_loop();
        }
        outb(COM1, byte);
    }
}

impl Console for Serial {
    fn write_bytes(&self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                self.write_byte(b'\r');
            }
            self.write_byte(byte);
        }
    }
}

impl core::fmt::Write for &Serial {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        self.write_bytes(text.as_bytes());
        Ok(())
    }
}
