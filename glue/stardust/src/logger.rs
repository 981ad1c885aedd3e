//! The `log` backend: messages go to the console as `[level] message`.
//!
//! Two caps apply: the image's compile-time cap (a profile feature in Cargo.toml; messages above
//! it are compiled out and cost no bytes) and the boot-time level (the profile's default, or
//! `stardust.log=LEVEL`), which cannot exceed the compile-time cap.

use log::{LevelFilter, Log, Metadata, Record};
use stardust_bootargs::LogLevel;

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

impl Log for ConsoleLogger {
    /// fatfs warns about volumes that are merely unusual (`reserved_sectors` other than 1, as
    /// mkfs.fat writes): its warnings count as debug messages here; its errors stay errors.
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let level = match metadata.level() {
            log::Level::Warn | log::Level::Info if metadata.target().starts_with("fatfs") => log::Level::Debug,
            level => level,
        };
        level <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = match record.level() {
                log::Level::Error => "error",
                log::Level::Warn => "warn",
                log::Level::Info => "info",
                log::Level::Debug => "debug",
                log::Level::Trace => "trace",
            };
            crate::println!("[{level}] {}", record.args());
        }
    }

    fn flush(&self) {}
}

pub(crate) fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level.min(log::STATIC_MAX_LEVEL));
}

pub(crate) fn set_level(level: LogLevel) {
    let wanted = match level {
        LogLevel::Off => LevelFilter::Off,
        LogLevel::Error => LevelFilter::Error,
        LogLevel::Warn => LevelFilter::Warn,
        LogLevel::Info => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
        LogLevel::Trace => LevelFilter::Trace,
    };
    log::set_max_level(wanted.min(log::STATIC_MAX_LEVEL));
    if wanted > log::STATIC_MAX_LEVEL {
        log::warn!("stardust.log={wanted}: this image caps logging at {} at compile time", log::STATIC_MAX_LEVEL);
    }
}
