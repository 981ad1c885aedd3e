//! The same images on Firecracker and cloud-hypervisor (`scripts/run --vmm`): arguments exactly
//! (Firecracker's own `pci=off` not among them), exit codes through the console's last line
//! (those monitors have no exit device), threads and every CPU. Skipped, with the reason, when a
//! monitor or a usable /dev/kvm is missing. Disks on both (the kvstore across boots, fsck-clean,
//! requests waited for by interrupt),
//! and the network on both over a tap, by interrupt (cloud-hypervisor's card has its registers
//! above 4 GiB and signals through MSI-X).

use stardust_boot_tests::disks::{blank_image, extract, fsck_clean};
use stardust_boot_tests::net::{self, Tap, Vm};
use stardust_boot_tests::{Boot, image, skip, vmm_missing};

const MONITORS: [&str; 2] = ["firecracker", "cloud-hypervisor"];

/// The monitors that can run here; each missing one is reported as a skipped test.
fn monitors(test: &str) -> Vec<&'static str> {
    MONITORS
        .into_iter()
        .filter(|vmm| match vmm_missing(vmm) {
            Some(reason) => {
                skip(&format!("{test} on {vmm}"), &reason);
                false
            }
            None => true,
        })
        .collect()
}

#[test]
fn hello_gets_exactly_its_arguments() {
    let arguments = ["alpha", "beta gamma", "", "pci=off", "say \"hi\""];
    for vmm in monitors("hello_gets_exactly_its_arguments") {
        Boot::new(image("minimal", &[]), "microvm").vmm(vmm).args(&arguments).run().expect_code(0).expect_exact(&[
            "Hello from Stardust!",
            "argument 1: alpha",
            "argument 2: beta gamma",
            "argument 3: ",
            "argument 4: pci=off",
            "argument 5: say \"hi\"",
            "stardust: exit code 0",
        ]);
    }
}

#[test]
fn cloud_hypervisor_refuses_a_command_line_it_cannot_take() {
    // It takes printable ASCII only; scripts/run says so instead of leaving its error chain.
    if let Some(reason) = vmm_missing("cloud-hypervisor") {
        return skip("cloud_hypervisor_refuses_a_command_line_it_cannot_take", &reason);
    }
    let outcome = Boot::new(image("minimal", &[]), "microvm").vmm("cloud-hypervisor").args(&["ünï"]).run();
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("cloud-hypervisor takes only printable ASCII"), "{}", outcome.stderr);
}

#[test]
fn exit_codes_come_back_through_the_console() {
    for vmm in monitors("exit_codes_come_back_through_the_console") {
        let faults = image("minimal", &["app-faults"]);
        for (arguments, code, line) in [
            (&["exit", "42"][..], 42, "faults: exit"),
            (&["panic"][..], 101, "stardust: panicked at"),
            (&["null"][..], 102, "stardust: CPU exception"),
        ] {
            Boot::new(faults.clone(), "microvm")
                .vmm(vmm)
                .args(arguments)
                .run()
                .expect_code(code)
                .expect_lines(&[line, &format!("stardust: exit code {code}")]);
        }
    }
}

#[test]
fn threads_run_on_every_cpu() {
    for vmm in monitors("threads_run_on_every_cpu") {
        Boot::new(image("threads", &[]), "microvm")
            .vmm(vmm)
            .run()
            .expect_code(0)
            .expect_lines(&["threads-demo: total 500000500000 from 4 parts"]);
        for cpus in [1u32, 2, 4] {
            let expected = format!("cpus={cpus}");
            let online = format!("threadtest: {cpus} CPUs online");
            Boot::new(image("smp", &["app-threadtest"]), "microvm")
                .vmm(vmm)
                .memory("64M")
                .cpus(cpus)
                .args(&["cpus", &expected])
                .run()
                .expect_code(0)
                .expect_lines(&[online.as_str(), "threadtest: cpus ok"]);
        }
    }
}

#[test]
fn the_wall_clock_comes_from_the_monitors_rtc_or_kvmclock() {
    // cloud-hypervisor has a CMOS RTC (status B zero, BCD, 24-hour); Firecracker has none (its
    // ports read zeros) and offers kvmclock instead, which the kernel reads.
    let unix = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    for vmm in monitors("the_wall_clock_comes_from_the_monitors_rtc_or_kvmclock") {
        let before = unix();
        let outcome = Boot::new(image("minimal", &["app-clock"]), "microvm").vmm(vmm).args(&["100"]).run();
        let after = unix();
        outcome.expect_code(0);
        outcome.expect_no_line("real-time clock");
        let wall: u64 = outcome
            .serial
            .lines()
            .find_map(|line| line.strip_prefix("clock: wall ")?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no wall-clock line\n{}", outcome.serial));
        assert!(before.saturating_sub(1) <= wall && wall <= after + 1, "wall {wall} outside {before}..={after}");
    }
}

#[test]
fn the_key_value_store_keeps_its_data_across_boots_on_both_monitors() {
    for vmm in monitors("the_key_value_store_keeps_its_data_across_boots_on_both_monitors") {
        let disk = blank_image(&format!("kv-{vmm}"), 16 * 1024, false);
        let kvstore = |arguments: &[&str]| {
            let mut boot = Boot::new(image("fs", &[]), "microvm").vmm(vmm).memory("32M").args(arguments);
            boot.disk = Some(disk.clone());
            boot.run()
        };
        kvstore(&["set", "greeting", "hello", "set", "n", "1"]).expect_code(0).expect_lines(&["ok greeting", "ok n"]);
        fsck_clean(&disk);
        assert_eq!(extract(&disk, "/kv/greeting").as_deref(), Some(&b"hello"[..]), "{vmm}: the file on the disk");
        kvstore(&["set", "n", "2", "get", "greeting", "list"]).expect_code(0).expect_lines(&[
            "ok n",
            "greeting = hello",
            "greeting = hello",
            "n = 2",
            "2 key(s)",
        ]);
        fsck_clean(&disk);
        // Firecracker's virtio-mmio disk signals through the line its command line names,
        // cloud-hypervisor's virtio-pci disk through MSI-X: the disk is waited for by interrupt
        // (not polled), and its waits are not left to time out. Under KVM both monitors may finish a
        // read before the exit that announced it returns, so a read may need no wait at all.
        let mut boot = Boot::new(image("threads", &["app-disktest", "block-virtio"]), "microvm")
            .vmm(vmm)
            .memory("32M")
            .args(&["interrupts"]);
        boot.disk = Some(disk.clone());
        let outcome = boot.run();
        outcome.expect_code(0);
        stardust_boot_tests::disks::expect_no_lost_wakeups(vmm, &outcome.serial);
    }
}

#[test]
fn httpd_serves_ping_http_and_bad_clients_over_a_tap_on_both_monitors() {
    const NAME: &str = "httpd_serves_ping_http_and_bad_clients_over_a_tap_on_both_monitors";
    let monitors = monitors(NAME);
    if monitors.is_empty() {
        return;
    }
    if !net::root_user() {
        return skip(NAME, "the tap device needs root (CI runs as root)");
    }
    let tap = Tap::create("sdvmm0", "10.0.16.1");
    for vmm in monitors {
        let mut vm = Vm::start(
            &image("net", &[]),
            &[
                "--vmm",
                vmm,
                "--net",
                "tap",
                "--tap",
                &tap.name,
                "--kernel-opt",
                "stardust.ip=10.0.16.2/24",
                "--",
                "--status",
                "/status",
                "--idle",
                "2",
            ],
            "httpd: serving http://10.0.16.2:80/",
            80,
        );
        let ping =
            std::process::Command::new("ping").args(["-c", "2", "-W", "5", "10.0.16.2"]).output().expect("ping runs");
        assert!(ping.status.success(), "{vmm} ping: {}\n{}", String::from_utf8_lossy(&ping.stdout), vm.output());
        for _ in 0..3 {
            let mut stream = net::connect_to(("10.0.16.2", 80));
            std::io::Write::write_all(&mut stream, b"GET / HTTP/1.1\r\nHost: vmm\r\nConnection: close\r\n\r\n")
                .unwrap();
            let response = net::read_response(&mut stream, false).expect("an answer over the monitor's virtio-net");
            assert_eq!((response.status, response.body), (200, net::index_page()), "{vmm}");
        }
        // The torture cases; not the 100 x 20 clients of the QEMU tests: on a host whose KVM is
        // PVM (software nested virtualisation, as the machines this suite was written on), every
        // privileged instruction of the guest traps, and a guest answers a few dozen requests
        // a second (tcpdump: 40 ms from SYN to SYN-ACK), so a hundred clients time out there.
        net::bad_clients(("10.0.16.2", 80));
        // The card's interrupt routed: Firecracker's line from its `virtio_mmio.device=` word,
        // cloud-hypervisor's MSI-X entry (its card's registers above 4 GiB, mapped). Frames come
        // by interrupt (the status page says none when the card is polled), and a request to
        // the idle VM is answered well inside the 10 s a lost wake-up would leave it waiting
        // (KVM's I/O APIC raises an edge only when the line was low: a card left
        // unacknowledged would stall it).
        let status = net::server_status(("10.0.16.2", 80), "/status");
        assert!(status.get("card interrupts").is_some_and(|&count| count > 0), "{vmm}: {status:?}\n{}", vm.output());
        for _ in 0..3 {
            std::thread::sleep(std::time::Duration::from_millis(400));
            let asked = std::time::Instant::now();
            let status = net::server_status(("10.0.16.2", 80), "/status");
            let waited = asked.elapsed();
            assert!(
                waited < std::time::Duration::from_secs(5),
                "{vmm}: waited {waited:?} ({status:?}): no interrupt woke the net thread"
            );
        }
        vm.stop();
    }
}
