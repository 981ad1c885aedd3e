//! Boot tests: real images in real QEMU (TCG), checking ordered serial output and exit codes.

use stardust_boot_tests::{Boot, image, profiles};

const MACHINES: [&str; 2] = ["microvm", "q35"];

/// Lines each app prints when run without arguments, in this order (other lines may come
/// between them: threads may interleave).
fn expected_output(app: &str) -> &'static [&'static str] {
    match app {
        "hello" => &["Hello from Stardust!"],
        "threads-demo" => &["threads-demo: 4 workers sum 1..=1000000", "threads-demo: total 500000500000 from 4 parts"],
        // With a blank disk and no arguments, the store lists its (no) keys.
        "kvstore" => &["0 key(s)"],
        // The posix profile's default program: C hello (apps/c-hello), no arguments.
        // The java profile's default program: apps/java/demo/Demo.java.
        "java" => &[
            "Hello from Java on Stardust!",
            "Square of area 4.00",
            "Circle of area 7.07",
            "caught java.lang.ArithmeticException: / by zero",
        ],
        "posix" => &["hello from C on musl", "0 environment variables", "write from a bad pointer: -1, Bad address"],
        other => panic!("no expected output for app {other}: add it to expected_output"),
    }
}

#[test]
fn every_profile_boots_its_default_app_on_every_machine() {
    for (profile, settings) in profiles() {
        let app = settings.slot_default("app").expect("every profile names an app");
        if app == "httpd" {
            // It serves until stopped, and needs a network: tests/tests/net.rs boots it on both
            // machines (and without a card, where it exits 1).
            continue;
        }
        for machine in MACHINES {
            let mut boot = Boot::new(image(&profile, &[]), machine);
            if app == "kvstore" {
                boot.disk = Some(stardust_boot_tests::disks::blank_image(&format!("default-{machine}"), 4096, false));
            }
            boot.run().expect_code(0).expect_lines(expected_output(app));
        }
    }
}

#[test]
fn hello_prints_its_arguments_in_order() {
    for machine in MACHINES {
        Boot::new(image("minimal", &[]), machine)
            .args(&["alpha", "beta", "gamma"])
            .run()
            .expect_code(0)
            .expect_exact(&["Hello from Stardust!", "argument 1: alpha", "argument 2: beta", "argument 3: gamma"]);
    }
}

#[test]
fn arguments_with_spaces_quotes_backslashes_and_utf8_arrive_exactly() {
    let arguments =
        ["alpha", "beta gamma", "", "say \"hi\"", "back\\slash", "ünï cödé ✓", "--", "tab\there", "'single'"];
    let mut expected = vec!["Hello from Stardust!".to_string()];
    expected
        .extend(arguments.iter().enumerate().map(|(index, argument)| format!("argument {}: {argument}", index + 1)));
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    Boot::new(image("minimal", &[]), "microvm").args(&arguments).run().expect_code(0).expect_exact(&expected);
}

#[test]
fn hello_runs_in_two_mebibytes() {
    for machine in MACHINES {
        Boot::new(image("minimal", &[]), machine)
            .memory("2M")
            .run()
            .expect_code(0)
            .expect_lines(&["Hello from Stardust!"]);
    }
}

#[test]
fn unknown_and_bad_kernel_options_warn_and_boot_goes_on() {
    Boot::new(image("minimal", &[]), "microvm")
        .kernel_option("stardust.frobnicate=1")
        .kernel_option("stardust.log=loud")
        .args(&["x"])
        .run()
        .expect_code(0)
        .expect_lines(&[
            "[warn] unknown kernel option `stardust.frobnicate=1`; ignored",
            "[warn] kernel option `stardust.log=loud` has a bad value; ignored",
            "Hello from Stardust!",
            "argument 1: x",
        ]);
}

#[test]
fn log_level_off_silences_warnings() {
    Boot::new(image("minimal", &[]), "microvm")
        .kernel_option("stardust.log=off")
        .kernel_option("stardust.frobnicate")
        .run()
        .expect_code(0)
        .expect_exact(&["Hello from Stardust!"]);
}

#[test]
fn boottime_reports_entry_to_main() {
    for machine in MACHINES {
        Boot::new(image("minimal", &[]), machine)
            .kernel_option("stardust.boottime")
            .run()
            .expect_code(0)
            .expect_lines(&["stardust: entry-to-main ", "Hello from Stardust!"]);
    }
}

fn faults(machine: &str, arguments: &[&str]) -> stardust_boot_tests::Outcome {
    Boot::new(image("minimal", &["app-faults"]), machine).args(arguments).run()
}

#[test]
fn exit_codes_leave_the_vm() {
    for machine in MACHINES {
        faults(machine, &["exit", "42"]).expect_code(42).expect_lines(&["faults: exit"]);
    }
    faults("microvm", &["return", "7"]).expect_code(7);
    faults("microvm", &["exit", "0"]).expect_code(0);
    faults("microvm", &["exit", "126"]).expect_code(126);
    faults("microvm", &["error"]).expect_code(1).expect_lines(&["faults: error", "Error: \"deliberate error\""]);
    faults("microvm", &[]).expect_code(2).expect_lines(&["usage: faults MODE"]);
}

#[test]
fn a_panic_prints_message_and_location_and_exits_101() {
    for machine in MACHINES {
        faults(machine, &["panic"]).expect_code(101).expect_lines(&[
            "faults: panic",
            "stardust: panicked at apps/faults/src/lib.rs:",
            "deliberate panic from the faults app",
        ]);
    }
}

#[test]
fn a_null_dereference_is_a_reported_page_fault() {
    for machine in MACHINES {
        faults(machine, &["null"]).expect_code(102).expect_lines(&[
            "faults: null",
            "stardust: CPU exception 14 page fault (#PF): RIP 0x",
            "stardust: faulting address 0x0: null pointer dereference",
        ]);
    }
}

#[test]
fn writing_to_code_faults() {
    faults("microvm", &["write-code"])
        .expect_code(102)
        .expect_lines(&[
            "faults: write-code",
            "stardust: CPU exception 14 page fault (#PF)",
            "write to a read-only page (code or constant data)",
        ])
        .expect_no_line("the kernel did not catch it");
}

#[test]
fn executing_the_stack_faults() {
    faults("microvm", &["exec-stack"])
        .expect_code(102)
        .expect_lines(&[
            "faults: exec-stack",
            "stardust: CPU exception 14 page fault (#PF)",
            "instruction fetch from a no-execute page",
        ])
        .expect_no_line("the kernel did not catch it");
}

#[test]
fn an_invalid_opcode_is_reported() {
    faults("microvm", &["invalid-opcode"])
        .expect_code(102)
        .expect_lines(&["faults: invalid-opcode", "stardust: CPU exception 6 invalid opcode (#UD): RIP 0x"]);
}

#[test]
fn a_stack_overflow_hits_the_guard_page() {
    for machine in MACHINES {
        faults(machine, &["overflow"])
            .expect_code(104)
            .expect_lines(&["faults: overflow", "stardust: stack overflow: the boot stack ran into its guard page"]);
    }
}

#[test]
fn the_clock_is_calibrated() {
    // A lower bound only: a slow or busy host makes the wall time longer, never shorter, so this
    // cannot fail by noise, while a TSC frequency measured 10% too low makes the app finish
    // early. The image is built before the timer starts.
    let clock = image("minimal", &["app-clock"]);
    for machine in MACHINES {
        let boot = Boot::new(clock.clone(), machine).args(&["1000"]);
        let started = std::time::Instant::now();
        let outcome = boot.run();
        let wall = started.elapsed();
        outcome
            .expect_code(0)
            .expect_lines(&["clock: wall ", "clock: waiting 1000 ms", "clock: waited ", "clock: wall "])
            .expect_no_line("cannot measure the TSC frequency");
        assert!(wall >= std::time::Duration::from_millis(1000), "the VM measured 1000 ms in {wall:?} of host time");
    }
}

#[test]
fn exit_codes_above_126_become_126_with_a_message() {
    faults("microvm", &["exit", "200"])
        .expect_code(126)
        .expect_lines(&["faults: exit", "stardust: exit code out of range 0..=126, using 126"]);
}

#[test]
fn a_monitor_without_the_debug_exit_device_gets_the_code_on_the_console() {
    // As on Firecracker or cloud-hypervisor: no isa-debug-exit. The kernel prints the code last,
    // then powers off through ACPI (q35: PM1a control; microvm: hardware-reduced sleep control)
    // or resets through the i8042, either of which ends QEMU under -no-reboot.
    let image = image("minimal", &["app-faults"]);
    for machine in MACHINES {
        let output = std::process::Command::new("timeout")
            .args(["--foreground", "120", "qemu-system-x86_64", "-machine", machine, "-accel", "tcg", "-m", "16M"])
            .args(["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot"])
            .arg("-kernel")
            .arg(&image)
            .args(["-append", "-- exit 42"])
            .output()
            .expect("qemu starts");
        let serial = String::from_utf8_lossy(&output.stdout).replace('\r', "");
        assert_eq!(output.status.code(), Some(0), "{machine}: QEMU should stop by itself:\n{serial}");
        assert_eq!(
            serial.lines().last(),
            Some("stardust: exit code 42"),
            "{machine}: the last line must carry the code:\n{serial}"
        );
    }
}

#[test]
fn an_over_long_command_line_is_cut_with_a_warning() {
    let long = "x".repeat(3000);
    Boot::new(image("minimal", &[]), "microvm").args(&["first", &long]).run().expect_code(0).expect_lines(&[
        "[warn] the command line is longer than 2048 bytes",
        "Hello from Stardust!",
        "argument 1: first",
    ]);
}

#[test]
fn the_wall_clock_agrees_with_the_host() {
    // QEMU's RTC starts at the host's time (UTC); the VM reads it once, to the second, and runs
    // on with the TSC. Both readings must lie between the host's clock before the boot and after
    // it, give or take the RTC's one-second resolution.
    let clock = image("minimal", &["app-clock"]);
    let unix = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    for machine in MACHINES {
        let before = unix();
        let outcome = Boot::new(clock.clone(), machine).args(&["200"]).run();
        let after = unix();
        outcome.expect_code(0).expect_no_line("no real-time clock");
        let walls: Vec<u64> =
            outcome.serial.lines().filter_map(|line| line.strip_prefix("clock: wall ")?.trim().parse().ok()).collect();
        assert_eq!(walls.len(), 2, "two wall-clock lines\n{}", outcome.serial);
        for wall in walls {
            assert!(
                before.saturating_sub(1) <= wall && wall <= after + 1,
                "wall {wall} outside {before}..={after}\n{}",
                outcome.serial
            );
        }
    }
}

#[test]
fn too_little_memory_is_reported_with_exit_105_on_every_machine() {
    // 1100 KiB leaves the image (at 1 MiB) without room for its stacks and page tables; it used
    // to reset silently on q35.
    for machine in MACHINES {
        Boot::new(image("minimal", &[]), machine)
            .memory("1100K")
            .run()
            .expect_code(105)
            .expect_lines(&["stardust: cannot boot: too little memory"]);
    }
}
