//! Build-time checks: the profile mechanism refuses what it must, naming the culprits.

use stardust_boot_tests::root;
use std::process::Command;

fn build_fails_with(features: Option<&str>, expected: &str) {
    let mut command = Command::new("cargo");
    command.current_dir(root()).args(["build", "--release", "--quiet"]);
    if let Some(features) = features {
        command.args(["--features", features]);
    }
    let output = command.output().expect("cargo starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the build with {features:?} should fail");
    assert!(stderr.contains(expected), "expected {expected:?} in the build's errors:\n{stderr}");
}

#[test]
fn a_build_without_a_profile_fails_and_lists_the_profiles() {
    let features: Vec<String> =
        stardust_boot_tests::profiles().into_iter().map(|(name, _)| format!("profile-{name}")).collect();
    build_fails_with(None, &format!("stardust: no profile selected: enable exactly one of {}", features.join(", ")));
}

#[test]
fn two_choices_for_one_slot_fail_the_build() {
    build_fails_with(
        Some("profile-minimal,app-hello,app-faults"),
        "stardust: two explicit choices for the app slot: app-faults and app-hello; enable at most one",
    );
}

#[test]
fn two_allocators_or_two_schedulers_fail_the_build() {
    build_fails_with(
        Some("profile-minimal,alloc-buddy,alloc-tlsf"),
        "stardust: two explicit choices for the allocator slot: alloc-buddy and alloc-tlsf",
    );
    build_fails_with(
        Some("profile-threads,sched-fifo,sched-rr"),
        "stardust: two explicit choices for the scheduler slot: sched-fifo and sched-rr",
    );
}

#[test]
fn two_profiles_fail_the_build() {
    build_fails_with(
        Some("profile-minimal,profile-threads"),
        "stardust: more than one profile selected: profile-minimal and profile-threads; enable exactly one",
    );
}

#[test]
fn a_choice_whose_needs_are_not_met_fails_the_build() {
    build_fails_with(
        Some("profile-minimal,app-threadtest"),
        "stardust: app `threadtest` (feature `app-threadtest`) needs a scheduler, but this image's scheduler is `none` (profiles/minimal.toml, slots.scheduler); choose one, e.g. with --features sched-fifo",
    );
    build_fails_with(
        Some("profile-threads,app-hello,net-smoltcp,sched-none"),
        "network `smoltcp` (feature `net-smoltcp`) needs a scheduler",
    );
}
