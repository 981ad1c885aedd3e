//! The profile schema: which keys a `profiles/<name>.toml` may hold, their types and ranges.
//! Read with serde (`deny_unknown_fields`); every error names the line and the key.

use crate::graph::{Graph, describe_toml_error, line_and_column};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// A log verbosity, spelled as on the kernel command line (`"off"` to `"trace"`).
pub use stardust_bootargs::LogLevel;

/// Where the first disk is mounted when a profile with storage does not say.
pub const DEFAULT_MOUNT: &str = "/data";
/// The heap cache when a profile does not give `kernel.heap_cache_kib`.
pub const DEFAULT_HEAP_CACHE_KIB: u64 = 16;

/// A validated profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// What the profile is for, one line.
    pub description: String,
    /// The largest stripped image, in bytes, that `scripts/size` accepts.
    pub size_budget: u64,
    /// The default implementation of every slot of the graph, in the graph's order: the
    /// profile's `[slots]` value, or the slot's own default.
    pub slot_defaults: Vec<(String, String)>,
    /// The log level at boot, unless `stardust.log=` says otherwise.
    pub log_level: LogLevel,
    /// The compile-time log cap: messages above it are compiled out (the profile's feature
    /// enables the `log` crate's `max_level_*` feature).
    pub log_cap: LogLevel,
    /// Size of the boot CPU's stack, in bytes (a multiple of 4096).
    pub boot_stack_bytes: u64,
    /// Timer interrupts per second (threads: sleeps and preemption).
    pub tick_hz: u64,
    /// A preemptive scheduler's time slice, in milliseconds.
    pub time_slice_ms: u64,
    /// The most bytes of freed small blocks the heap keeps for reuse (`kernel.heap_cache_kib`,
    /// 16 KiB when the profile says nothing; 0 leaves the cache's code out).
    pub heap_cache_bytes: u64,
    /// Where the first disk's file system is mounted, for images with storage.
    pub storage_mount: String,
    /// Further cargo features the profile's feature enables (`httpd/files`).
    pub cargo_features: Vec<String>,
}

/// Why a profile file was refused. Every variant names the key or line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// Not valid TOML, a key the schema does not know, a missing key or a wrong type (the
    /// `toml` crate's words, with the line).
    Syntax(String),
    /// A key's value is out of range.
    BadValue { key: String, line: usize, expected: String },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Syntax(message) => f.write_str(message),
            ProfileError::BadValue { key, line, expected } => write!(f, "line {line}: `{key}` must be {expected}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    description: Spanned<String>,
    size_budget: Spanned<u64>,
    slots: BTreeMap<String, Spanned<String>>,
    kernel: Kernel,
    #[serde(default)]
    storage: Option<Storage>,
    #[serde(default)]
    build: Option<Build>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Kernel {
    log_level: Spanned<String>,
    log_cap: Spanned<String>,
    boot_stack_kib: Spanned<u64>,
    tick_hz: Spanned<u64>,
    time_slice_ms: Spanned<u64>,
    #[serde(default)]
    heap_cache_kib: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Storage {
    mount: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Build {
    cargo_features: Vec<Spanned<String>>,
}

struct Checker<'a> {
    text: &'a str,
}

impl Checker<'_> {
    fn bad<T>(&self, key: &str, value: &Spanned<T>, expected: impl Into<String>) -> ProfileError {
        let (line, _) = line_and_column(self.text, value.span().start);
        ProfileError::BadValue { key: key.to_string(), line, expected: expected.into() }
    }

    fn integer(&self, key: &str, value: &Spanned<u64>, low: u64, high: u64) -> Result<u64, ProfileError> {
        let number = *value.get_ref();
        if (low..=high).contains(&number) {
            Ok(number)
        } else {
            Err(self.bad(key, value, format!("an integer from {low} to {high}")))
        }
    }

    fn level(&self, key: &str, value: &Spanned<String>) -> Result<LogLevel, ProfileError> {
        LogLevel::parse(value.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = LogLevel::ALL.iter().map(|level| level.name()).collect();
            self.bad(key, value, format!("one of {}", names.join(", ")))
        })
    }
}

impl Profile {
    /// Parses and validates a profile's text against the graph (its `[slots]` keys and values).
    pub fn parse(text: &str, graph: &Graph) -> Result<Profile, ProfileError> {
        let file: File =
            toml::from_str(text).map_err(|error| ProfileError::Syntax(describe_toml_error(text, &error)))?;
        let checker = Checker { text };
        if file.description.get_ref().trim().is_empty() {
            return Err(checker.bad("description", &file.description, "a non-empty string"));
        }
        let size_budget = checker.integer("size_budget", &file.size_budget, 4096, 64 << 20)?;

        for (key, value) in &file.slots {
            if graph.slot(key).is_none() {
                let known: Vec<&str> = graph.slots.iter().map(|slot| slot.name.as_str()).collect();
                return Err(checker.bad(
                    &format!("slots.{key}"),
                    value,
                    format!("a slot, one of {}", known.join(", ")),
                ));
            }
        }
        let mut slot_defaults = Vec::new();
        for slot in &graph.slots {
            let key = format!("slots.{}", slot.name);
            let name = match (file.slots.get(&slot.name), &slot.default) {
                (Some(value), _) => {
                    if slot.choice(value.get_ref()).is_none() {
                        let expected = format!("one of {}", slot.choice_names().join(", "));
                        return Err(checker.bad(&key, value, expected));
                    }
                    value.get_ref().clone()
                }
                (None, Some(default)) => default.clone(),
                (None, None) => {
                    return Err(ProfileError::Syntax(format!(
                        "missing key `{key}` (the {} slot has no default; one of {})",
                        slot.name,
                        slot.choice_names().join(", ")
                    )));
                }
            };
            slot_defaults.push((slot.name.clone(), name));
        }

        let kernel = &file.kernel;
        let log_level = checker.level("kernel.log_level", &kernel.log_level)?;
        let log_cap = checker.level("kernel.log_cap", &kernel.log_cap)?;
        if log_level > log_cap {
            return Err(checker.bad(
                "kernel.log_level",
                &kernel.log_level,
                format!("at most the compile-time cap `kernel.log_cap` ({})", log_cap.name()),
            ));
        }
        let stack_kib = checker.integer("kernel.boot_stack_kib", &kernel.boot_stack_kib, 8, 1024)?;
        if stack_kib % 4 != 0 {
            return Err(checker.bad("kernel.boot_stack_kib", &kernel.boot_stack_kib, "a multiple of 4 (whole pages)"));
        }
        let tick_hz = checker.integer("kernel.tick_hz", &kernel.tick_hz, 10, 10_000)?;
        let time_slice_ms = checker.integer("kernel.time_slice_ms", &kernel.time_slice_ms, 1, 1000)?;
        let heap_cache_kib = match &kernel.heap_cache_kib {
            Some(kib) => checker.integer("kernel.heap_cache_kib", kib, 0, 1024)?,
            None => DEFAULT_HEAP_CACHE_KIB,
        };

        let storage_mount = match &file.storage {
            None => DEFAULT_MOUNT.to_string(),
            Some(Storage { mount }) => {
                let path = mount.get_ref();
                let valid = path.len() > 1
                    && path.starts_with('/')
                    && !path.ends_with('/')
                    && path.split('/').skip(1).all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('"'));
                if !valid {
                    return Err(checker.bad(
                        "storage.mount",
                        mount,
                        "an absolute path other than \"/\", such as \"/data\"",
                    ));
                }
                path.clone()
            }
        };
        let mut cargo_features = Vec::new();
        for feature in file.build.iter().flat_map(|build| &build.cargo_features) {
            let text = feature.get_ref();
            let valid = text.split_once('/').is_some_and(|(package, name)| {
                !package.is_empty()
                    && !name.is_empty()
                    && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/')
            });
            if !valid {
                return Err(checker.bad("build.cargo_features", feature, "a list of `crate/feature` names"));
            }
            cargo_features.push(text.clone());
        }

        Ok(Profile {
            description: file.description.into_inner(),
            size_budget,
            slot_defaults,
            log_level,
            log_cap,
            boot_stack_bytes: stack_kib * 1024,
            tick_hz,
            time_slice_ms,
            heap_cache_bytes: heap_cache_kib * 1024,
            storage_mount,
            cargo_features,
        })
    }

    /// The profile's default for a slot (`scheduler`).
    pub fn slot_default(&self, slot: &str) -> Option<&str> {
        self.slot_defaults.iter().find(|(name, _)| name == slot).map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A graph with the real table's shape, small.
    pub(crate) const GRAPH: &str = r#"
[[slot]]
name = "app"
feature = "app-"
kind = "module"
about = "a"
choices = [
    { name = "hello", crate = "apps/hello", about = "h" },
    { name = "faults", crate = "apps/faults", about = "f" },
    { name = "threadtest", crate = "apps/threadtest", needs = ["scheduler"], about = "t" },
]

[[slot]]
name = "allocator"
feature = "alloc-"
kind = "value"
swap = true
about = "h"
choices = [
    { name = "bump", crate = "components/alloc-bump", type = "::alloc_bump::BumpAllocator", new = "::alloc_bump::BumpAllocator::new()", about = "b" },
    { name = "buddy", crate = "components/alloc-buddy", type = "B", new = "B::new()", about = "b" },
    { name = "tlsf", crate = "components/alloc-tlsf", type = "T", new = "T::new()", about = "t" },
]

[[slot]]
name = "scheduler"
feature = "sched-"
kind = "value"
swap = true
about = "s"
choices = [
    { name = "none", type = "N", new = "N", about = "n" },
    { name = "rr", crate = "components/sched-rr", type = "R", new = "R::new(TIME_SLICE_TICKS)", about = "r" },
    { name = "fifo", crate = "components/sched-fifo", type = "F", new = "F::new()", about = "f" },
]

[[slot]]
name = "storage"
feature = "storage-"
kind = "value"
type = "Option<fn(&str)>"
default = "none"
about = "s"
choices = [
    { name = "none", new = "None", about = "n" },
    { name = "fat", new = "Some(mount)", needs = ["scheduler"], about = "f" },
]
"#;

    pub(crate) const GOOD: &str = r#"
description = "test"
size_budget = 32768
[slots]
app = "hello"
allocator = "bump"
scheduler = "none"
[kernel]
log_level = "info"
log_cap = "info"
boot_stack_kib = 16
tick_hz = 1000
time_slice_ms = 10
"#;

    pub(crate) fn graph() -> Graph {
        Graph::parse(GRAPH, "graph.toml").unwrap()
    }

    #[test]
    fn a_good_profile_parses() {
        let profile = Profile::parse(GOOD, &graph()).unwrap();
        assert_eq!(profile.size_budget, 32768);
        assert_eq!(profile.slot_default("app"), Some("hello"));
        assert_eq!(profile.slot_default("storage"), Some("none"), "a slot's own default fills in");
        assert_eq!(profile.log_level, LogLevel::Info);
        assert_eq!(profile.boot_stack_bytes, 16384);
        assert_eq!(profile.storage_mount, DEFAULT_MOUNT);
        assert_eq!(profile.heap_cache_bytes, DEFAULT_HEAP_CACHE_KIB * 1024, "the heap cache's default");
        assert!(profile.cargo_features.is_empty());
        let without_cache = GOOD.replace("time_slice_ms = 10", "time_slice_ms = 10\nheap_cache_kib = 0");
        assert_eq!(Profile::parse(&without_cache, &graph()).unwrap().heap_cache_bytes, 0);
    }

    fn error_for(from: &str, to: &str) -> String {
        let text = GOOD.replacen(from, to, 1);
        Profile::parse(&text, &graph()).unwrap_err().to_string()
    }

    #[test]
    fn every_bad_value_names_its_key_and_line() {
        let cases = [
            ("boot_stack_kib = 16", "boot_stack_kib = 10", "line 11: `kernel.boot_stack_kib` must be a multiple of 4"),
            ("boot_stack_kib = 16", "boot_stack_kib = 4", "line 11: `kernel.boot_stack_kib` must be an integer"),
            ("log_level = \"info\"", "log_level = \"loud\"", "line 9: `kernel.log_level` must be one of off"),
            (
                "log_level = \"info\"",
                "log_level = \"debug\"",
                "`kernel.log_level` must be at most the compile-time cap",
            ),
            ("tick_hz = 1000", "tick_hz = 5", "line 12: `kernel.tick_hz`"),
            ("time_slice_ms = 10", "time_slice_ms = 0", "line 13: `kernel.time_slice_ms`"),
            ("time_slice_ms = 10", "time_slice_ms = 10\nheap_cache_kib = 2048", "line 14: `kernel.heap_cache_kib`"),
            ("time_slice_ms = 10", "time_slice_ms = 10\nsmp = 1", "line 14, column 1: unknown field `smp`"),
            ("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"data\"", "line 15: `storage.mount`"),
            ("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"/\"", "`storage.mount`"),
            ("time_slice_ms = 10", "time_slice_ms = 10\n[storage]\nmount = \"/a/../b\"", "`storage.mount`"),
            ("size_budget = 32768", "size_budget = \"big\"", "line 3, column 15: invalid type: string \"big\""),
            ("description = \"test\"", "description = \" \"", "line 2: `description` must be a non-empty string"),
            ("app = \"hello\"", "app = \"\"", "line 5: `slots.app` must be one of hello, faults, threadtest"),
            ("app = \"hello\"", "ap = \"hello\"", "line 5: `slots.ap` must be a slot, one of app, allocator"),
            ("app = \"hello\"\n", "", "missing key `slots.app`"),
            ("description = \"test\"\n", "", "missing field `description`"),
            (
                "allocator = \"bump\"",
                "allocator = \"slab\"",
                "line 6: `slots.allocator` must be one of bump, buddy, tlsf",
            ),
            (
                "time_slice_ms = 10",
                "time_slice_ms = 10\n[build]\ncargo_features = [\"files\"]",
                "line 15: `build.cargo_features` must be a list of `crate/feature` names",
            ),
        ];
        for (from, to, expected) in cases {
            let message = error_for(from, to);
            assert!(message.contains(expected), "{to:?}: expected {expected:?} in {message:?}");
        }
    }

    #[test]
    fn optional_sections_read() {
        let text = GOOD.replace(
            "time_slice_ms = 10",
            "time_slice_ms = 10\n[storage]\nmount = \"/disk\"\n[build]\ncargo_features = [\"httpd/files\"]",
        );
        let profile = Profile::parse(&text, &graph()).unwrap();
        assert_eq!(profile.storage_mount, "/disk");
        assert_eq!(profile.cargo_features, ["httpd/files"]);
    }
}
