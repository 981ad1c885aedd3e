//! The component graph of Stardust images, and everything read from it.
//!
//! This crate runs on the host: inside the image's build script, and as `scripts/graph` for the
//! scripts and tests. It is not part of any kernel image. It reads `glue/graph.toml` (the one
//! table of slots, implementations and crates) and `profiles/<name>.toml` with serde
//! (`deny_unknown_fields`: a typo is an error naming its line), resolves a profile and the
//! chosen cargo features into exactly one implementation per slot (conflicts are errors, never
//! resolved silently by priority), and writes the text that follows from the table: the image's
//! wiring, and the generated blocks of the root Cargo.toml and README.md.

#![forbid(unsafe_code)]

mod generate;
mod graph;
mod resolve;
mod schema;

pub use generate::{Block, apply_blocks, cargo_blocks, load_profiles, readme_blocks, wiring};
pub use graph::{Choice, CrateEntry, GRAPH_FILE, Graph, GraphError, Slot, SlotKind, package_name};
pub use resolve::{Chosen, Resolution, ResolveError, UnmetNeed, resolve};
pub use schema::{DEFAULT_MOUNT, LogLevel, Profile, ProfileError};

use std::path::Path;

/// A file that holds generated blocks: its name, whether its markers are Markdown, its blocks.
type GeneratedFile = (&'static str, bool, Vec<Block>);

/// The files that hold generated blocks.
fn generated_files(root: &Path, with_readme: bool) -> Result<Vec<GeneratedFile>, String> {
    let graph = Graph::load(root).map_err(|error| error.to_string())?;
    let profiles = load_profiles(root, &graph)?;
    let cargo = cargo_blocks(root, &graph, &profiles).map_err(|error| error.to_string())?;
    let mut files = vec![("Cargo.toml", false, cargo)];
    if with_readme {
        files.push(("README.md", true, readme_blocks(&graph, &profiles)));
    }
    Ok(files)
}

/// Whether the root Cargo.toml's generated blocks differ from what the graph says (what the
/// image's build script checks: the README does not change the image).
pub fn cargo_toml_out_of_date(root: &Path) -> Result<bool, String> {
    stale_files(root, false).map(|stale| !stale.is_empty())
}

/// The files under `root` whose generated blocks differ from what the graph says (empty: all
/// up to date).
pub fn out_of_date(root: &Path) -> Result<Vec<String>, String> {
    stale_files(root, true)
}

fn stale_files(root: &Path, with_readme: bool) -> Result<Vec<String>, String> {
    let mut stale = Vec::new();
    for (file, markdown, blocks) in generated_files(root, with_readme)? {
        let text = std::fs::read_to_string(root.join(file)).map_err(|error| format!("{file}: {error}"))?;
        if apply_blocks(&text, &blocks, markdown).map_err(|error| format!("{file}: {error}"))? != text {
            stale.push(file.to_string());
        }
    }
    Ok(stale)
}

/// Rewrites the generated blocks under `root`; returns the files that changed.
pub fn sync(root: &Path) -> Result<Vec<String>, String> {
    let mut written = Vec::new();
    for (file, markdown, blocks) in generated_files(root, true)? {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{file}: {error}"))?;
        let new = apply_blocks(&text, &blocks, markdown).map_err(|error| format!("{file}: {error}"))?;
        if new != text {
            std::fs::write(&path, new).map_err(|error| format!("{file}: {error}"))?;
            written.push(file.to_string());
        }
    }
    Ok(written)
}
