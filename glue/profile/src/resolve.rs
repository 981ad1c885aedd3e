//! Profile + features → one implementation per slot.
//!
//! Rules (ARCHITECTURE.md): exactly one `profile-*` feature; an explicit slot feature beats the
//! profile's default; two explicit choices for one slot are an error. Nothing is resolved by
//! priority behind the user's back.

use crate::schema::{Profile, ProfileError};
use std::fmt;

/// A slot: one place in the image that exactly one implementation fills.
#[derive(Debug)]
pub struct Slot {
    /// The slot's name, also its key in the profile's `[slots]` table.
    pub name: &'static str,
    /// Feature prefix of the slot's explicit choices (`alloc-` → `alloc-bump`).
    pub feature_prefix: &'static str,
    /// The implementations that exist: feature `prefix + choice`, and the crate glue wires.
    pub choices: &'static [Choice],
}

/// One implementation of a slot.
#[derive(Debug)]
pub struct Choice {
    /// Its name in profiles and in its feature.
    pub name: &'static str,
    /// The Rust path that glue names (a crate, or a type inside one).
    pub path: &'static str,
    /// A constant expression that builds it, for slots that hold a value (empty otherwise).
    pub constructor: &'static str,
}

/// Every slot of the image. Adding an implementation: a crate, a dependency and a feature in the
/// root `Cargo.toml`, and a line here.
pub const SLOTS: &[Slot] = &[
    Slot {
        name: "app",
        feature_prefix: "app-",
        choices: &[
            Choice { name: "hello", path: "::hello", constructor: "" },
            Choice { name: "faults", path: "::faults", constructor: "" },
            Choice { name: "clock", path: "::clock", constructor: "" },
            Choice { name: "allocstress", path: "::allocstress", constructor: "" },
            Choice { name: "allocbench", path: "::allocbench", constructor: "" },
            Choice { name: "threads-demo", path: "::threads_demo", constructor: "" },
            Choice { name: "threadtest", path: "::threadtest", constructor: "" },
            Choice { name: "threadbench", path: "::threadbench", constructor: "" },
            Choice { name: "disktest", path: "::disktest", constructor: "" },
            Choice { name: "kvstore", path: "::kvstore", constructor: "" },
            Choice { name: "fstest", path: "::fstest", constructor: "" },
            Choice { name: "httpd", path: "::httpd", constructor: "" },
            Choice { name: "udpecho", path: "::udpecho", constructor: "" },
            Choice { name: "nettest", path: "::nettest", constructor: "" },
        ],
    },
    Slot {
        name: "allocator",
        feature_prefix: "alloc-",
        choices: &[
            Choice {
                name: "bump",
                path: "::alloc_bump::BumpAllocator",
                constructor: "::alloc_bump::BumpAllocator::new()",
            },
            Choice {
                name: "buddy",
                path: "::alloc_buddy::BuddyAllocator<::stardust::HeapWords>",
                constructor: "::alloc_buddy::BuddyAllocator::new(::stardust::HeapWords)",
            },
            Choice {
                name: "tlsf",
                path: "::alloc_tlsf::TlsfAllocator<::stardust::HeapWords>",
                constructor: "::alloc_tlsf::TlsfAllocator::new(::stardust::HeapWords)",
            },
        ],
    },
    Slot {
        name: "scheduler",
        feature_prefix: "sched-",
        choices: &[
            Choice {
                name: "none",
                path: "::stardust::thread::NoScheduler",
                constructor: "::stardust::thread::NoScheduler",
            },
            Choice {
                name: "fifo",
                path: "::sched_fifo::FifoScheduler",
                constructor: "::sched_fifo::FifoScheduler::new()",
            },
            Choice {
                name: "rr",
                path: "::sched_rr::RoundRobinScheduler",
                constructor: "::sched_rr::RoundRobinScheduler::new(TIME_SLICE_TICKS)",
            },
            Choice {
                name: "prio",
                path: "::sched_prio::PriorityScheduler",
                constructor: "::sched_prio::PriorityScheduler::new(TIME_SLICE_TICKS)",
            },
        ],
    },
];

/// What the build will produce.
#[derive(Debug)]
pub struct Resolution {
    /// The profile's name (`minimal` for `profile-minimal`).
    pub profile_name: String,
    /// The validated profile.
    pub profile: Profile,
    /// For each slot in [`SLOTS`] order: the slot, the chosen implementation, and whether a
    /// feature chose it (`true`) or the profile's default (`false`).
    pub choices: Vec<(&'static Slot, &'static Choice, bool)>,
}

impl Resolution {
    /// The implementation chosen for a slot.
    pub fn choice(&self, slot: &str) -> Option<&'static Choice> {
        self.choices.iter().find(|(s, _, _)| s.name == slot).map(|(_, c, _)| *c)
    }
}

/// Why no image can be built. Each message names the features or keys involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// No `profile-*` feature.
    NoProfile { available: Vec<String> },
    /// More than one `profile-*` feature.
    TwoProfiles { chosen: Vec<String> },
    /// A `profile-*` feature with no `profiles/<name>.toml`.
    MissingProfileFile { name: String },
    /// The profile file is invalid.
    BadProfile { name: String, error: ProfileError },
    /// More than one explicit feature for one slot.
    TwoChoices { slot: &'static str, chosen: Vec<String> },
    /// A slot feature or profile default naming an implementation that does not exist.
    UnknownChoice { slot: &'static str, name: String, from: String, known: Vec<&'static str> },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::NoProfile { available } => write!(
                f,
                "no profile selected: enable exactly one of {} (e.g. `cargo build --release --features {}`)",
                available.join(", "),
                available.first().map(String::as_str).unwrap_or("profile-minimal")
            ),
            ResolveError::TwoProfiles { chosen } => {
                write!(f, "more than one profile selected: {}; enable exactly one", chosen.join(" and "))
            }
            ResolveError::MissingProfileFile { name } => {
                write!(f, "feature `profile-{name}` has no profiles/{name}.toml")
            }
            ResolveError::BadProfile { name, error } => write!(f, "profiles/{name}.toml: {error}"),
            ResolveError::TwoChoices { slot, chosen } => {
                write!(f, "two explicit choices for the {slot} slot: {}; enable at most one", chosen.join(" and "))
            }
            ResolveError::UnknownChoice { slot, name, from, known } => {
                write!(f, "{from} names {slot} `{name}`, which does not exist (known: {})", known.join(", "))
            }
        }
    }
}

/// Resolves the enabled `features` (cargo feature names such as `profile-minimal`).
/// `load` returns a profile file's text by name, or `None` if there is no such file;
/// `available` lists the profile features that exist, for the "no profile" message.
pub fn resolve(
    features: &[String],
    available: &[String],
    load: impl Fn(&str) -> Option<String>,
) -> Result<Resolution, ResolveError> {
    let mut profiles: Vec<String> = features.iter().filter(|f| f.starts_with("profile-")).cloned().collect();
    profiles.sort();
    let profile_feature = match profiles.len() {
        0 => return Err(ResolveError::NoProfile { available: available.to_vec() }),
        1 => profiles.remove(0),
        _ => return Err(ResolveError::TwoProfiles { chosen: profiles }),
    };
    let profile_name = profile_feature.trim_start_matches("profile-").to_string();
    let text = load(&profile_name).ok_or_else(|| ResolveError::MissingProfileFile { name: profile_name.clone() })?;
    let profile =
        Profile::parse(&text).map_err(|error| ResolveError::BadProfile { name: profile_name.clone(), error })?;

    let mut choices = Vec::new();
    for slot in SLOTS {
        let known: Vec<&'static str> = slot.choices.iter().map(|c| c.name).collect();
        let mut explicit: Vec<String> =
            features.iter().filter(|f| f.starts_with(slot.feature_prefix)).cloned().collect();
        explicit.sort();
        if explicit.len() > 1 {
            return Err(ResolveError::TwoChoices { slot: slot.name, chosen: explicit });
        }
        let (name, from, by_feature) = match explicit.first() {
            Some(feature) => (feature[slot.feature_prefix.len()..].to_string(), format!("feature `{feature}`"), true),
            None => {
                let key = format!("slots.{}", slot.name);
                let name = profile.slot_default(&key).unwrap_or_default().to_string();
                (name, format!("profiles/{profile_name}.toml key `{key}`"), false)
            }
        };
        let choice = slot.choices.iter().find(|c| c.name == name).ok_or(ResolveError::UnknownChoice {
            slot: slot.name,
            name,
            from,
            known,
        })?;
        choices.push((slot, choice, by_feature));
    }
    Ok(Resolution { profile_name, profile, choices })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "description = \"m\"\nsize_budget = 32768\n[slots]\napp = \"hello\"\nallocator = \"bump\"\nscheduler = \"none\"\n[kernel]\nlog_level = \"info\"\nboot_stack_kib = 16\ntick_hz = 100\ntime_slice_ms = 10\n";

    fn features(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(list: &[&str]) -> Result<Resolution, ResolveError> {
        let available = features(&["profile-minimal", "profile-threads"]);
        resolve(&features(list), &available, |name| match name {
            "minimal" | "threads" => Some(MINIMAL.to_string()),
            "broken" => Some(MINIMAL.replace("size_budget = 32768", "size_budget = 1")),
            _ => None,
        })
    }

    #[test]
    fn profile_defaults_fill_every_slot() {
        let resolution = run(&["profile-minimal"]).unwrap();
        assert_eq!(resolution.profile_name, "minimal");
        assert_eq!(resolution.choice("app").unwrap().name, "hello");
        assert_eq!(resolution.choice("allocator").unwrap().path, "::alloc_bump::BumpAllocator");
        assert!(resolution.choices.iter().all(|(_, _, by_feature)| !by_feature));
    }

    #[test]
    fn an_explicit_feature_beats_the_default() {
        let resolution = run(&["app-faults", "profile-minimal"]).unwrap();
        assert_eq!(resolution.choice("app").unwrap().name, "faults");
    }

    #[test]
    fn conflicts_name_what_conflicts() {
        let message = run(&[]).unwrap_err().to_string();
        assert!(message.contains("no profile selected") && message.contains("profile-threads"), "{message}");
        let message = run(&["profile-threads", "profile-minimal"]).unwrap_err().to_string();
        assert!(message.contains("profile-minimal and profile-threads"), "{message}");
        let message = run(&["profile-minimal", "app-hello", "app-faults"]).unwrap_err().to_string();
        assert!(message.contains("app slot: app-faults and app-hello"), "{message}");
        let message = run(&["profile-minimal", "alloc-nonesuch"]).unwrap_err().to_string();
        assert!(message.contains("`nonesuch`") && message.contains("known: bump, buddy, tlsf"), "{message}");
        let message = run(&["profile-nowhere"]).unwrap_err().to_string();
        assert!(message.contains("profiles/nowhere.toml"), "{message}");
        let message = run(&["profile-broken"]).unwrap_err().to_string();
        assert!(message.contains("profiles/broken.toml") && message.contains("size_budget"), "{message}");
    }
}
