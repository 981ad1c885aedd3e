//! Text made from the graph: the root Cargo.toml's generated blocks, the README's tables, and the
//! image's `wiring.rs`.
//!
//! A generated block sits between a line `# BEGIN graph:NAME` and a line `# END graph:NAME` (in
//! Markdown, `<!-- BEGIN graph:NAME -->` and `<!-- END graph:NAME -->`); the text around it is
//! the project's own.

use crate::graph::{Graph, GraphError, SlotKind, package_name};
use crate::resolve::Resolution;
use crate::schema::{LogLevel, Profile};
use std::fmt::Write as _;
use std::path::Path;

/// One generated block: its name and its lines (without the markers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The name in its markers.
    pub name: &'static str,
    /// The text between the markers, ending with a newline.
    pub text: String,
}

/// Every profile, by name, sorted: read and validated.
pub fn load_profiles(root: &Path, graph: &Graph) -> Result<Vec<(String, Profile)>, String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("profiles"))
        .map_err(|error| format!("profiles/: {error}"))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok()?.strip_suffix(".toml").map(str::to_string))
        .collect();
    names.sort();
    let mut profiles = Vec::new();
    for name in names {
        let path = root.join("profiles").join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).map_err(|error| format!("profiles/{name}.toml: {error}"))?;
        let profile = Profile::parse(&text, graph).map_err(|error| format!("profiles/{name}.toml: {error}"))?;
        profiles.push((name, profile));
    }
    Ok(profiles)
}

/// The root Cargo.toml's generated blocks: workspace members, the image's dependencies, and the
/// profile and slot features.
pub fn cargo_blocks(root: &Path, graph: &Graph, profiles: &[(String, Profile)]) -> Result<Vec<Block>, GraphError> {
    let mut members = String::new();
    for path in graph.crate_paths() {
        let _ = writeln!(members, "    \"{path}\",");
    }

    let mut dependencies = String::new();
    let mut written: Vec<&str> = Vec::new();
    for slot in &graph.slots {
        let paths: Vec<&str> = slot
            .choices
            .iter()
            .filter_map(|choice| choice.crate_path.as_deref())
            .filter(|path| !written.contains(path))
            .collect();
        if !paths.is_empty() {
            let _ = writeln!(dependencies, "# {} slot: {}.", slot.name, slot.about);
        }
        for path in paths {
            let _ = writeln!(dependencies, "{} = {{ path = \"{path}\" }}", package_name(root, path)?);
            written.push(path);
        }
    }
    let direct: Vec<&str> = graph.crates.iter().filter(|entry| entry.image).map(|entry| entry.path.as_str()).collect();
    if !direct.is_empty() {
        let _ = writeln!(dependencies, "# Glue.");
        for path in direct {
            let _ = writeln!(dependencies, "{} = {{ path = \"{path}\" }}", package_name(root, path)?);
        }
    }

    let mut features = String::new();
    let _ = writeln!(
        features,
        "# Profiles (profiles/NAME.toml): exactly one. The log cap compiles out every message above it."
    );
    for (name, profile) in profiles {
        let mut enabled = vec![format!("\"log/max_level_{}\"", profile.log_cap.name())];
        enabled.extend(profile.cargo_features.iter().map(|feature| format!("\"{feature}\"")));
        let _ = writeln!(features, "profile-{name} = [{}]", enabled.join(", "));
    }
    for slot in &graph.slots {
        let _ = writeln!(features, "# {} slot: overrides the profile's `slots.{}`.", slot.name, slot.name);
        for choice in &slot.choices {
            let _ = writeln!(features, "{} = []", slot.feature_for(&choice.name));
        }
    }
    Ok(vec![
        Block { name: "members", text: members },
        Block { name: "dependencies", text: dependencies },
        Block { name: "features", text: features },
    ])
}

/// The README's generated tables: profiles and slots.
pub fn readme_blocks(graph: &Graph, profiles: &[(String, Profile)]) -> Vec<Block> {
    let mut table = String::new();
    let shown: Vec<&str> = graph.slots.iter().map(|slot| slot.name.as_str()).collect();
    let _ = writeln!(table, "| profile | {} | budget | what it is |", shown.join(" | "));
    let _ = writeln!(table, "|{}", " --- |".repeat(shown.len() + 3));
    for (name, profile) in profiles {
        let choices: Vec<&str> = shown.iter().map(|slot| profile.slot_default(slot).unwrap_or("?")).collect();
        let _ = writeln!(
            table,
            "| {name} | {} | {} KiB | {} |",
            choices.join(" | "),
            profile.size_budget / 1024,
            profile.description
        );
    }

    let mut slots = String::new();
    let _ = writeln!(slots, "| slot | feature | implementations |");
    let _ = writeln!(slots, "| --- | --- | --- |");
    for slot in &graph.slots {
        let choices: Vec<String> =
            slot.choices.iter().map(|choice| format!("`{}`: {}", choice.name, choice.about)).collect();
        let default = slot.default.as_deref().map_or(String::new(), |name| format!(" (default `{name}`)"));
        let _ = writeln!(
            slots,
            "| {} ({}){default} | `{}NAME` | {} |",
            slot.name,
            slot.about,
            slot.feature,
            choices.join("; ")
        );
    }
    vec![Block { name: "profiles", text: table }, Block { name: "slots", text: slots }]
}

/// Whether `text` uses Markdown markers (`<!-- ... -->`) or TOML ones (`# ...`).
fn markers(name: &str, markdown: bool) -> (String, String) {
    if markdown {
        (format!("<!-- BEGIN graph:{name} -->"), format!("<!-- END graph:{name} -->"))
    } else {
        (format!("# BEGIN graph:{name}"), format!("# END graph:{name}"))
    }
}

/// `text` with each block's lines replaced. Every block's markers must be there, once each, on
/// lines of their own.
pub fn apply_blocks(text: &str, blocks: &[Block], markdown: bool) -> Result<String, String> {
    let mut out = text.to_string();
    for block in blocks {
        let (begin, end) = markers(block.name, markdown);
        let (start, begin_length) = find_line(&out, &begin).ok_or_else(|| format!("no line `{begin}`"))?;
        let body = start + begin_length;
        let (stop, end_length) =
            find_line(&out[body..], &end).ok_or_else(|| format!("no line `{end}` after `{begin}`"))?;
        let stop = stop + body;
        if find_line(&out[stop + end_length..], &begin).is_some() {
            return Err(format!("`{begin}` appears twice"));
        }
        if !out[..body].ends_with('\n') {
            return Err(format!("`{begin}` must end its line"));
        }
        out.replace_range(body..stop, &block.text);
    }
    Ok(out)
}

/// The byte offset and length (with its line end) of the first line that is exactly `line`,
/// trailing white space aside.
fn find_line(text: &str, line: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for current in text.split_inclusive('\n') {
        if current.trim_end() == line {
            return Some((offset, current.len()));
        }
        offset += current.len();
    }
    None
}

/// The image's `wiring.rs` for a resolution: one item per slot, and the profile's constants.
/// `package` gives a module slot's crate folder its package name, or why it cannot.
pub fn wiring(
    resolution: &Resolution,
    package: impl Fn(&str) -> Result<String, GraphError>,
) -> Result<String, GraphError> {
    let profile = &resolution.profile;
    let mut text = String::new();
    let summary: Vec<String> = resolution
        .chosen
        .iter()
        .map(|chosen| {
            let origin = if chosen.by_feature { "feature" } else { "profile" };
            format!("{} = {} ({origin})", chosen.slot.name, chosen.choice.name)
        })
        .collect();
    let _ = writeln!(
        text,
        "// Generated by glue/image/build.rs from glue/graph.toml for profile `{}`: {}.",
        resolution.profile_name,
        summary.join(", ")
    );
    let slice_ticks = (profile.time_slice_ms * profile.tick_hz / 1000).max(1);
    let _ = writeln!(text, "pub const TIME_SLICE_TICKS: u32 = {slice_ticks};");
    for chosen in &resolution.chosen {
        let (slot, choice) = (&chosen.slot, &chosen.choice);
        let item = slot.item_name();
        let _ = writeln!(text, "pub const {}_CHOICE: &str = {:?};", item.to_uppercase(), choice.name);
        let _ = writeln!(text, "pub const {}_IS_NONE: bool = {};", item.to_uppercase(), choice.is_none());
        match slot.kind {
            SlotKind::Module => {
                let crate_path = choice.crate_path.as_deref().unwrap_or_default();
                let _ = writeln!(text, "pub use ::{} as {item};", package(crate_path)?.replace('-', "_"));
            }
            SlotKind::Value => {
                let value_type = choice.value_type.as_deref().or(slot.value_type.as_deref()).unwrap_or("()");
                let new = choice.new.as_deref().unwrap_or("()");
                let type_name = slot.type_name();
                let _ = writeln!(text, "pub type {type_name} = {value_type};");
                let _ = writeln!(text, "pub const fn {item}() -> {type_name} {{ {new} }}");
            }
        }
    }
    let _ = writeln!(text, "pub const PROFILE: &str = {:?};", resolution.profile_name);
    let _ = writeln!(
        text,
        "pub const LOG_LEVEL: log::LevelFilter = log::LevelFilter::{};",
        level_variant(profile.log_level)
    );
    let _ = writeln!(text, "pub const TICK_HZ: u32 = {};", profile.tick_hz);
    let _ = writeln!(text, "pub const HEAP_CACHE_BYTES: usize = {};", profile.heap_cache_bytes);
    let _ = writeln!(text, "pub const MOUNT: &str = {:?};", profile.storage_mount);
    let _ = writeln!(
        text,
        "const _: () = assert!(LOG_LEVEL as usize <= log::STATIC_MAX_LEVEL as usize, {:?});",
        format!(
            "profiles/{}.toml: kernel.log_level = \"{}\" is above the compile-time log cap that feature profile-{} sets in Cargo.toml (run scripts/graph sync)",
            resolution.profile_name,
            profile.log_level.name(),
            resolution.profile_name
        )
    );
    Ok(text)
}

/// The `log::LevelFilter` variant for a level (the variants share the names).
fn level_variant(level: LogLevel) -> String {
    format!("{level:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::resolve;
    use crate::schema::tests::{GOOD, graph};

    #[test]
    fn blocks_replace_only_their_lines() {
        let text = "a\n# BEGIN graph:x\nold\n# END graph:x\nb\n";
        let block = Block { name: "x", text: "new 1\nnew 2\n".to_string() };
        let out = apply_blocks(text, std::slice::from_ref(&block), false).unwrap();
        assert_eq!(out, "a\n# BEGIN graph:x\nnew 1\nnew 2\n# END graph:x\nb\n");
        assert_eq!(
            apply_blocks(&out, std::slice::from_ref(&block), false).unwrap(),
            out,
            "applying twice changes nothing"
        );
        assert!(
            apply_blocks("a\n", std::slice::from_ref(&block), false).unwrap_err().contains("no line `# BEGIN graph:x`")
        );
        let twice = format!("{text}{text}");
        assert!(apply_blocks(&twice, std::slice::from_ref(&block), false).unwrap_err().contains("twice"));
        let spaced = "a\n# BEGIN graph:x  \r\nold\n# END graph:x\n";
        assert_eq!(
            apply_blocks(spaced, std::slice::from_ref(&block), false).unwrap(),
            "a\n# BEGIN graph:x  \r\nnew 1\nnew 2\n# END graph:x\n"
        );
        assert!(
            apply_blocks("# BEGIN graph:x", &[block], false).is_err(),
            "a marker on the last line without a newline"
        );
    }

    #[test]
    fn wiring_names_every_slot_and_constant() {
        let features = vec!["profile-minimal".to_string(), "alloc-buddy".to_string()];
        let resolution = resolve(&graph(), &features, &[], |_| Some(GOOD.to_string())).unwrap();
        let text = wiring(&resolution, |path| Ok(path.rsplit('/').next().unwrap_or("").to_string())).unwrap();
        for expected in [
            "allocator = buddy (feature)",
            "pub use ::hello as app;",
            "pub type Allocator = B;",
            "pub const fn allocator() -> Allocator { B::new() }",
            "pub type Scheduler = N;",
            "pub const SCHEDULER_CHOICE: &str = \"none\";",
            "pub const SCHEDULER_IS_NONE: bool = true;",
            "pub type Storage = Option<fn(&str)>;",
            "pub const fn storage() -> Storage { None }",
            "pub const LOG_LEVEL: log::LevelFilter = log::LevelFilter::Info;",
            "pub const TIME_SLICE_TICKS: u32 = 10;",
            "pub const MOUNT: &str = \"/data\";",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
        }
    }

    /// The checked-in Cargo.toml and README.md say what the graph says; `scripts/graph sync`
    /// rewrites them when not.
    #[test]
    fn cargo_toml_and_the_readme_match_the_graph() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        assert_eq!(crate::out_of_date(&root), Ok(Vec::new()), "run scripts/graph sync");
    }
}
