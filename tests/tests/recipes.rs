//! The README's recipes, proven: a new scheduler is one new crate plus one line in
//! glue/graph.toml, and a new profile is one file. Both are made in a copy of the repository
//! (the real tree is never changed), then scripts/run builds the image and boots it.

use stardust_boot_tests::{Boot, root};
use std::path::Path;
use std::process::Command;

/// Copies every file git knows of (tracked, or new and not ignored) into `to`.
fn copy_repository(to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let listing = Command::new("git")
        .current_dir(root())
        // As root on a checkout another user owns, git refuses to read it without this.
        .args(["-c", "safe.directory=*", "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output()
        .expect("git runs");
    assert!(listing.status.success(), "git ls-files: {}", String::from_utf8_lossy(&listing.stderr));
    for name in listing.stdout.split(|&byte| byte == 0).filter(|name| !name.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let from = root().join(&name);
        if !from.is_file() {
            continue; // deleted in the working tree, not yet committed
        }
        let target = to.join(&name);
        std::fs::create_dir_all(target.parent().expect("a file has a folder")).expect("mkdir");
        std::fs::copy(&from, &target).unwrap_or_else(|error| panic!("copy {name}: {error}"));
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn a_new_scheduler_is_one_crate_and_one_line_and_a_new_profile_one_file() {
    let tree = root().join("target/recipe-tree");
    copy_repository(&tree);

    // The crate: the FIFO scheduler again, under another name.
    let source = tree.join("components/sched-fifo");
    let crate_folder = tree.join("components/sched-second");
    std::fs::create_dir_all(crate_folder.join("src")).expect("mkdir");
    for file in ["Cargo.toml", "src/lib.rs"] {
        std::fs::copy(source.join(file), crate_folder.join(file)).expect("copy the crate");
    }
    edit(&crate_folder.join("Cargo.toml"), "name = \"sched-fifo\"", "name = \"sched-second\"");
    // The line.
    edit(
        &tree.join("glue/graph.toml"),
        "    { name = \"rr\",",
        "    { name = \"second\", crate = \"components/sched-second\", type = \"::sched_second::FifoScheduler\", new = \"::sched_second::FifoScheduler::new()\", about = \"the recipe's test\" },\n    { name = \"rr\",",
    );
    // The profile file.
    std::fs::write(
        tree.join("profiles/recipe.toml"),
        "description = \"The recipe's test\"\nsize_budget = 65536\n[slots]\napp = \"threadtest\"\nallocator = \"tlsf\"\nscheduler = \"second\"\n[kernel]\nlog_level = \"warn\"\nlog_cap = \"info\"\nboot_stack_kib = 32\ntick_hz = 1000\ntime_slice_ms = 10\n",
    )
    .expect("write the profile");

    // Nothing else: scripts/run brings Cargo.toml in step and builds.
    let output = Command::new(tree.join("scripts/run")).args(["recipe", "--build-only"]).output().expect("scripts/run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the build failed:\n{stderr}");
    assert!(stderr.contains("(scripts/graph sync): wrote Cargo.toml"), "scripts/run says it synced:\n{stderr}");
    let image = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let manifest = std::fs::read_to_string(tree.join("Cargo.toml")).expect("Cargo.toml");
    for line in [
        "\"components/sched-second\",",
        "sched-second = { path = \"components/sched-second\" }",
        "sched-second = []",
        "profile-recipe = [",
    ] {
        assert!(manifest.contains(line), "Cargo.toml lacks {line:?}");
    }
    Boot::new(image.into(), "microvm")
        .memory("64M")
        .args(&["counter", "pingpong", "sleep"])
        .run()
        .expect_code(0)
        .expect_lines(&["threadtest: counter ok", "threadtest: pingpong ok", "threadtest: sleep ok"]);
}
