//! PCI configuration space through the legacy mechanism (configuration mechanism #1): the
//! address of a 32-bit register goes to port 0xCF8, its value is read from or written to port
//! 0xCFC. q35 and cloud-hypervisor have it; on a machine without PCI (microvm, Firecracker)
//! every read gives all ones, as an absent device does.
//!
//! The two accesses are one transaction: a lock, taken with interrupts off, keeps another CPU
//! or an interrupted thread from selecting a different register in between.

use core::fmt;
use x86_64::instructions::port::Port;

const ADDRESS_PORT: u16 = 0xcf8;
const DATA_PORT: u16 = 0xcfc;
/// Bit 31 of the address: a configuration access (not a plain port write).
const ENABLE: u32 = 1 << 31;
/// Devices on one bus.
pub const DEVICES: u8 = 32;
/// Functions of one device.
pub const FUNCTIONS: u8 = 8;

/// One function of one PCI device, its numbers checked: device below [`DEVICES`], function
/// below [`FUNCTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    bus: u8,
    device: u8,
    function: u8,
}

impl Function {
    /// Function `function` of device `device` on bus `bus`; `None` if a number is out of range.
    pub fn new(bus: u8, device: u8, function: u8) -> Option<Function> {
        (device < DEVICES && function < FUNCTIONS).then_some(Function { bus, device, function })
    }

    /// The bus number.
    pub fn bus(self) -> u8 {
        self.bus
    }

    /// The device number on its bus.
    pub fn device(self) -> u8 {
        self.device
    }

    /// The function number in its device.
    pub fn function(self) -> u8 {
        self.function
    }

    /// The value for the address port: this function's register at `offset`.
    fn address(self, offset: u8) -> u32 {
        ENABLE
            | u32::from(self.bus) << 16
            | u32::from(self.device) << 11
            | u32::from(self.function) << 8
            | u32::from(offset & !3)
    }
}

/// As Linux and `lspci` write it: `bus:device.function` in hexadecimal.
impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}:{:02x}.{:x}", self.bus, self.device, self.function)
    }
}

/// Serialises the address-then-data pairs.
static CONFIGURATION: spin::Mutex<()> = spin::Mutex::new(());

/// Reads the 32-bit register at `offset` of `function`'s configuration space (the mechanism
/// addresses whole registers: the two low bits of `offset` are ignored). An absent function
/// reads as all ones.
pub fn read_config(function: Function, offset: u8) -> u32 {
    transaction(function, offset, None)
}

/// Writes `value` to the 32-bit register at `offset` of `function`'s configuration space (the
/// two low bits of `offset` are ignored).
///
/// # Safety
///
/// A configuration write changes what a device does to memory: its command register lets it
/// decode its registers and master the bus (read and write RAM), its BARs move its registers.
/// The caller drives `function` (no other code writes its registers), enables bus mastering only
/// for a device that is given no memory but buffers its driver owns, and places BARs only where
/// [`paging::check_device_range`](crate::paging::check_device_range) allows (or restores their
/// previous value, as BAR sizing does, with decoding off in between).
pub unsafe fn write_config(function: Function, offset: u8, value: u32) {
    transaction(function, offset, Some(value));
}

/// Selects `function`'s register at `offset`, then writes `value` to it if there is one, or
/// reads it (one function for both: the image is smaller).
fn transaction(function: Function, offset: u8, value: Option<u32>) -> u32 {
    crate::interrupts::without(|| {
        let _transaction = CONFIGURATION.lock();
        // SAFETY: 0xCF8 and 0xCFC are the configuration mechanism's own ports, used by nothing
        // but this module, and the lock keeps the pair together. Writing the address only
        // selects a register; reading a configuration register changes no memory and, for the
        // registers PCI defines, nothing else either; what a write does to the device is
        // `write_config`'s caller's obligation (see its `# Safety`).
        unsafe {
            Port::<u32>::new(ADDRESS_PORT).write(function.address(offset));
            let mut data = Port::<u32>::new(DATA_PORT);
            match value {
                Some(value) => {
                    data.write(value);
                    value
                }
                None => data.read(),
            }
        }
    })
}
