//! The kernel command line, split into kernel options and the app's arguments.
//!
//! The rule (also in the README): words are separated by white space outside double quotes.
//! Inside a word, `"` starts and ends a quoted part (white space there belongs to the word) and
//! `\` takes the next character as it is (`\"`, `\\`), so any argument, empty, with spaces,
//! quotes or UTF-8, can be written: `scripts/run` quotes the app's arguments that need it. Every
//! word before the first `--` is a kernel option; every word after it is an argument for the app.
//! The one exception is `virtio_mmio.device=...`, which a monitor (QEMU's microvm) appends at the
//! very end: it is always a kernel option, wherever it stands. Without `--`, the app gets no
//! arguments.
//!
//! Kernel options are `stardust.KEY=VALUE` (or a bare `stardust.KEY` flag). An option the
//! kernel does not know is reported as a warning by the caller, never a crash.

/// The separator between kernel options and app arguments.
pub const SEPARATOR: &str = "--";

/// Words a monitor adds to the command line on its own, by prefix.
const MONITOR_PREFIXES: [&str; 1] = ["virtio_mmio.device="];
/// Whole words a monitor adds: Firecracker appends `pci=off` (a Linux option) to every command
/// line, after the app's arguments when the line starts with `--`.
const MONITOR_WORDS: [&str; 1] = ["pci=off"];

fn is_monitor_word(word: &str) -> bool {
    MONITOR_PREFIXES.iter().any(|prefix| word.starts_with(prefix)) || MONITOR_WORDS.contains(&word)
}

/// The command line's words as written (quotes and backslashes included), in order.
pub fn words(cmdline: &str) -> Words<'_> {
    Words { rest: cmdline }
}

/// Iterator over the command line's words; see [`words`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        // Byte by byte: every byte the rule looks at is ASCII, which UTF-8 never uses inside a
        // longer character, so a word always ends on a character boundary.
        let text = self.rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if text.is_empty() {
            self.rest = text;
            return None;
        }
        let (mut quoted, mut escaped) = (false, false);
        let mut end = text.len();
        for (position, &byte) in text.as_bytes().iter().enumerate() {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => quoted = !quoted,
                byte if byte.is_ascii_whitespace() && !quoted => {
                    end = position;
                    break;
                }
                _ => {}
            }
        }
        let (word, rest) = (text.get(..end).unwrap_or(text), text.get(end..).unwrap_or(""));
        self.rest = rest;
        Some(Word { raw: word })
    }
}

/// One word of the command line. An unclosed quote runs to the end of the line, and a `\` at
/// the very end stands for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    raw: &'a str,
}

impl<'a> Word<'a> {
    /// The word as written.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the word is exactly `text`, unquoted (so `"--"` is an argument, not the separator).
    fn is(&self, text: &str) -> bool {
        self.raw == text
    }
}

/// Turns a word as written (in `bytes`, a copy of [`Word::raw`]) into what it stands for, in
/// place: quotes removed, `\x` read as `x`. Returns the new length; the bytes up to it are
/// UTF-8 if the word was (only ASCII bytes are removed).
pub fn unquote(bytes: &mut [u8]) -> usize {
    let (mut read, mut write) = (0, 0);
    while let Some(&byte) = bytes.get(read) {
        read += 1;
        let kept = match byte {
            b'"' => continue,
            b'\\' => match bytes.get(read) {
                Some(&next) => {
                    read += 1;
                    next
                }
                None => b'\\',
            },
            other => other,
        };
        if let Some(slot) = bytes.get_mut(write) {
            *slot = kept;
        }
        write += 1;
    }
    write
}

/// The app's arguments, in order (not including the program name).
pub fn app_arguments(cmdline: &str) -> AppArguments<'_> {
    AppArguments { words: words(cmdline), past_separator: false }
}

/// Iterator over the app's arguments; see [`app_arguments`].
#[derive(Debug, Clone)]
pub struct AppArguments<'a> {
    words: Words<'a>,
    past_separator: bool,
}

impl<'a> Iterator for AppArguments<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        if !self.past_separator {
            self.words.by_ref().find(|word| word.is(SEPARATOR))?;
            self.past_separator = true;
        }
        self.words.by_ref().find(|word| !is_monitor_word(word.raw))
    }
}

/// The kernel's words, in order, parsed.
pub fn kernel_options(cmdline: &str) -> impl Iterator<Item = KernelOption<'_>> {
    let before = words(cmdline).take_while(|word| !word.is(SEPARATOR));
    let after = words(cmdline).skip_while(|word| !word.is(SEPARATOR)).filter(|word| is_monitor_word(word.raw));
    before.chain(after).map(|word| KernelOption::parse(word.raw))
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
    /// `stardust.env=KEY=VALUE`: an environment variable for the app (`stardust::env::vars`, a
    /// Linux program's envp). KEY is not empty and holds no `=`; the word may be quoted.
    Env(&'a str),
    /// `stardust.idle=tick`: idle CPUs keep the periodic tick (as before the tickless idle; for
    /// comparisons, and for a monitor whose one-shot timer misbehaves); `stardust.idle=tickless`
    /// is the default: an idle CPU's timer fires only at the next sleeper's deadline.
    IdleTick(bool),
    /// `stardust.nic=poll`: the net thread polls the network card at every tick instead of
    /// waiting for its interrupt (for comparisons, and for a monitor whose interrupt misbehaves);
    /// `stardust.nic=interrupt` is the default where the card has a line the kernel can route.
    NicPolled(bool),
    /// `stardust.disk=poll`: disks are polled (each request spins until the disk has finished
    /// it) instead of waiting for their interrupts; `stardust.disk=interrupt` is the default.
    DiskPolled(bool),
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
            ("env", Some(variable)) if variable.split_once('=').is_some_and(|(key, _)| !key.is_empty()) => {
                KernelOption::Env(variable)
            }
            ("env", _) => KernelOption::BadValue(word),
            ("idle", Some("tick")) => KernelOption::IdleTick(true),
            ("idle", Some("tickless")) => KernelOption::IdleTick(false),
            ("idle", _) => KernelOption::BadValue(word),
            ("nic", Some("poll")) => KernelOption::NicPolled(true),
            ("nic", Some("interrupt")) => KernelOption::NicPolled(false),
            ("nic", _) => KernelOption::BadValue(word),
            ("disk", Some("poll")) => KernelOption::DiskPolled(true),
            ("disk", Some("interrupt")) => KernelOption::DiskPolled(false),
            ("disk", _) => KernelOption::BadValue(word),
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

    fn app(cmdline: &str) -> Vec<String> {
        app_arguments(cmdline)
            .map(|word| {
                let mut bytes = word.raw().as_bytes().to_vec();
                let length = unquote(&mut bytes);
                bytes.truncate(length);
                String::from_utf8(bytes).expect("unquoting keeps UTF-8")
            })
            .collect()
    }

    /// How scripts/run writes an argument: plain when it can be, else in quotes with `"` and
    /// `\` escaped (the same rule, from the other side).
    fn quote(argument: &str) -> String {
        let plain = !argument.is_empty()
            && !argument.chars().any(|c| c.is_ascii_whitespace() || c == '"' || c == '\\')
            && !is_monitor_word(argument);
        if plain {
            return argument.to_string();
        }
        let mut quoted = String::from("\"");
        for character in argument.chars() {
            if character == '"' || character == '\\' {
                quoted.push('\\');
            }
            quoted.push(character);
        }
        quoted.push('"');
        quoted
    }

    #[test]
    fn quoted_arguments_arrive_as_given() {
        assert_eq!(app(r#"-- alpha "beta gamma""#), ["alpha", "beta gamma"]);
        assert_eq!(app(r#"-- "" "a\"b" 'x' "ü ñ" c\\d"#), ["", "a\"b", "'x'", "ü ñ", "c\\d"]);
        assert_eq!(app(r#"-- "--" x"#), ["--", "x"], "a quoted -- is an argument");
        assert_eq!(app(r#"-- "open to the end"#), ["open to the end"]);
        assert_eq!(app(r#"-- tail\"#), ["tail\\"]);
        assert_eq!(app("-- a\tb"), ["a", "b"], "tabs separate words too");
        assert_eq!(kernel(r#"stardust.log=info -- "stardust.log=debug""#), [KernelOption::Log(LogLevel::Info)]);
    }

    #[test]
    fn environment_variables_are_kernel_options() {
        assert_eq!(
            kernel(
                r#"stardust.env=HOME=/data stardust.env="GREETING=hello world" stardust.env=EMPTY= -- stardust.env=X=1"#
            ),
            [
                KernelOption::Env("HOME=/data"),
                KernelOption::Env("\"GREETING=hello world\""),
                KernelOption::Env("EMPTY="),
            ]
        );
        assert_eq!(
            kernel("stardust.env=NOEQUALS stardust.env==value stardust.env"),
            [
                KernelOption::BadValue("stardust.env=NOEQUALS"),
                KernelOption::BadValue("stardust.env==value"),
                KernelOption::BadValue("stardust.env"),
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_arguments_survive_quoting(arguments in proptest::collection::vec(".*", 0..6)) {
            let line: Vec<String> = arguments.iter().map(|argument| quote(argument)).collect();
            let cmdline = format!("stardust.log=info -- {} virtio_mmio.device=512@0x1000:5", line.join(" "));
            proptest::prop_assert_eq!(app(&cmdline), arguments);
        }

        #[test]
        fn any_line_splits_without_panicking(line in ".*") {
            let _ = app(&line);
            let _ = kernel(&line);
        }
    }

    fn kernel(cmdline: &str) -> Vec<KernelOption<'_>> {
        kernel_options(cmdline).collect()
    }

    #[test]
    fn the_separator_splits_kernel_from_app() {
        assert_eq!(app("stardust.log=debug -- a b"), ["a", "b"]);
        assert_eq!(kernel("stardust.log=debug -- a b"), [KernelOption::Log(LogLevel::Debug)]);
        assert_eq!(
            kernel("stardust.idle=tick stardust.idle=tickless stardust.idle stardust.idle=hz"),
            [
                KernelOption::IdleTick(true),
                KernelOption::IdleTick(false),
                KernelOption::BadValue("stardust.idle"),
                KernelOption::BadValue("stardust.idle=hz")
            ]
        );
        assert_eq!(
            kernel("stardust.nic=poll stardust.nic=interrupt stardust.nic stardust.nic=msi"),
            [
                KernelOption::NicPolled(true),
                KernelOption::NicPolled(false),
                KernelOption::BadValue("stardust.nic"),
                KernelOption::BadValue("stardust.nic=msi")
            ]
        );
        assert_eq!(
            kernel("stardust.disk=poll stardust.disk=interrupt stardust.disk stardust.disk=msi"),
            [
                KernelOption::DiskPolled(true),
                KernelOption::DiskPolled(false),
                KernelOption::BadValue("stardust.disk"),
                KernelOption::BadValue("stardust.disk=msi")
            ]
        );
        assert_eq!(app("-- a -- b"), ["a", "--", "b"]);
        assert_eq!(app("stardust.log=info"), Vec::<String>::new());
        assert_eq!(app(""), Vec::<String>::new());
        assert_eq!(kernel(""), []);
        assert_eq!(app("  --   x  "), ["x"]);
    }

    #[test]
    fn monitor_words_always_go_to_the_kernel() {
        let line = "-- a virtio_mmio.device=512@0xfeb00e00:12";
        assert_eq!(app(line), ["a"]);
        assert_eq!(kernel(line), [KernelOption::Monitor("virtio_mmio.device=512@0xfeb00e00:12")]);
        // Firecracker: `--` first, then its `pci=off` after the arguments.
        assert_eq!(app("-- alpha beta pci=off"), ["alpha", "beta"]);
        assert_eq!(kernel("-- alpha beta pci=off"), [KernelOption::Monitor("pci=off")]);
        // Quoted, the same text is an argument.
        assert_eq!(app(r#"-- "pci=off" "virtio_mmio.device=1""#), ["pci=off", "virtio_mmio.device=1"]);
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
