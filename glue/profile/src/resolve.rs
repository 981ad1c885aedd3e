//! Profile + features → one implementation per slot of the graph.
//!
//! Rules (the README's "Profiles and slots"): exactly one `profile-*` feature; an explicit slot feature beats the
//! profile's default; two explicit choices for one slot are an error; a choice whose `needs`
//! are not met is an error. Nothing is resolved by priority behind the user's back.

use crate::graph::{Choice, Graph, Slot};
use crate::schema::{Profile, ProfileError};
use std::fmt;

/// One slot's outcome.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The slot.
    pub slot: Slot,
    /// The implementation that fills it.
    pub choice: Choice,
    /// Whether a feature chose it (`true`) or the profile's default (`false`).
    pub by_feature: bool,
}

/// What the build will produce.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The profile's name (`minimal` for `profile-minimal`).
    pub profile_name: String,
    /// The validated profile.
    pub profile: Profile,
    /// One entry per slot, in the graph's order.
    pub chosen: Vec<Chosen>,
}

impl Resolution {
    /// The implementation chosen for a slot.
    pub fn choice(&self, slot: &str) -> Option<&Choice> {
        self.chosen.iter().find(|chosen| chosen.slot.name == slot).map(|chosen| &chosen.choice)
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
    TwoChoices { slot: String, chosen: Vec<String> },
    /// A slot feature naming an implementation that the graph does not list.
    UnknownChoice { slot: String, feature: String, known: Vec<String> },
    /// A choice needs a slot that is `none` in this image.
    Unmet(Box<UnmetNeed>),
}

/// A choice that needs a slot which is `none` in the image, and where both came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetNeed {
    /// The slot whose choice has the need.
    pub slot: String,
    /// That choice.
    pub choice: String,
    /// What chose it (a feature, or the profile's key).
    pub from: String,
    /// The slot it needs.
    pub needed: String,
    /// What made that slot `none`.
    pub from_needed: String,
    /// A feature that would fill the needed slot.
    pub example: String,
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
            ResolveError::UnknownChoice { slot, feature, known } => write!(
                f,
                "feature `{feature}` names no {slot} in glue/graph.toml (known: {}); if you just added it there, run scripts/graph sync",
                known.join(", ")
            ),
            ResolveError::Unmet(unmet) => {
                let UnmetNeed { slot, choice, from, needed, from_needed, example } = unmet.as_ref();
                write!(
                    f,
                    "{slot} `{choice}` ({from}) needs a {needed}, but this image's {needed} is `none` ({from_needed}); choose one, e.g. with --features {example}"
                )
            }
        }
    }
}

/// Resolves the enabled `features` (cargo feature names such as `profile-minimal`) against the
/// graph. `load` returns a profile file's text by name, or `None` if there is no such file;
/// `available` lists the profile features that exist, for the "no profile" message.
pub fn resolve(
    graph: &Graph,
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
        Profile::parse(&text, graph).map_err(|error| ResolveError::BadProfile { name: profile_name.clone(), error })?;

    let mut chosen = Vec::new();
    let mut origins = Vec::new();
    for slot in &graph.slots {
        let mut explicit: Vec<String> = features.iter().filter(|f| f.starts_with(&slot.feature)).cloned().collect();
        explicit.sort();
        if explicit.len() > 1 {
            return Err(ResolveError::TwoChoices { slot: slot.name.clone(), chosen: explicit });
        }
        let (choice, from, by_feature) = match explicit.first() {
            Some(feature) => {
                let name = &feature[slot.feature.len()..];
                let choice = slot.choice(name).ok_or_else(|| ResolveError::UnknownChoice {
                    slot: slot.name.clone(),
                    feature: feature.clone(),
                    known: slot.choice_names().iter().map(|name| name.to_string()).collect(),
                })?;
                (choice, format!("feature `{feature}`"), true)
            }
            None => {
                // Profile::parse checked the name against the graph.
                let name = profile.slot_default(&slot.name).unwrap_or_default();
                let choice = slot.choice(name).ok_or_else(|| ResolveError::UnknownChoice {
                    slot: slot.name.clone(),
                    feature: name.to_string(),
                    known: slot.choice_names().iter().map(|name| name.to_string()).collect(),
                })?;
                (choice, format!("profiles/{profile_name}.toml, slots.{}", slot.name), false)
            }
        };
        chosen.push(Chosen { slot: slot.clone(), choice: choice.clone(), by_feature });
        origins.push(from);
    }
    for (index, entry) in chosen.iter().enumerate() {
        for needed in &entry.choice.needs {
            let Some(position) = chosen.iter().position(|other| &other.slot.name == needed) else { continue };
            let other = &chosen[position];
            if other.choice.is_none() {
                let example = other
                    .slot
                    .choices
                    .iter()
                    .find(|choice| !choice.is_none())
                    .map_or(String::new(), |choice| other.slot.feature_for(&choice.name));
                return Err(ResolveError::Unmet(Box::new(UnmetNeed {
                    slot: entry.slot.name.clone(),
                    choice: entry.choice.name.clone(),
                    from: origins[index].clone(),
                    needed: needed.clone(),
                    from_needed: origins[position].clone(),
                    example,
                })));
            }
        }
    }
    Ok(Resolution { profile_name, profile, chosen })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::{GOOD, graph};

    fn features(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(list: &[&str]) -> Result<Resolution, ResolveError> {
        let available = features(&["profile-minimal", "profile-threads"]);
        resolve(&graph(), &features(list), &available, |name| match name {
            "minimal" => Some(GOOD.to_string()),
            "threads" => Some(GOOD.replace("scheduler = \"none\"", "scheduler = \"rr\"")),
            "broken" => Some(GOOD.replace("size_budget = 32768", "size_budget = 1")),
            _ => None,
        })
    }

    #[test]
    fn profile_defaults_fill_every_slot() {
        let resolution = run(&["profile-minimal"]).unwrap();
        assert_eq!(resolution.profile_name, "minimal");
        assert_eq!(resolution.choice("app").unwrap().name, "hello");
        assert_eq!(resolution.choice("allocator").unwrap().new.as_deref(), Some("::alloc_bump::BumpAllocator::new()"));
        assert_eq!(resolution.choice("storage").unwrap().name, "none");
        assert!(resolution.chosen.iter().all(|chosen| !chosen.by_feature));
    }

    #[test]
    fn an_explicit_feature_beats_the_default() {
        let resolution = run(&["app-faults", "profile-minimal"]).unwrap();
        assert_eq!(resolution.choice("app").unwrap().name, "faults");
        let resolution = run(&["profile-threads", "storage-fat"]).unwrap();
        assert_eq!(resolution.choice("storage").unwrap().name, "fat");
    }

    #[test]
    fn conflicts_name_what_conflicts() {
        let cases: [(&[&str], &str); 8] = [
            (&[], "no profile selected: enable exactly one of profile-minimal, profile-threads"),
            (&["profile-threads", "profile-minimal"], "profile-minimal and profile-threads; enable exactly one"),
            (&["profile-minimal", "app-hello", "app-faults"], "app slot: app-faults and app-hello"),
            (&["profile-minimal", "alloc-nonesuch"], "feature `alloc-nonesuch` names no allocator"),
            (&["profile-nowhere"], "profiles/nowhere.toml"),
            (&["profile-broken"], "profiles/broken.toml: line 3: `size_budget`"),
            (
                &["profile-minimal", "app-threadtest"],
                "app `threadtest` (feature `app-threadtest`) needs a scheduler, but this image's scheduler is `none` (profiles/minimal.toml, slots.scheduler); choose one, e.g. with --features sched-rr",
            ),
            (&["profile-minimal", "storage-fat"], "storage `fat` (feature `storage-fat`) needs a scheduler"),
        ];
        for (list, expected) in cases {
            let message = run(list).unwrap_err().to_string();
            assert!(message.contains(expected), "{list:?}: expected {expected:?} in {message:?}");
        }
        assert!(run(&["profile-threads", "app-threadtest"]).is_ok());
    }
}
