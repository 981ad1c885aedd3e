//! Resolves the profile and slot features against glue/graph.toml into `wiring.rs`, and links
//! the image. Any conflict becomes a `compile_error!` that names the features, file, key or line.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for watched in ["profiles", stardust_profile::GRAPH_FILE, "Cargo.toml", "glue/image/linker.ld"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    let mut features: Vec<String> = env::vars()
        .filter_map(|(key, _)| key.strip_prefix("CARGO_FEATURE_").map(|f| f.to_lowercase().replace('_', "-")))
        .collect();
    features.sort();
    let (wiring, stack) = match resolve(&root, &features) {
        Ok(resolved) => resolved,
        // Keep the build going to the compile_error!, which reports the message in rustc's words.
        Err(message) => (format!("compile_error!({:?});\n", format!("stardust: {message}")), 4096),
    };
    fs::write(out.join("wiring.rs"), wiring).expect("OUT_DIR is writable");

    let script = fs::read_to_string(root.join("glue/image/linker.ld")).expect("glue/image/linker.ld exists");
    let linker_script = out.join("linker.ld");
    fs::write(&linker_script, script.replace("@BOOT_STACK_SIZE@", &stack.to_string())).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-arg-bins=-T{}", linker_script.display());
    println!("cargo:rustc-link-arg-bins=-zmax-page-size=16");
    println!("cargo:rustc-link-arg-bins=--no-dynamic-linker");
}

/// The wiring's text and the boot stack's size, or why there is no image.
fn resolve(root: &Path, features: &[String]) -> Result<(String, u64), String> {
    let graph = stardust_profile::Graph::load(root).map_err(|error| error.to_string())?;
    if stardust_profile::cargo_toml_out_of_date(root)? {
        return Err("Cargo.toml is out of date with glue/graph.toml and profiles/: run scripts/graph sync".to_string());
    }
    let mut available: Vec<String> = fs::read_dir(root.join("profiles"))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter_map(|name| name.strip_suffix(".toml").map(|stem| format!("profile-{stem}")))
                .collect()
        })
        .unwrap_or_default();
    available.sort();
    let resolution = stardust_profile::resolve(&graph, features, &available, |name| {
        fs::read_to_string(root.join("profiles").join(format!("{name}.toml"))).ok()
    })
    .map_err(|error| error.to_string())?;
    let wiring = stardust_profile::wiring(&resolution, |path| stardust_profile::package_name(root, path))
        .map_err(|error| error.to_string())?;
    // The package names above come from the crates' manifests.
    for path in graph.crate_paths() {
        println!("cargo:rerun-if-changed={}", root.join(path).join("Cargo.toml").display());
    }
    Ok((wiring, resolution.profile.boot_stack_bytes))
}
