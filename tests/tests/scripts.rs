//! The command-line behaviour of scripts/run: help, errors, exit codes.

use stardust_boot_tests::root;
use std::process::Command;

fn run(arguments: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(root().join("scripts/run")).args(arguments).output().expect("scripts/run starts");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_explains_every_option() {
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for option in [
        "--features",
        "--app",
        "--vmm",
        "--machine",
        "--accel",
        "--mem",
        "--smp",
        "--gdb",
        "--timeout",
        "--log",
        "Exit status",
    ] {
        assert!(stdout.contains(option), "--help does not mention {option}:\n{stdout}");
    }
}

#[test]
fn bad_command_lines_exit_2_with_a_message() {
    let names: Vec<String> = stardust_boot_tests::profiles().into_iter().map(|(name, _)| name).collect();
    let unknown = format!("no profile 'nosuch'; profiles: {}", names.join(" "));
    let cases: [(&[&str], &str); 7] = [
        (&["nosuch"], &unknown),
        (&["minimal", "--vmm", "xen"], "--vmm must be qemu, firecracker or cloud-hypervisor"),
        (&["minimal", "--vmm", "firecracker", "--machine", "q35"], "--machine is QEMU's"),
        (&["minimal", "--machine", "pc98"], "--machine must be microvm or q35"),
        (&["minimal", "--smp", "0"], "--smp must be a positive number"),
        (&["minimal", "--frobnicate"], "unknown option '--frobnicate'"),
        (&[], "no profile given"),
    ];
    for (arguments, message) in cases {
        let (code, _, stderr) = run(arguments);
        assert_eq!(code, Some(2), "{arguments:?}: {stderr}");
        assert!(stderr.contains(message), "{arguments:?}: expected {message:?} in {stderr}");
    }
}

#[test]
fn every_profile_fits_its_size_budget() {
    let output = Command::new(root().join("scripts/size")).output().expect("scripts/size starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "scripts/size failed:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.lines().any(|line| line.starts_with("minimal ") && line.ends_with(" ok")), "{stdout}");
}
