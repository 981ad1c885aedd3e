//! Disk images for the storage tests: made with dosfstools, checked with fsck.fat, read with
//! mtools.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a host tool; panics with its error output if it fails.
pub fn run(command: &mut Command) {
    let output = command.output().expect("the tool starts");
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// A scratch directory under target/, fresh for each name.
pub fn scratch(name: &str) -> PathBuf {
    let path = crate::root().join("target/test-disks").join(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
}

/// A fresh FAT image made by mkfs.fat (FAT32 if asked, else what mkfs.fat picks).
pub fn blank_image(name: &str, kibibytes: u32, fat32: bool) -> PathBuf {
    let disk = scratch(name).join("disk.img");
    let mut mkfs = Command::new("mkfs.fat");
    if fat32 {
        mkfs.args(["-F", "32"]);
    }
    run(mkfs.arg("-C").arg(&disk).arg(kibibytes.to_string()));
    disk
}

/// fsck.fat -n finds nothing to fix.
pub fn fsck_clean(disk: &Path) {
    let output = Command::new("fsck.fat").arg("-n").arg(disk).output().expect("fsck.fat starts");
    assert!(
        output.status.success(),
        "fsck.fat -n {}:\n{}{}",
        disk.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A file's bytes as mtype reads them from the image, or None if it is not there.
pub fn extract(disk: &Path, path: &str) -> Option<Vec<u8>> {
    let output = Command::new("mtype").arg("-i").arg(disk).arg(format!("::{path}")).output().ok()?;
    output.status.success().then_some(output.stdout)
}

/// Boots `image` on microvm with `disk`, waits for a serial line containing `line`, then kills
/// QEMU at once (no clean shutdown); panics if the line never comes.
pub fn kill_after_line(image: &Path, disk: &Path, append: &str, line: &str) {
    use std::io::{BufRead, BufReader};
    let mut qemu = Command::new("qemu-system-x86_64")
        .args(["-machine", "microvm", "-accel", "tcg", "-m", "64M", "-nodefaults", "-no-user-config"])
        .args(["-display", "none", "-serial", "stdio", "-no-reboot"])
        .arg("-drive")
        .arg(format!("file={},format=raw,if=none,id=disk0", disk.display()))
        .args(["-device", "virtio-blk-device,drive=disk0", "-kernel"])
        .arg(image)
        .args(["-append", append])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("qemu starts");
    let stdout = qemu.stdout.take().expect("piped");
    let mut seen = String::new();
    let found = BufReader::new(stdout).lines().map_while(Result::ok).any(|text| {
        seen.push_str(&text);
        seen.push('\n');
        text.contains(line)
    });
    qemu.kill().expect("the VM can be killed");
    let _ = qemu.wait();
    assert!(found, "the VM never printed {line:?}:\n{seen}");
}

/// disktest's `interrupts` counts: (waits the disk's interrupt ended, waits that timed out).
pub fn interrupt_waits(what: &str, serial: &str) -> (u64, u64) {
    let count = |prefix: &str| -> u64 {
        serial
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| panic!("{what}: no line {prefix:?} in:\n{serial}"))
    };
    (count("disktest: 256 reads; waits woken by the disk's interrupt "), count("disktest: waits that timed out "))
}

/// Checks that disktest's `interrupts` waits were not left to time out: at most one in ten (and
/// one, for a run with few waits). A lost wake-up times out nearly every wait; a busy host may
/// stall a few past the kernel's 20 ms.
pub fn expect_no_lost_wakeups(what: &str, serial: &str) {
    let (woken, timed_out) = interrupt_waits(what, serial);
    assert!(timed_out <= 1.max((woken + timed_out) / 10), "{what}: {woken} waits woken, {timed_out} timed out");
}

/// Checks disktest's `interrupts` counts: waits ended by the disk's interrupt, and no lost
/// wake-ups ([`expect_no_lost_wakeups`]). QEMU's I/O APIC takes every raise of a virtio line as
/// an edge, so a driver that forgot to acknowledge its line would pass here, unlike on a real
/// level line.
pub fn expect_woken_by_interrupts(what: &str, serial: &str) {
    let (woken, timed_out) = interrupt_waits(what, serial);
    assert!(woken > 0, "{what}: {woken} waits woken, {timed_out} timed out");
    expect_no_lost_wakeups(what, serial);
}
