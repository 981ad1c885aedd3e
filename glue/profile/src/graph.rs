//! The component graph (`glue/graph.toml`): every slot, its implementations, every other crate.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the table lives, relative to the repository root.
pub const GRAPH_FILE: &str = "glue/graph.toml";

/// The whole table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Graph {
    /// Every slot, in the order the table lists them (the wiring's order).
    #[serde(rename = "slot")]
    pub slots: Vec<Slot>,
    /// Every crate of the workspace that implements no slot.
    #[serde(rename = "crate", default)]
    pub crates: Vec<CrateEntry>,
}

/// How the wiring exposes a slot's choice to glue/image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    /// `pub use CRATE as SLOT;` (the app: glue calls `app::main`).
    Module,
    /// `pub type Slot = TYPE;` and `pub const fn slot() -> Slot { NEW }`.
    Value,
}

/// A place in the image that exactly one implementation fills.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// Its name, also its key in a profile's `[slots]` table.
    pub name: String,
    /// The prefix of its features (`sched-` for `sched-rr`).
    pub feature: String,
    /// How the wiring exposes it.
    pub kind: SlotKind,
    /// The type of every choice that names none of its own (value slots).
    #[serde(rename = "type", default)]
    pub value_type: Option<String>,
    /// The choice when a profile names none; `None`: every profile must name one.
    #[serde(default)]
    pub default: Option<String>,
    /// scripts/size and the boot tests try every implementation in every profile that has one.
    #[serde(default)]
    pub swap: bool,
    /// The implementations' crates are tested on the host.
    #[serde(default)]
    pub host: bool,
    /// One line for people.
    pub about: String,
    /// The implementations.
    pub choices: Vec<Choice>,
}

/// One implementation of a slot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Its name in profiles and in its feature.
    pub name: String,
    /// Its crate's folder, relative to the root; `None` for choices built into glue.
    #[serde(rename = "crate", default)]
    pub crate_path: Option<String>,
    /// The Rust type glue names (value slots); the slot's type when absent.
    #[serde(rename = "type", default)]
    pub value_type: Option<String>,
    /// A constant expression that builds it (value slots).
    #[serde(default)]
    pub new: Option<String>,
    /// Slots that must not be `none` in an image that chooses this.
    #[serde(default)]
    pub needs: Vec<String>,
    /// One line for people.
    pub about: String,
}

/// A crate that implements no slot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateEntry {
    /// Its folder, relative to the root.
    pub path: String,
    /// Its logic is tested on the host (`cargo test`).
    pub host: bool,
    /// The image depends on it directly.
    #[serde(default)]
    pub image: bool,
    /// One line for people.
    pub about: String,
}

/// Why the table cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// A file could not be read.
    Read { path: String, reason: String },
    /// Not valid TOML, or a field the schema does not know, or a wrong type.
    Syntax { path: String, message: String },
    /// The table is well-formed but contradicts itself.
    Invalid { path: String, message: String },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Read { path, reason } => write!(f, "{path}: cannot be read: {reason}"),
            GraphError::Syntax { path, message } | GraphError::Invalid { path, message } => {
                write!(f, "{path}: {message}")
            }
        }
    }
}

/// A serde error from the `toml` crate as one line: `line L, column C: message (near `TEXT`)`.
pub(crate) fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(text, span.start);
            let source = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line}, column {column}: {message} (at `{source}`)")
        }
        None => message.to_string(),
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |newline| newline + 1) + 1;
    (line, column)
}

impl Graph {
    /// Parses and checks the table's text; `path` is only for messages.
    pub fn parse(text: &str, path: &str) -> Result<Graph, GraphError> {
        let graph: Graph = toml::from_str(text).map_err(|error| GraphError::Syntax {
            path: path.to_string(),
            message: describe_toml_error(text, &error),
        })?;
        graph.check().map_err(|(message, place)| GraphError::Invalid {
            path: path.to_string(),
            message: match place.line(text) {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            },
        })?;
        Ok(graph)
    }

    /// Reads `glue/graph.toml` under the repository `root`.
    pub fn load(root: &Path) -> Result<Graph, GraphError> {
        let path = root.join(GRAPH_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|error| GraphError::Read { path: GRAPH_FILE.to_string(), reason: error.to_string() })?;
        Graph::parse(&text, GRAPH_FILE)
    }

    /// The slot called `name`.
    pub fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|slot| slot.name == name)
    }

    /// The crate folders of the implementations of the slots `filter` accepts, once each (one
    /// crate may fill several slots), in table order.
    fn implementation_paths(&self, filter: impl Fn(&Slot) -> bool) -> Vec<&str> {
        let mut paths: Vec<&str> = Vec::new();
        for slot in self.slots.iter().filter(|slot| filter(slot)) {
            for path in slot.choices.iter().filter_map(|choice| choice.crate_path.as_deref()) {
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        paths
    }

    /// Every crate folder of the workspace: slot implementations and the other crates, in table
    /// order.
    pub fn crate_paths(&self) -> Vec<&str> {
        let mut paths = self.implementation_paths(|_| true);
        paths.extend(self.crates.iter().map(|entry| entry.path.as_str()));
        paths
    }

    /// Crate folders whose logic is tested on the host, in table order.
    pub fn host_crate_paths(&self) -> Vec<&str> {
        let mut paths = self.implementation_paths(|slot| slot.host);
        paths.extend(self.crates.iter().filter(|entry| entry.host).map(|entry| entry.path.as_str()));
        paths
    }

    fn check(&self) -> Result<(), (String, Place)> {
        let mut features: Vec<&str> = Vec::new();
        for slot in &self.slots {
            if !is_name(&slot.name) {
                return Err((
                    format!("slot `{}`: a name is lower-case letters, digits and `-`", slot.name),
                    Place::slot(slot),
                ));
            }
            if self.slots.iter().filter(|other| other.name == slot.name).count() > 1 {
                return Err((format!("slot `{}` is listed twice", slot.name), Place::slot(slot)));
            }
            if !slot.feature.ends_with('-') || !is_name(slot.feature.trim_end_matches('-')) {
                return Err((
                    format!("slot `{}`: feature prefix `{}` must be a name ending in `-`", slot.name, slot.feature),
                    Place::slot(slot),
                ));
            }
            // One feature name must belong to one slot at most: no prefix may start another.
            let overlaps = |other: &str| other.starts_with(slot.feature.as_str()) || slot.feature.starts_with(other);
            if overlaps("profile-") || features.iter().any(|other| overlaps(other)) {
                return Err((
                    format!("slot `{}`: feature prefix `{}` is taken", slot.name, slot.feature),
                    Place::slot(slot),
                ));
            }
            features.push(&slot.feature);
            if slot.choices.is_empty() {
                return Err((format!("slot `{}` has no implementations", slot.name), Place::slot(slot)));
            }
            if let Some(default) = &slot.default
                && !slot.choices.iter().any(|choice| &choice.name == default)
            {
                return Err((
                    format!("slot `{}`: default `{default}` is not one of its choices", slot.name),
                    Place::slot(slot),
                ));
            }
            for choice in &slot.choices {
                let what = format!("slot `{}`, choice `{}`", slot.name, choice.name);
                if !is_name(&choice.name) {
                    return Err((
                        format!("{what}: a name is lower-case letters, digits and `-`"),
                        Place::choice(slot, choice),
                    ));
                }
                if slot.choices.iter().filter(|other| other.name == choice.name).count() > 1 {
                    return Err((format!("{what} is listed twice"), Place::choice(slot, choice)));
                }
                match slot.kind {
                    SlotKind::Module if choice.crate_path.is_none() => {
                        return Err((
                            format!("{what}: a module slot's choice needs a `crate`"),
                            Place::choice(slot, choice),
                        ));
                    }
                    SlotKind::Module if choice.new.is_some() || choice.value_type.is_some() => {
                        return Err((
                            format!("{what}: `type` and `new` are for value slots"),
                            Place::choice(slot, choice),
                        ));
                    }
                    SlotKind::Value if choice.new.is_none() => {
                        return Err((
                            format!("{what}: a value slot's choice needs `new`"),
                            Place::choice(slot, choice),
                        ));
                    }
                    SlotKind::Value if choice.value_type.is_none() && slot.value_type.is_none() => {
                        return Err((
                            format!("{what}: no `type` (and the slot has none)"),
                            Place::choice(slot, choice),
                        ));
                    }
                    _ => {}
                }
                for needed in &choice.needs {
                    if needed == &slot.name || self.slot(needed).is_none() {
                        return Err((
                            format!("{what}: needs `{needed}`, which is not another slot"),
                            Place::choice(slot, choice),
                        ));
                    }
                }
            }
        }
        let paths = self.crate_paths();
        for (index, path) in paths.iter().enumerate() {
            let place = Place(vec![format!("\"{path}\"")]);
            if path.is_empty() || path.starts_with('/') || path.contains("..") || path.ends_with('/') {
                return Err((format!("crate `{path}`: a folder relative to the root, such as components/NAME"), place));
            }
            if paths[..index].contains(path) {
                return Err((format!("crate `{path}` is listed twice"), Place(vec![format!("path = \"{path}\"")])));
            }
        }
        Ok(())
    }
}

/// Where in the table's text a mistake is: texts to find one after the other (the slot's name,
/// then the choice's), so that a message can give the line.
pub(crate) struct Place(Vec<String>);

impl Place {
    fn slot(slot: &Slot) -> Place {
        Place(vec![format!("name = \"{}\"", slot.name)])
    }

    fn choice(slot: &Slot, choice: &Choice) -> Place {
        Place(vec![format!("name = \"{}\"", slot.name), format!("name = \"{}\"", choice.name)])
    }

    /// The 1-based line of the last text, found in order; `None` if one is not there.
    fn line(&self, text: &str) -> Option<usize> {
        let mut offset = 0;
        for needle in &self.0 {
            offset += text[offset..].find(needle.as_str())?;
        }
        Some(line_and_column(text, offset).0)
    }
}

impl Slot {
    /// The choice called `name`.
    pub fn choice(&self, name: &str) -> Option<&Choice> {
        self.choices.iter().find(|choice| choice.name == name)
    }

    /// The choices' names, in table order.
    pub fn choice_names(&self) -> Vec<&str> {
        self.choices.iter().map(|choice| choice.name.as_str()).collect()
    }

    /// The feature that chooses `choice` (`sched-` + `rr`).
    pub fn feature_for(&self, choice: &str) -> String {
        format!("{}{choice}", self.feature)
    }

    /// The slot's name as a Rust type name (`scheduler` → `Scheduler`, `net-stack` → `NetStack`).
    pub fn type_name(&self) -> String {
        self.name
            .split('-')
            .map(|word| {
                let mut characters = word.chars();
                characters
                    .next()
                    .map_or(String::new(), |first| first.to_ascii_uppercase().to_string() + characters.as_str())
            })
            .collect()
    }

    /// The slot's name as a Rust item name (`net-stack` → `net_stack`).
    pub fn item_name(&self) -> String {
        self.name.replace('-', "_")
    }
}

impl Choice {
    /// Whether this is the slot's "absent" choice.
    pub fn is_none(&self) -> bool {
        self.name == "none"
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The package name in `<root>/<crate_path>/Cargo.toml`.
pub fn package_name(root: &Path, crate_path: &str) -> Result<String, GraphError> {
    #[derive(Deserialize)]
    struct Manifest {
        package: Package,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
    }
    let path: PathBuf = root.join(crate_path).join("Cargo.toml");
    let shown = format!("{crate_path}/Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| GraphError::Read { path: shown.clone(), reason: error.to_string() })?;
    let manifest: Manifest = toml::from_str(&text)
        .map_err(|error| GraphError::Syntax { path: shown, message: describe_toml_error(&text, &error) })?;
    Ok(manifest.package.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[slot]]
name = "app"
feature = "app-"
kind = "module"
about = "a"
choices = [{ name = "hello", crate = "apps/hello", about = "h" }]

[[slot]]
name = "scheduler"
feature = "sched-"
kind = "value"
swap = true
host = true
about = "s"
choices = [
    { name = "none", type = "N", new = "N", about = "n" },
    { name = "rr", crate = "components/sched-rr", type = "R", new = "R::new()", needs = ["app"], about = "r" },
]

[[crate]]
path = "components/api"
host = true
about = "contracts"
"#;

    fn error_for(from: &str, to: &str) -> String {
        let text = SMALL.replacen(from, to, 1);
        Graph::parse(&text, "graph.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_small_table_reads() {
        let graph = Graph::parse(SMALL, "graph.toml").unwrap();
        assert_eq!(graph.slots.len(), 2);
        assert_eq!(graph.slot("scheduler").unwrap().choice_names(), ["none", "rr"]);
        assert_eq!(graph.crate_paths(), ["apps/hello", "components/sched-rr", "components/api"]);
        assert_eq!(graph.host_crate_paths(), ["components/sched-rr", "components/api"]);
        assert_eq!(graph.slot("scheduler").unwrap().type_name(), "Scheduler");
        assert_eq!(graph.slot("scheduler").unwrap().feature_for("rr"), "sched-rr");
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let message = error_for("about = \"a\"", "about = \"a\"\nabuot = 1");
        assert!(message.contains("line 7") && message.contains("abuot"), "{message}");
        let message = error_for("kind = \"module\"", "kind = \"mod\"");
        assert!(message.contains("line 5") && message.contains("mod"), "{message}");
        let message = error_for("path = \"components/api\"", "path = \"apps/hello\"");
        assert!(message.contains("line 22: crate `apps/hello` is listed twice"), "{message}");
        let message = error_for("needs = [\"app\"]", "needs = [\"nothing\"]");
        assert!(message.contains("line 18: slot `scheduler`, choice `rr`: needs `nothing`"), "{message}");
        let message = error_for("feature = \"sched-\"", "feature = \"app-s-\"");
        assert!(message.contains("line 10: slot `scheduler`: feature prefix `app-s-` is taken"), "{message}");
        let message = error_for("feature = \"sched-\"", "feature = \"profile-x-\"");
        assert!(message.contains("is taken"), "{message}");
        let message = error_for("feature = \"sched-\"", "feature = \"app-\"");
        assert!(message.contains("prefix `app-` is taken"), "{message}");
        let message = error_for("new = \"R::new()\", ", "");
        assert!(message.contains("needs `new`"), "{message}");
        let message = error_for("{ name = \"hello\"", "{ name = \"Hello\"");
        assert!(message.contains("lower-case"), "{message}");
    }

    #[test]
    fn the_real_table_reads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let graph = Graph::load(&root).unwrap();
        for path in graph.crate_paths() {
            package_name(&root, path).unwrap();
        }
    }
}
