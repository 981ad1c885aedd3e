//! Helpers for Stardust's boot tests: build an image once per configuration, boot it in QEMU
//! through `scripts/run`, and check the serial output line by line, in order.
//!
//! Every check that fails prints everything the VM printed.

#![forbid(unsafe_code)]

pub mod disks;
pub mod java;
pub mod net;
pub mod posix;

/// The threadtest modes it runs with no arguments, which every scheduler must pass (the app's
/// own list).
pub mod threadtest {
    include!("../../apps/threadtest/src/modes.rs");
}
pub use threadtest::COMMON as COMMON_THREAD_TESTS;

/// The line `APP: MODE ok` for each mode, as the test apps report a passed check.
pub fn ok_lines(app: &str, modes: &[&str]) -> Vec<String> {
    modes.iter().map(|mode| format!("{app}: {mode} ok")).collect()
}

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Reports that test `name` cannot run here and why, counted as skipped (see the api's
/// `record_skip`); the caller then returns.
pub use stardust_api::fakes::record_skip as skip;

/// Why monitor `vmm` (firecracker, cloud-hypervisor) cannot run here, if it cannot: looked for
/// as `scripts/run --vmm` looks (its environment variable, PATH, ../shared/monitors), and it
/// needs a usable /dev/kvm.
pub fn vmm_missing(vmm: &str) -> Option<String> {
    let variable = vmm.replace('-', "_").to_uppercase();
    let mut candidates: Vec<PathBuf> = std::env::var_os(&variable).map(PathBuf::from).into_iter().collect();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|folder| folder.join(vmm)));
    }
    candidates.push(root().join("..").join("shared").join("monitors").join(vmm));
    if !candidates.iter().any(|candidate| candidate.is_file()) {
        return Some(format!("{vmm} not found (${variable}, PATH, ../shared/monitors)"));
    }
    if std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_err() {
        return Some(format!("{vmm} needs a usable /dev/kvm"));
    }
    None
}

/// Seconds a VM may run before the test calls it hung.
pub const BOOT_TIMEOUT_SECONDS: u32 = 120;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

/// The component graph (glue/graph.toml).
pub fn graph() -> stardust_profile::Graph {
    stardust_profile::Graph::load(&root()).unwrap_or_else(|error| panic!("{error}"))
}

/// The profiles that exist (`profiles/*.toml`), sorted, read and validated.
pub fn profiles() -> Vec<(String, stardust_profile::Profile)> {
    stardust_profile::load_profiles(&root(), &graph()).unwrap_or_else(|error| panic!("{error}"))
}

/// The features that choose each implementation of `slot` other than `none`, in the graph's
/// order (`sched-fifo`, `sched-rr`, `sched-prio`).
pub fn implementations(slot: &str) -> Vec<String> {
    let graph = graph();
    let slot = graph.slot(slot).unwrap_or_else(|| panic!("glue/graph.toml has no slot `{slot}`"));
    slot.choices.iter().filter(|choice| !choice.is_none()).map(|choice| slot.feature_for(&choice.name)).collect()
}

/// Builds (once per test process) the image for `profile` with extra `features`; returns its path.
pub fn image(profile: &str, features: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let key = format!("{profile}:{}", features.join(","));
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some(path) = built.get(&key) {
        return path.clone();
    }
    let mut command = Command::new(root().join("scripts/run"));
    command.arg(profile).arg("--build-only");
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    let output = command.output().expect("scripts/run starts");
    assert!(
        output.status.success(),
        "building {key} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    built.insert(key, path.clone());
    path
}

/// How to boot.
#[derive(Debug, Clone)]
pub struct Boot<'a> {
    pub image: PathBuf,
    pub machine: &'a str,
    pub memory: &'a str,
    pub kernel_options: Vec<&'a str>,
    pub app_arguments: Option<Vec<&'a str>>,
    pub cpus: u32,
    /// A raw disk image to attach (virtio-blk).
    pub disk: Option<PathBuf>,
    /// Attach it read-only.
    pub disk_read_only: bool,
    /// Give the VM a network card on QEMU's user network (`--net user`).
    pub network: bool,
    /// The monitor (`--vmm`): qemu, firecracker or cloud-hypervisor.
    pub vmm: &'a str,
}

impl<'a> Boot<'a> {
    /// Boot `image` on `machine` with 16 MiB, no options, no arguments.
    pub fn new(image: PathBuf, machine: &'a str) -> Self {
        Boot {
            image,
            machine,
            memory: "16M",
            kernel_options: Vec::new(),
            app_arguments: None,
            cpus: 1,
            disk: None,
            disk_read_only: false,
            network: false,
            vmm: "qemu",
        }
    }

    /// Boots on another monitor (`--vmm`); `machine` is then ignored.
    pub fn vmm(mut self, vmm: &'a str) -> Self {
        self.vmm = vmm;
        self
    }

    pub fn memory(mut self, memory: &'a str) -> Self {
        self.memory = memory;
        self
    }

    /// Gives the VM `cpus` CPUs (`-smp`).
    pub fn cpus(mut self, cpus: u32) -> Self {
        self.cpus = cpus;
        self
    }

    pub fn kernel_option(mut self, option: &'a str) -> Self {
        self.kernel_options.push(option);
        self
    }

    pub fn args(mut self, arguments: &[&'a str]) -> Self {
        self.app_arguments = Some(arguments.to_vec());
        self
    }

    /// Boots through `scripts/run --image` and waits for the VM to stop.
    pub fn run(&self) -> Outcome {
        let mut command = Command::new(root().join("scripts/run"));
        command.arg("--image").arg(&self.image);
        if self.vmm == "qemu" {
            command.args(["--machine", self.machine]);
        } else {
            command.args(["--vmm", self.vmm]);
        }
        command
            .args(["--mem", self.memory, "--smp", &self.cpus.to_string()])
            .args(["--timeout", &BOOT_TIMEOUT_SECONDS.to_string()]);
        if let Some(disk) = &self.disk {
            command.arg(if self.disk_read_only { "--disk-ro" } else { "--disk" }).arg(disk);
        }
        if self.network {
            command.args(["--net", "user"]);
        }
        for option in &self.kernel_options {
            command.args(["--kernel-opt", option]);
        }
        if let Some(arguments) = &self.app_arguments {
            command.arg("--").args(arguments);
        }
        let output = command.output().expect("scripts/run starts");
        Outcome {
            description: format!(
                "{} on {} with -m {} -smp {}",
                self.image.display(),
                if self.vmm == "qemu" { self.machine } else { self.vmm },
                self.memory,
                self.cpus
            ),
            serial: String::from_utf8_lossy(&output.stdout).replace('\r', ""),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
        }
    }
}

/// Boots `image` on `machine` by running QEMU directly with `devices` (for device set-ups that
/// `scripts/run` has no option for), 16 MiB, with the usual timeout; the exit code is the app's
/// (from isa-debug-exit) or, for a status QEMU gave itself, its negative.
pub fn boot_with_devices(image: &Path, machine: &str, devices: &[&str], what: &str) -> Outcome {
    let timeout = BOOT_TIMEOUT_SECONDS.to_string();
    let output = Command::new("timeout")
        .args([&timeout, "qemu-system-x86_64", "-machine", machine, "-m", "16M", "-nodefaults", "-no-user-config"])
        .args(["-display", "none", "-serial", "stdio", "-no-reboot"])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel"])
        .arg(image)
        .args(devices)
        .output()
        .expect("QEMU starts");
    Outcome::of(format!("{} on {machine} with {what}", image.display()), &output, debug_exit_code(output.status))
}

/// The app's exit code from the status of a QEMU with isa-debug-exit, whose status is
/// (code + 1) << 1 | 1; an even status is QEMU's own, given negated.
pub fn debug_exit_code(status: std::process::ExitStatus) -> Option<i32> {
    status.code().map(|status| if status & 1 == 1 { (status >> 1) - 1 } else { -status })
}

/// What a boot produced.
#[derive(Debug)]
pub struct Outcome {
    pub description: String,
    /// Everything the VM printed on its serial console (`\r` removed).
    pub serial: String,
    /// What scripts/run and QEMU printed on standard error.
    pub stderr: String,
    /// scripts/run's exit status (the app's code).
    pub code: Option<i32>,
}

impl Outcome {
    /// What a monitor that ran `description` printed (`\r` removed), with the app's `code` as
    /// read from how it ended.
    pub fn of(description: String, output: &std::process::Output, code: Option<i32>) -> Outcome {
        Outcome {
            description,
            serial: String::from_utf8_lossy(&output.stdout).replace('\r', ""),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code,
        }
    }

    fn report(&self) -> String {
        format!(
            "{}\nexit code: {:?}\n--- serial output ---\n{}--- stderr ---\n{}---",
            self.description, self.code, self.serial, self.stderr
        )
    }

    /// Asserts the exit code.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "wrong exit code\n{}", self.report());
        self
    }

    /// Asserts that lines containing each of `expected` appear in this order (other lines may
    /// come between them).
    pub fn expect_lines<S: AsRef<str> + std::fmt::Debug>(&self, expected: &[S]) -> &Self {
        let mut lines = self.serial.lines();
        for wanted in expected {
            if !lines.by_ref().any(|line| line.contains(wanted.as_ref())) {
                panic!(
                    "expected a line containing {wanted:?} (after the previous ones), in order {expected:?}\n{}",
                    self.report()
                );
            }
        }
        self
    }

    /// Asserts that no line contains `text`.
    pub fn expect_no_line(&self, text: &str) -> &Self {
        assert!(!self.serial.contains(text), "unexpected {text:?}\n{}", self.report());
        self
    }

    /// Asserts the serial output is exactly `expected` lines.
    pub fn expect_exact(&self, expected: &[&str]) -> &Self {
        let lines: Vec<&str> = self.serial.lines().collect();
        assert_eq!(lines, expected, "serial output differs\n{}", self.report());
        self
    }
}
