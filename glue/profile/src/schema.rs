//! The profile schema: which keys a `profiles/<name>.toml` may hold, their types and ranges.

use crate::toml::{self, Document, Value};
use std::fmt;

/// A log verbosity, spelled as on the kernel command line (`"off"` to `"trace"`).
pub use stardust_bootargs::LogLevel;

/// A validated profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// What the profile is for, one line.
    pub description: String,
    /// The largest stripped image, in bytes, that `scripts/size` accepts.
    pub size_budget: u64,
    /// Default implementation per slot key (`slots.app`, `slots.allocator`), as written.
    pub slot_defaults: Vec<(String, String)>,
    /// The log level at boot, unless `stardust.log=` says otherwise.
    pub log_level: LogLevel,
    /// Size of the boot CPU's stack, in bytes (a multiple of 4096).
    pub boot_stack_bytes: u64,
    /// Timer interrupts per second (threads: sleeps and preemption).
    pub tick_hz: u64,
    /// A preemptive scheduler's time slice, in milliseconds.
    pub time_slice_ms: u64,
    /// Whether threads run on every CPU the monitor gives (false: the boot CPU only, and the
    /// image carries no code to start the others).
    pub smp: bool,
    /// Where the first disk's file system is mounted (`storage.mount`); `None`: the image has no
    /// storage (and links none of its code).
    pub storage_mount: Option<String>,
    /// Whether the image has a network (`network.enabled`): the first virtio-net card, the
    /// smoltcp stack and `stardust::net`. Without it the image links none of that code.
    pub network: bool,
}

/// Why a profile file was refused. Every variant names the key (or line) at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// The file is not valid TOML (of the subset we read).
    Syntax(toml::ParseError),
    /// A key the schema does not know (likely a typo).
    UnknownKey { key: String, line: usize },
    /// A required key is absent.
    MissingKey { key: &'static str },
    /// A key has a value of the wrong type or out of range.
    BadValue { key: String, line: usize, expected: String },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Syntax(error) => write!(f, "{error}"),
            ProfileError::UnknownKey { key, line } => {
                write!(f, "line {line}: unknown key `{key}` (known keys: {})", KNOWN_KEYS.join(", "))
            }
            ProfileError::MissingKey { key } => write!(f, "missing required key `{key}`"),
            ProfileError::BadValue { key, line, expected } => {
                write!(f, "line {line}: `{key}` must be {expected}")
            }
        }
    }
}

const KNOWN_KEYS: [&str; 12] = [
    "description",
    "size_budget",
    "slots.app",
    "slots.allocator",
    "slots.scheduler",
    "kernel.log_level",
    "kernel.boot_stack_kib",
    "kernel.tick_hz",
    "kernel.time_slice_ms",
    "kernel.smp",
    "storage.mount",
    "network.enabled",
];

struct Reader<'a> {
    document: &'a Document,
}

impl Reader<'_> {
    fn get(&self, key: &'static str) -> Result<(&Value, usize), ProfileError> {
        self.document.entries.get(key).map(|(value, line)| (value, *line)).ok_or(ProfileError::MissingKey { key })
    }

    fn string(&self, key: &'static str) -> Result<String, ProfileError> {
        match self.get(key)? {
            (Value::String(text), _) if !text.is_empty() => Ok(text.clone()),
            (_, line) => Err(bad(key, line, "a non-empty string")),
        }
    }

    fn integer(&self, key: &'static str, low: u64, high: u64) -> Result<u64, ProfileError> {
        match self.get(key)? {
            (Value::Integer(number), _) if (low..=high).contains(number) => Ok(*number),
            (_, line) => Err(bad(key, line, &format!("an integer from {low} to {high}"))),
        }
    }
}

fn bad(key: &str, line: usize, expected: &str) -> ProfileError {
    ProfileError::BadValue { key: key.to_string(), line, expected: expected.to_string() }
}

impl Profile {
    /// Parses and validates a profile's text. Slot values are checked against the known
    /// implementations later, by [`crate::resolve`], which knows them.
    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        let document = toml::parse(text).map_err(ProfileError::Syntax)?;
        for (key, (_, line)) in &document.entries {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                return Err(ProfileError::UnknownKey { key: key.clone(), line: *line });
            }
        }
        let reader = Reader { document: &document };
        let description = reader.string("description")?;
        let size_budget = reader.integer("size_budget", 4096, 64 << 20)?;
        let mut slot_defaults = Vec::new();
        for key in ["slots.app", "slots.allocator", "slots.scheduler"] {
            slot_defaults.push((key.to_string(), reader.string(key)?));
        }
        let (level_value, level_line) = reader.get("kernel.log_level")?;
        let names: Vec<&str> = LogLevel::ALL.iter().map(|level| level.name()).collect();
        let log_level = match level_value {
            Value::String(text) => LogLevel::parse(text),
            _ => None,
        }
        .ok_or_else(|| bad("kernel.log_level", level_line, &format!("one of {}", names.join(", "))))?;
        let stack_kib = reader.integer("kernel.boot_stack_kib", 8, 1024)?;
        if stack_kib % 4 != 0 {
            let (_, line) = reader.get("kernel.boot_stack_kib")?;
            return Err(bad("kernel.boot_stack_kib", line, "a multiple of 4 (whole pages)"));
        }
        let tick_hz = reader.integer("kernel.tick_hz", 10, 10_000)?;
        let time_slice_ms = reader.integer("kernel.time_slice_ms", 1, 1000)?;
        let smp = match reader.get("kernel.smp") {
            Err(_) => false,
            Ok((Value::Boolean(value), _)) => *value,
            Ok((_, line)) => return Err(bad("kernel.smp", line, "true or false")),
        };
        let storage_mount = match reader.get("storage.mount") {
            Err(_) => None,
            Ok((Value::String(path), _))
                if path.len() > 1
                    && path.starts_with('/')
                    && !path.ends_with('/')
                    && path.split('/').skip(1).all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('"')) =>
            {
                Some(path.clone())
            }
            Ok((_, line)) => {
                return Err(bad("storage.mount", line, "an absolute path other than \"/\", such as \"/data\""));
            }
        };
        let network = match reader.get("network.enabled") {
            Err(_) => false,
            Ok((Value::Boolean(value), _)) => *value,
            Ok((_, line)) => return Err(bad("network.enabled", line, "true or false")),
        };
        Ok(Profile {
            network,
            storage_mount,
            description,
            size_budget,
            slot_defaults,
            log_level,
            boot_stack_bytes: stack_kib * 1024,
            tick_hz,
            time_slice_ms,
            smp,
        })
    }

    /// The profile's default for a slot key such as `slots.app`.
    pub fn slot_default(&self, key: &str) -> Option<&str> {
        self.slot_defaults.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
description = "test"
size_budget = 32768
[slots]
app = "hello"
allocator = "bump"
scheduler = "none"
[kernel]
log_level = "info"
boot_stack_kib = 16
tick_hz = 1000
time_slice_ms = 10
"#;

    #[test]
    fn a_good_profile_parses() {
        let profile = Profile::parse(GOOD).unwrap();
        assert_eq!(profile.size_budget, 32768);
        assert_eq!(profile.slot_default("slots.app"), Some("hello"));
        assert_eq!(profile.log_level, LogLevel::Info);
        assert_eq!(profile.boot_stack_bytes, 16384);
    }

    fn error_for(from: &str, to: &str) -> String {
        let text = GOOD.replace(from, to);
        Profile::parse(&text).unwrap_err().to_string()
    }

    #[test]
    fn every_bad_value_names_its_key() {
        assert!(error_for("boot_stack_kib = 16", "boot_stack_kib = 10").contains("kernel.boot_stack_kib"));
        assert!(error_for("boot_stack_kib = 16", "boot_stack_kib = 4").contains("kernel.boot_stack_kib"));
        assert!(error_for("\"info\"", "\"loud\"").contains("kernel.log_level"));
        assert!(error_for("tick_hz = 1000", "tick_hz = 5").contains("kernel.tick_hz"));
        assert!(error_for("time_slice_ms = 10", "time_slice_ms = 0").contains("kernel.time_slice_ms"));
        assert!(error_for("time_slice_ms = 10", "time_slice_ms = 10\nsmp = 1").contains("kernel.smp"));
        assert!(
            error_for("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"data\"")
                .contains("storage.mount")
        );
        assert!(
            error_for("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"/\"").contains("storage.mount")
        );
        assert!(
            error_for("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"/a/../b\"")
                .contains("storage.mount")
        );
        let text = GOOD.replace("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"/data\"");
        assert_eq!(Profile::parse(&text).unwrap().storage_mount.as_deref(), Some("/data"));
        assert_eq!(Profile::parse(GOOD).unwrap().storage_mount, None);
        assert!(!Profile::parse(GOOD).unwrap().network);
        let text = GOOD.replace("time_slice_ms = 10", "time_slice_ms = 10\n[network]\nenabled = true");
        assert!(Profile::parse(&text).unwrap().network);
        assert!(
            error_for("time_slice_ms = 10", "time_slice_ms = 10\n[network]\nenabled = \"yes\"")
                .contains("network.enabled")
        );
        assert!(error_for("size_budget = 32768", "size_budget = \"big\"").contains("size_budget"));
        assert!(error_for("app = \"hello\"", "app = \"\"").contains("slots.app"));
        assert!(error_for("app = \"hello\"", "ap = \"hello\"").contains("unknown key `slots.ap`"));
        assert!(error_for("description = \"test\"\n", "").contains("missing required key `description`"));
    }
}
