//! `scripts/package --oci`: the OCI image layout it writes, read by Debian's skopeo and umoci as
//! a registry or container engine would, and the kernel inside booted the way urunc starts a
//! unikernel (its QEMU command line, the `pc` machine, the command line from /urunc.json, its
//! default network flags; Firecracker from a config file). Skipped, with the reason, where
//! skopeo, umoci or a monitor is missing.

use serde_json::Value;
use stardust_boot_tests::net::{self, Vm};
use stardust_boot_tests::{BOOT_TIMEOUT_SECONDS, Outcome, debug_exit_code, image, root, skip, vmm_missing};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BINARY: &str = "/unikernel/stardust.elf";

fn package(arguments: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(root().join("scripts/package")).args(arguments).output().expect("scripts/package starts");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Packages `arguments` into a fresh layout `name`; its folder and the manifest's digest.
fn packaged(name: &str, arguments: &[&str]) -> (PathBuf, String) {
    let folder = scratch(name);
    let mut all = vec!["--oci", folder.to_str().expect("UTF-8 path")];
    all.extend_from_slice(arguments);
    let (code, stdout, stderr) = package(&all);
    assert_eq!(code, Some(0), "scripts/package {all:?} failed:\n{stdout}{stderr}");
    let digest = stdout.split_whitespace().nth(1).unwrap_or_else(|| panic!("no digest printed: {stdout}"));
    assert!(digest.starts_with("sha256:"), "{stdout}");
    (folder, digest.to_string())
}

/// An empty folder under target/ for this test.
fn scratch(name: &str) -> PathBuf {
    let folder = root().join("target").join("package-tests").join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(folder.parent().expect("has a parent")).expect("target/package-tests");
    folder
}

/// Why the OCI tools cannot run here, if they cannot.
fn tools_missing() -> Option<String> {
    ["skopeo", "umoci"].into_iter().find_map(|tool| match Command::new(tool).arg("--version").output() {
        Ok(output) if output.status.success() => None,
        _ => Some(format!("{tool} is missing (Debian package {tool})")),
    })
}

/// Runs `program arguments`, which must succeed; its standard output.
fn checked(program: &str, arguments: &[&str]) -> String {
    let output = Command::new(program).args(arguments).output().unwrap_or_else(|error| panic!("{program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {arguments:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Unpacks `layout:tag` with umoci into a fresh bundle; the bundle's folder.
fn unpack(layout: &Path, tag: &str, name: &str) -> PathBuf {
    let bundle = scratch(name);
    let reference = format!("{}:{tag}", layout.display());
    checked("umoci", &["unpack", "--rootless", "--image", &reference, bundle.to_str().expect("UTF-8 path")]);
    bundle
}

/// What urunc reads from the unpacked image's /urunc.json: every value base64-decoded.
fn urunc_json(bundle: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(bundle.join("rootfs/urunc.json")).expect("/urunc.json in the image");
    let object: BTreeMap<String, String> = serde_json::from_str(&text).expect("urunc.json is an object of strings");
    object
        .into_iter()
        .map(|(key, value)| {
            let decoded = Command::new("sh")
                .args(["-c", "printf %s \"$1\" | base64 -d", "decode", &value])
                .output()
                .expect("base64 runs");
            assert!(decoded.status.success(), "{key}: {value:?} is not base64");
            (key, String::from_utf8(decoded.stdout).expect("UTF-8 value"))
        })
        .collect()
}

fn expected_keys(hypervisor: &str, cmdline: &str) -> BTreeMap<String, String> {
    [
        ("unikernelType", "stardust"),
        ("hypervisor", hypervisor),
        ("binary", BINARY),
        ("cmdline", cmdline),
        ("unikernelVersion", env!("CARGO_PKG_VERSION")),
        ("useDMBlock", "false"),
    ]
    .into_iter()
    .map(|(key, value)| (format!("com.urunc.unikernel.{key}"), value.to_string()))
    .collect()
}

/// The guest command line urunc's QEMU runs the kernel with (v0.5.0's `Qemu.Execve`) for a
/// `stardust` unikernel type as the README proposes: `-m 256M -L /usr/share/qemu -cpu host
/// -enable-kvm -nographic -vga none` on QEMU's default (`pc`) machine, then `-kernel`, the
/// network, the type's own flags and `-append`. TCG stands in for KVM here.
fn urunc_qemu(kernel: &Path, network: &[&str], cmdline: &str) -> Command {
    let mut command = Command::new("timeout");
    command
        .args([&BOOT_TIMEOUT_SECONDS.to_string(), "qemu-system-x86_64", "-m", "256M", "-L", "/usr/share/qemu"])
        .args(["-nographic", "-vga", "none", "-kernel"])
        .arg(kernel)
        .args(network)
        .args(["-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-append", cmdline]);
    command
}

#[test]
fn help_and_bad_command_lines() {
    let (code, stdout, _) = package(&["--help"]);
    assert_eq!(code, Some(0));
    for text in ["--oci", "--tag", "--hypervisor", "--image", "com.urunc.unikernel.cmdline", "Exit status"] {
        assert!(stdout.contains(text), "--help does not mention {text}:\n{stdout}");
    }
    let minimal = image("minimal", &[]);
    let minimal = minimal.to_str().expect("UTF-8 path");
    let cases: [(&[&str], &str); 7] = [
        (&["minimal"], "--oci DIR is needed"),
        (&["--oci", "x", "minimal", "--hypervisor", "xen"], "--hypervisor must be qemu or firecracker"),
        (&["--oci", "x", "minimal", "--tag", "-v1"], "--tag takes letters"),
        (&["--oci", "x", "--image", minimal, "--elf", "prog"], "build options (--elf) need a PROFILE"),
        (&["--oci", "x", "--image", "/nonexistent/image.elf"], "no image file"),
        (&["--oci", "x", "minimal", "--frobnicate"], "unknown option '--frobnicate'"),
        (&["--oci", "x", "nosuch"], "no profile 'nosuch'"),
    ];
    for (arguments, message) in cases {
        let (code, _, stderr) = package(arguments);
        assert_eq!(code, Some(2), "{arguments:?}: {stderr}");
        assert!(stderr.contains(message), "{arguments:?}: expected {message:?} in {stderr}");
    }
    assert!(!root().join("x").exists(), "a refused command line wrote its layout");
}

#[test]
fn a_folder_that_is_not_a_layout_is_refused_and_kept() {
    let folder = scratch("not-a-layout");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("notes.txt"), "mine").expect("a file");
    let image = image("minimal", &[]);
    let (code, _, stderr) =
        package(&["--oci", folder.to_str().expect("UTF-8"), "--image", image.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("is neither empty nor an OCI image layout"), "{stderr}");
    let left: Vec<_> =
        std::fs::read_dir(&folder).expect("still there").map(|entry| entry.expect("entry").file_name()).collect();
    assert_eq!(left, ["notes.txt"], "the folder was changed");
    assert_eq!(std::fs::read_to_string(folder.join("notes.txt")).expect("kept"), "mine");
}

#[test]
fn skopeo_and_umoci_read_what_urunc_needs_and_the_same_image_gives_the_same_digest() {
    if let Some(reason) = tools_missing() {
        return skip("skopeo_and_umoci_read_what_urunc_needs_and_the_same_image_gives_the_same_digest", &reason);
    }
    let kernel = image("minimal", &[]);
    let kernel_text = kernel.to_str().expect("UTF-8 path");
    let arguments =
        ["--image", kernel_text, "--log", "warn", "--env", "GREETING=hi there", "--", "alpha", "beta gamma"];
    let cmdline = "stardust.log=warn stardust.env=\"GREETING=hi there\" -- alpha \"beta gamma\"";
    let (layout, digest) = packaged("reproducible-a", &arguments);
    let (_, again) = packaged("reproducible-b", &arguments);
    assert_eq!(digest, again, "the same inputs gave two digests");

    // What a registry and a container engine see.
    let reference = format!("oci:{}:latest", layout.display());
    let inspected: Value = serde_json::from_str(&checked("skopeo", &["inspect", &reference])).expect("JSON");
    assert_eq!(inspected["Digest"], digest.as_str());
    assert_eq!(inspected["Architecture"], "amd64");
    assert_eq!(inspected["Os"], "linux");
    let labels: BTreeMap<String, String> = serde_json::from_value(inspected["Labels"].clone()).expect("labels");
    assert_eq!(labels, expected_keys("qemu", cmdline));
    let manifest: Value = serde_json::from_str(&checked("skopeo", &["inspect", "--raw", &reference])).expect("JSON");
    let annotations: BTreeMap<String, String> =
        serde_json::from_value(manifest["annotations"].clone()).expect("annotations");
    assert_eq!(annotations, labels, "the manifest's annotations differ from the labels");
    // skopeo copy checks every blob against its digest.
    let copy = scratch("copied");
    checked("skopeo", &["copy", "--quiet", &reference, &format!("oci:{}:copied", copy.display())]);

    let bundle = unpack(&layout, "latest", "bundle-minimal");
    assert_eq!(
        std::fs::read(bundle.join("rootfs").join(&BINARY[1..])).expect("the kernel in the image"),
        std::fs::read(&kernel).expect("the kernel"),
        "the kernel in the image differs from the one packaged"
    );
    assert_eq!(urunc_json(&bundle), expected_keys("qemu", cmdline));
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("config.json")).expect("config.json")).expect("JSON");
    assert_eq!(spec["process"]["args"], serde_json::json!([BINARY, "alpha", "beta gamma"]));

    // A second tag joins the layout; packaging under a tag again replaces that tag's image.
    packaged_into(&layout, &["--tag", "fc", "--hypervisor", "firecracker", "--image", kernel_text]);
    packaged_into(&layout, &["--image", kernel_text, "--", "other"]);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(layout.join("index.json")).expect("index.json")).expect("JSON");
    let mut tags: Vec<&str> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|entry| entry["annotations"]["org.opencontainers.image.ref.name"].as_str().expect("a tag"))
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["fc", "latest"]);
    let fc: Value =
        serde_json::from_str(&checked("skopeo", &["inspect", &format!("oci:{}:fc", layout.display())])).expect("JSON");
    assert_eq!(fc["Labels"]["com.urunc.unikernel.hypervisor"], "firecracker");
    assert_eq!(fc["Labels"]["com.urunc.unikernel.cmdline"], "");
    let latest: Value = serde_json::from_str(&checked("skopeo", &["inspect", &reference])).expect("JSON");
    assert_eq!(latest["Labels"]["com.urunc.unikernel.cmdline"], " -- other");
}

fn packaged_into(layout: &Path, arguments: &[&str]) {
    let mut all = vec!["--oci", layout.to_str().expect("UTF-8 path")];
    all.extend_from_slice(arguments);
    let (code, stdout, stderr) = package(&all);
    assert_eq!(code, Some(0), "scripts/package {all:?} failed:\n{stdout}{stderr}");
}

#[test]
fn the_kernel_in_the_image_boots_as_urunc_starts_it() {
    if let Some(reason) = tools_missing() {
        return skip("the_kernel_in_the_image_boots_as_urunc_starts_it", &reason);
    }
    let faults = image("minimal", &["app-faults"]);
    for (hypervisor, tag) in [("qemu", "q"), ("firecracker", "f")] {
        let (layout, _) = packaged(
            &format!("boots-{tag}"),
            &["--image", faults.to_str().expect("UTF-8"), "--hypervisor", hypervisor, "--", "exit", "42"],
        );
        let bundle = unpack(&layout, "latest", &format!("bundle-boots-{tag}"));
        let keys = urunc_json(&bundle);
        let kernel = bundle.join("rootfs").join(&keys["com.urunc.unikernel.binary"][1..]);
        let cmdline = &keys["com.urunc.unikernel.cmdline"];
        assert_eq!(keys["com.urunc.unikernel.hypervisor"], hypervisor);
        let outcome = if hypervisor == "qemu" {
            let output = urunc_qemu(&kernel, &["-nic", "none"], cmdline).output().expect("QEMU starts");
            let description = format!("{} as urunc starts it on QEMU", kernel.display());
            Outcome::of(description, &output, debug_exit_code(output.status))
        } else {
            if let Some(reason) = vmm_missing("firecracker") {
                skip("the_kernel_in_the_image_boots_as_urunc_starts_it on firecracker", &reason);
                continue;
            }
            // As urunc: a config file with the kernel and boot_args, one vCPU, 256 MiB.
            let output = Command::new(root().join("scripts/lib/other-vmm"))
                .arg("firecracker")
                .arg(&kernel)
                .args(["256M", "1", &BOOT_TIMEOUT_SECONDS.to_string(), "none", "-", "-", cmdline])
                .output()
                .expect("scripts/lib/other-vmm starts");
            Outcome::of(format!("{} on Firecracker", kernel.display()), &output, output.status.code())
        };
        // QEMU carries the code out through isa-debug-exit, Firecracker in the last console line.
        outcome.expect_lines(&["faults: exit"]).expect_code(42);
    }
}

#[test]
fn the_net_image_serves_with_the_network_urunc_gives_it() {
    if let Some(reason) = tools_missing() {
        return skip("the_net_image_serves_with_the_network_urunc_gives_it", &reason);
    }
    let (layout, _) = packaged("net", &["--image", image("net", &[]).to_str().expect("UTF-8")]);
    let bundle = unpack(&layout, "latest", "bundle-net");
    let keys = urunc_json(&bundle);
    let kernel = bundle.join("rootfs").join(&keys["com.urunc.unikernel.binary"][1..]);
    // urunc hands the container's address to the guest on its command line (no DHCP): a
    // stardust type puts it before the image's command line. Its default QEMU network is the
    // legacy `-net nic,model=virtio` (virtio-net-pci on the pc machine); QEMU's user network
    // stands in for its tap device.
    let port = net::free_port();
    let cmdline = format!("stardust.ip=10.0.2.15/24 stardust.gw=10.0.2.2 {}", keys["com.urunc.unikernel.cmdline"]);
    let user = format!("user,hostfwd=tcp:127.0.0.1:{port}-:80");
    let vm =
        Vm::spawn(urunc_qemu(&kernel, &["-net", "nic,model=virtio", "-net", &user], &cmdline), "httpd: serving", port);
    let response = net::get(port, "/");
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body, net::index_page());
    let (_, output) = vm.stop();
    assert!(output.contains("httpd: serving http://10.0.2.15:80/"), "{output}");
}
