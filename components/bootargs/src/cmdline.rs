//! The kernel command line, split into kernel options and the app's arguments.
//!
//! The rule (also in the README): words are separated by spaces. Every word before the first
//! `--` is a kernel option; every word after it is an argument for the app. The one exception is
//! `virtio_mmio.device=...`, which a monitor (QEMU's microvm) appends at the very end: it is
//! always a kernel option, wherever it stands. Without `--`, the app gets no arguments.
//!
//! Kernel options are `stardust.KEY=VALUE` (or a bare `stardust.KEY` flag). An option the
//! kernel does not know is reported as a warning by the caller, never a crash.

/// The separator between kernel options and app arguments.
pub const SEPARATOR: &str = "--";

/// Words a monitor adds to the command line on its own.
const MONITOR_PREFIXES: [&str; 1] = ["virtio_mmio.device="];

fn is_monitor_word(word: &str) -> bool {
    MONITOR_PREFIXES.iter().any(|prefix| word.starts_with(prefix))
}

/// The app's arguments, in order (not including the program name).
pub fn app_arguments(cmdline: &str) -> AppArguments<'_> {
    AppArguments { words: cmdline.split_ascii_whitespace(), past_separator: false }
}

/// Iterator over the app's arguments; see [`app_arguments`].
#[derive(Debug, Clone)]
pub struct AppArguments<'a> {
    words: core::str::SplitAsciiWhitespace<'a>,
    past_separator: bool,
}

impl<'a> Iterator for AppArguments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if !self.past_separator {
            self.words.by_ref().find(|word| *word == SEPARATOR)?;
            self.past_separator = true;
        }
        self.words.by_ref().find(|word| !is_monitor_word(word))
    }
}

/// The kernel's words, in order, parsed.
pub fn kernel_options(cmdline: &str) -> impl Iterator<Item = KernelOption<'_>> {
    let before = cmdline.split_ascii_whitespace().take_while(|word| *word != SEPARATOR);
    let after =
        cmdline.split_ascii_whitespace().skip_while(|word| *word != SEPARATOR).filter(|word| is_monitor_word(word));
    before.chain(after).map(KernelOption::parse)
}

/// A log verbosity named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    /// Every level, quietest first.
    pub const ALL: [LogLevel; 6] =
        [LogLevel::Off, LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace];

    /// The spelling used on the command line and in profiles.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// The level spelled `text`, if any.
    pub fn parse(text: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|level| level.name() == text)
    }
}

/// One kernel word, understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelOption<'a> {
    /// `stardust.log=LEVEL`: the log level for this boot (capped by the image's compile-time cap).
    Log(LogLevel),
    /// `stardust.boottime`: print the time from kernel entry to the app's `main`.
    BootTime,
    /// `stardust.mount=PATH`: where the first disk's file system is mounted (`none`: not at
    /// all), for images whose profile has storage. PATH must be absolute.
    Mount(Option<&'a str>),
    /// `stardust.ip=A.B.C.D/N`: a static IPv4 address and prefix length instead of DHCP
    /// (`stardust.ip=dhcp`: DHCP, the default), for images with a network. The value is kept
    /// as text: only images with a network parse it ([`parse_ipv4_cidr`]), so the others carry
    /// no address parser.
    Ip(&'a str),
    /// `stardust.gw=A.B.C.D`: the default gateway that goes with a static address (as text,
    /// [`parse_ipv4`]).
    Gateway(&'a str),
    /// A word a monitor added (`virtio_mmio.device=...`), for the drivers.
    Monitor(&'a str),
    /// A known option with a value it cannot take; the word is kept for the warning.
    BadValue(&'a str),
    /// A word the kernel does not know; the caller warns and goes on.
    Unknown(&'a str),
}

impl<'a> KernelOption<'a> {
    /// Parses one word.
    pub fn parse(word: &'a str) -> KernelOption<'a> {
        if is_monitor_word(word) {
            return KernelOption::Monitor(word);
        }
        let Some(option) = word.strip_prefix("stardust.") else {
            return KernelOption::Unknown(word);
        };
        let (key, value) = match option.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (option, None),
        };
        match (key, value) {
            ("log", Some(level)) => LogLevel::parse(level).map_or(KernelOption::BadValue(word), KernelOption::Log),
            ("log", None) => KernelOption::BadValue(word),
            ("boottime", None | Some("1" | "on" | "yes" | "true")) => KernelOption::BootTime,
            ("boottime", Some(_)) => KernelOption::BadValue(word),
            ("mount", Some("none")) => KernelOption::Mount(None),
            ("mount", Some(path)) if path.starts_with('/') && path.len() > 1 => KernelOption::Mount(Some(path)),
            ("mount", _) => KernelOption::BadValue(word),
            ("ip", Some(value)) if !value.is_empty() => KernelOption::Ip(value),
            ("gw", Some(value)) if !value.is_empty() => KernelOption::Gateway(value),
            ("ip" | "gw", _) => KernelOption::BadValue(word),
            _ => KernelOption::Unknown(word),
        }
    }
}

/// Parses the value of `stardust.ip=`: `Ok(None)` for `dhcp`, `Ok(Some((address, prefix)))` for
/// `A.B.C.D/N` (N at most 32), `Err(())` for anything else.
#[allow(clippy::result_unit_err, reason = "the caller reports the whole word; there is nothing more to say")]
pub fn parse_ipv4_cidr(text: &str) -> Result<Option<([u8; 4], u8)>, ()> {
    if text == "dhcp" {
        return Ok(None);
    }
    let (address, prefix) = text.split_once('/').ok_or(())?;
    let prefix = prefix.parse::<u8>().ok().filter(|&p| p <= 32 && !prefix.starts_with('+')).ok_or(())?;
    Ok(Some((parse_ipv4(address).ok_or(())?, prefix)))
}

/// Parses dotted-quad IPv4 text (`10.0.2.15`): four decimal numbers 0..=255, no leading `+`,
/// no more than three digits each.
pub fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(cmdline: &str) -> Vec<&str> {
        app_arguments(cmdline).collect()
    }

    fn kernel(cmdline: &str) -> Vec<KernelOption<'_>> {
        kernel_options(cmdline).collect()
    }

    #[test]
    fn the_separator_splits_kernel_from_app() {
        assert_eq!(app("stardust.log=debug -- a b"), ["a", "b"]);
        assert_eq!(kernel("stardust.log=debug -- a b"), [KernelOption::Log(LogLevel::Debug)]);
        assert_eq!(app("-- a -- b"), ["a", "--", "b"]);
        assert_eq!(app("stardust.log=info"), Vec::<&str>::new());
        assert_eq!(app(""), Vec::<&str>::new());
        assert_eq!(kernel(""), []);
        assert_eq!(app("  --   x  "), ["x"]);
    }

    #[test]
    fn monitor_words_always_go_to_the_kernel() {
        let line = "-- a virtio_mmio.device=512@0xfeb00e00:12";
        assert_eq!(app(line), ["a"]);
        assert_eq!(kernel(line), [KernelOption::Monitor("virtio_mmio.device=512@0xfeb00e00:12")]);
    }

    #[test]
    fn unknown_and_malformed_options_are_reported_not_fatal() {
        assert_eq!(KernelOption::parse("stardust.log=loud"), KernelOption::BadValue("stardust.log=loud"));
        assert_eq!(KernelOption::parse("stardust.log"), KernelOption::BadValue("stardust.log"));
        assert_eq!(KernelOption::parse("stardust.nope=1"), KernelOption::Unknown("stardust.nope=1"));
        assert_eq!(KernelOption::parse("console=ttyS0"), KernelOption::Unknown("console=ttyS0"));
        assert_eq!(KernelOption::parse("stardust.boottime"), KernelOption::BootTime);
        assert_eq!(KernelOption::parse("stardust.boottime=maybe"), KernelOption::BadValue("stardust.boottime=maybe"));
        assert_eq!(KernelOption::parse("stardust.mount=/mnt/disk"), KernelOption::Mount(Some("/mnt/disk")));
        assert_eq!(KernelOption::parse("stardust.mount=none"), KernelOption::Mount(None));
        assert_eq!(KernelOption::parse("stardust.ip=10.0.2.15/24"), KernelOption::Ip("10.0.2.15/24"));
        assert_eq!(KernelOption::parse("stardust.gw=10.0.2.2"), KernelOption::Gateway("10.0.2.2"));
        assert_eq!(parse_ipv4_cidr("10.0.2.15/24"), Ok(Some(([10, 0, 2, 15], 24))));
        assert_eq!(parse_ipv4_cidr("dhcp"), Ok(None));
        assert_eq!(parse_ipv4("10.0.2.2"), Some([10, 0, 2, 2]));
        for bad in [
            "10.0.2.15",
            "10.0.2.15/33",
            "10.0.2/24",
            "10.0.2.256/24",
            "10.0.2.1.5/24",
            "+1.0.2.1/24",
            "1.2.3.4/+8",
            "",
        ] {
            assert_eq!(parse_ipv4_cidr(bad), Err(()), "{bad}");
        }
        assert_eq!(parse_ipv4("gateway"), None);
        for bad in [
            "stardust.mount",
            "stardust.mount=",
            "stardust.mount=/",
            "stardust.mount=data",
            "stardust.ip",
            "stardust.ip=",
            "stardust.gw",
        ] {
            assert_eq!(KernelOption::parse(bad), KernelOption::BadValue(bad));
        }
    }

    #[test]
    fn any_text_splits_without_panicking() {
        for line in ["--", "-- --", "\t\n--\u{85}x", "stardust.=", "stardust.log==", "é -- ü"] {
            let _ = app(line);
            let _ = kernel(line);
        }
    }
}
