//! Network boot tests: the `net` profile's httpd and udpecho in QEMU, reached from the host
//! through QEMU's user networking (slirp, `--forward`) and through a tap device in a network
//! namespace (ping, a static address).

use stardust_boot_tests::net::{
    self, Namespace, Tap, Vm, connect, connect_to, exchange, get, index_page, read_response,
};
use stardust_boot_tests::{Boot, image, skip};
use std::io::{Read, Write};

fn httpd(machine: &str, memory: &str, extra: &[&str]) -> Vm {
    let port = net::free_port();
    let forward = format!("{port}:80");
    let mut args = vec!["--machine", machine, "--mem", memory, "--net", "user", "--forward", &forward];
    args.extend_from_slice(extra);
    Vm::start(&image("net", &[]), &args, "httpd: serving", port)
}

/// Asserts the answer to `GET /` is the embedded page.
fn assert_page(response: &net::Response) {
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-length"), Some("612"));
    assert_eq!(response.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(response.body, index_page());
}

#[test]
fn get_head_keep_alive_pipelining_and_errors_on_microvm() {
    let mut vm = httpd("microvm", "16M", &[]);
    let port = vm.port;
    assert!(vm.output().contains("httpd: serving http://10.0.2.15:80/"), "DHCP gave slirp's address");

    assert_page(&get(port, "/"));
    assert_page(&get(port, "/index.html"));
    let missing = get(port, "/missing");
    assert_eq!((missing.status, missing.body.as_slice()), (404, &b"404 Not Found\n"[..]));

    // HEAD: the same head as GET, no body.
    let head = exchange(port, b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n", true).expect("an answer to HEAD");
    assert_eq!((head.status, head.header("content-length")), (200, Some("612")));

    // Keep-alive: three requests on one connection, then HTTP/1.0 closes it.
    let mut stream = connect(port);
    for path in ["/", "/nothing", "/index.html"] {
        stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes()).unwrap();
        let response = read_response(&mut stream, false).expect("an answer on the kept connection");
        assert_eq!(response.header("connection"), Some("keep-alive"));
        assert_eq!(response.status, if path == "/nothing" { 404 } else { 200 });
    }
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_page(&read_response(&mut stream, false).expect("the HTTP/1.0 answer"));
    assert_eq!(stream.read(&mut [0u8; 16]).unwrap(), 0, "HTTP/1.0 without keep-alive is closed after");

    // Two requests in one segment.
    let mut stream = connect(port);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\nHEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_page(&read_response(&mut stream, false).expect("the first pipelined answer"));
    assert_eq!(read_response(&mut stream, true).expect("the second pipelined answer").status, 404);

    // The parser's refusals, each answered and closed.
    for (request, status) in [
        (&b"POST / HTTP/1.1\r\nHost: t\r\n\r\n"[..], 405),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        (b"GET /../etc HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 413),
        (b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n", 400),
    ] {
        let mut stream = connect(port);
        stream.write_all(request).unwrap();
        let response = read_response(&mut stream, false).expect("an answer to a bad request");
        assert_eq!(response.status, status, "for {:?}", String::from_utf8_lossy(request));
        assert_eq!(response.header("connection"), Some("close"));
        assert_eq!(stream.read(&mut [0u8; 16]).unwrap_or(0), 0, "closed after the error");
    }

    // curl, as a user would.
    let curl = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "30", "-o", "-", "-w", "%{http_code}"])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .expect("curl runs (apt-get install curl)");
    let mut expected = index_page();
    expected.extend_from_slice(b"200");
    assert_eq!(curl.stdout, expected, "curl: {}", String::from_utf8_lossy(&curl.stderr));
    assert!(vm.running(), "httpd still serves:\n{}", vm.output());
}

#[test]
fn a_hundred_clients_twenty_requests_each_in_4_mib() {
    if !net::root_user() {
        return skip("a_hundred_clients_twenty_requests_each_in_4_mib", "the tap device needs root (CI runs as root)");
    }
    // Over a tap device: QEMU's forwarded port accepts with a backlog of 1, and a burst of 100
    // connects then waits on the host, not on the VM.
    let tap = Tap::create("sdload0", "10.0.9.1");
    let mut vm = Vm::start(
        &image("net", &[]),
        &[
            "--machine",
            "microvm",
            "--mem",
            "4M",
            "--net",
            "tap",
            "--tap",
            &tap.name,
            "--kernel-opt",
            "stardust.ip=10.0.9.2/24",
        ],
        "httpd: serving http://10.0.9.2:80/",
        80,
    );
    let failed = net::hundred_clients_twenty_requests("10.0.9.2", 80, &index_page());
    assert_eq!(failed, 0, "{failed} clients did not get 20 correct responses; the VM printed:\n{}", vm.output());
    let (_, output) = vm.stop();
    assert!(!output.contains("out of memory"), "{output}");
}

#[test]
fn bad_clients_are_answered_or_closed_and_the_server_keeps_serving() {
    let vm = httpd("microvm", "16M", &["--", "--idle", "2"]);
    let port = vm.port;

    net::bad_clients(("127.0.0.1", port));

    // The server still serves.
    assert_page(&get(port, "/"));
}

#[test]
fn q35_serves_over_virtio_net_pci_with_a_static_address() {
    let mut vm =
        httpd("q35", "16M", &["--kernel-opt", "stardust.ip=10.0.2.15/24", "--kernel-opt", "stardust.gw=10.0.2.2"]);
    assert!(vm.output().contains("httpd: serving http://10.0.2.15:80/"), "{}", vm.output());
    assert_page(&get(vm.port, "/"));
}

#[test]
fn the_card_interrupts_the_idle_net_thread_on_both_machines_and_is_polled_when_asked() {
    // microvm's virtio-mmio card, its line routed through the I/O APIC, and q35's virtio-pci
    // card, through MSI-X: a request to an idle VM (the net thread parked for longer than its
    // active window) arrives by interrupt.
    for machine in ["microvm", "q35"] {
        let vm = httpd(machine, "16M", &["--", "--status", "/status"]);
        let address = ("127.0.0.1", vm.port);
        let before = net::server_status(address, "/status").get("card interrupts").copied();
        let Some(before) = before else {
            panic!("the card is polled on {machine}: {:?}", net::server_status(address, "/status"))
        };
        std::thread::sleep(std::time::Duration::from_millis(400));
        let asked = std::time::Instant::now();
        assert_page(&get(vm.port, "/"));
        // Not a speed check: a lost wake-up would leave the request to the net thread's longest
        // park (10 s), a working one answers in milliseconds; 5 s tells the two apart on any host.
        let waited = asked.elapsed();
        assert!(
            waited < std::time::Duration::from_secs(5),
            "{machine}: the request waited {waited:?}: no interrupt woke the net thread"
        );
        let after = net::server_status(address, "/status")["card interrupts"];
        assert!(after > before, "{machine}: no interrupt for a request to an idle VM: {before} then {after}");
    }
    // Asked to poll (here on q35, whose card has MSI-X on but its entry never routed), it
    // polls and serves.
    let vm = httpd("q35", "16M", &["--kernel-opt", "stardust.nic=poll", "--", "--status", "/status"]);
    assert_page(&get(vm.port, "/"));
    let status = net::server_status(("127.0.0.1", vm.port), "/status");
    assert!(!status.contains_key("card interrupts"), "q35 with stardust.nic=poll: {status:?}");
}

#[test]
fn udp_datagrams_are_echoed() {
    let port = net::free_port();
    let forward = format!("udp:{port}:7");
    let vm = Vm::start(
        &image("net", &["app-udpecho"]),
        &["--machine", "microvm", "--net", "user", "--forward", &forward],
        "udpecho: echoing on 10.0.2.15:7",
        port,
    );
    for size in [1usize, 100, 1400] {
        let data: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
        assert_eq!(net::udp_round_trip(("127.0.0.1", vm.port), &data), data, "{size} bytes");
    }
}

#[test]
fn ping_and_http_over_a_tap_device_with_a_static_address() {
    if !net::root_user() {
        return skip(
            "ping_and_http_over_a_tap_device_with_a_static_address",
            "network namespaces and tap devices need root (CI runs as root)",
        );
    }
    let namespace = Namespace::create();
    let wrapper = namespace.wrapper();
    let tap = namespace.tap;
    let mut vm = Vm::start_in(
        &wrapper,
        &image("net", &[]),
        &[
            "--net",
            "tap",
            "--tap",
            tap,
            "--kernel-opt",
            "stardust.ip=10.0.7.2/24",
            "--kernel-opt",
            "stardust.gw=10.0.7.1",
        ],
        "httpd: serving http://10.0.7.2:80/",
        0,
    );
    let (ok, text) = namespace.run("ping", &["-c", "3", "-W", "5", "10.0.7.2"]);
    assert!(ok && text.contains("3 received"), "ping:\n{text}\n{}", vm.output());
    let (ok, text) = namespace.run("curl", &["-sS", "--max-time", "30", "http://10.0.7.2/"]);
    assert!(ok, "curl: {text}");
    assert_eq!(text.as_bytes(), index_page());
}

#[test]
fn without_a_network_card_httpd_says_so_and_usage_errors_exit_2() {
    let image = image("net", &[]);
    Boot::new(image.clone(), "microvm")
        .run()
        .expect_lines(&["no network card", "httpd: cannot listen on port 80: no network card"])
        .expect_code(1);
    Boot::new(image.clone(), "microvm")
        .args(&["--port", "0"])
        .run()
        .expect_lines(&["--port takes a number"])
        .expect_code(2);
    Boot::new(image.clone(), "microvm").args(&["--help"]).run().expect_lines(&["usage: httpd"]).expect_code(0);
    Boot::new(image, "microvm")
        .kernel_option("stardust.ip=10.0.2.300/24")
        .run()
        .expect_lines(&["kernel option `stardust.ip=10.0.2.300/24` has a bad value"]);
}

/// Cards whose registers are above 4 GiB (as cloud-hypervisor places them) are mapped and
/// meet the NIC contract. A 2 GiB BAR (ivshmem) fills SeaBIOS's 32-bit window, so it moves every
/// 64-bit BAR, the cards' too, above 4 GiB; QEMU's `pci_update_mappings_add` trace says where.
/// QEMU is run directly: `scripts/run` has no option for extra devices.
#[test]
fn cards_with_registers_above_4_gib_are_mapped_and_meet_the_contract() {
    let image = image("net", &["app-nictest", "net-none"]);
    let devices = [
        "-object",
        "memory-backend-ram,id=big,size=2G",
        "-device",
        "ivshmem-plain,memdev=big",
        "-netdev",
        "hubport,id=port0,hubid=0",
        "-netdev",
        "hubport,id=port1,hubid=0",
        "-device",
        "virtio-net-pci,netdev=port0,mac=52:54:00:00:00:01",
        "-device",
        "virtio-net-pci,netdev=port1,mac=52:54:00:00:00:02",
        "-trace",
        "pci_update_mappings_add",
    ];
    let outcome = stardust_boot_tests::boot_with_devices(&image, "q35", &devices, "a 2 GiB ivshmem BAR and two cards");
    // Lines such as `pci_update_mappings_add virtio-net-pci 00:02.0 4,0x180000000+0x4000`: the
    // cards' BAR 4 (virtio's registers) and where it is.
    let bases: Vec<u64> = outcome
        .stderr
        .lines()
        .filter(|line| line.contains("pci_update_mappings_add virtio-net-pci"))
        .filter_map(|line| line.rsplit(' ').next()?.strip_prefix("4,0x")?.split('+').next().map(str::to_owned))
        .map(|hex| u64::from_str_radix(&hex, 16).expect("a hexadecimal address"))
        .collect();
    assert!(!bases.is_empty() && bases.iter().all(|&base| base >= 1 << 32), "BAR 4 at {bases:#x?}\n{}", outcome.stderr);
    outcome.expect_code(0).expect_lines(&[
        "nictest: 2 card(s)",
        "nictest: first card: contract ok",
        "nictest: second card: contract ok",
    ]);
}

#[test]
fn the_web_profile_serves_files_from_the_disk() {
    let site = stardust_boot_tests::disks::scratch("web-site");
    std::fs::create_dir_all(site.join("sub")).unwrap();
    std::fs::create_dir_all(site.join("empty")).unwrap();
    std::fs::write(site.join("hello.txt"), "hello from the disk\n").unwrap();
    std::fs::write(site.join("sub/index.html"), "<p>sub</p>\n").unwrap();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(site.join("big.bin"), &big).unwrap();
    let disk = site.with_extension("img");
    let status = std::process::Command::new(stardust_boot_tests::root().join("scripts/mkimage"))
        .arg(&site)
        .arg(&disk)
        .status()
        .expect("scripts/mkimage runs");
    assert!(status.success());
    let port = net::free_port();
    let forward = format!("{port}:80");
    let disk_arg = disk.to_string_lossy().into_owned();
    let vm = Vm::start(
        &image("web", &[]),
        &["--machine", "q35", "--disk", &disk_arg, "--forward", &forward],
        "httpd: serving",
        port,
    );
    let text = get(vm.port, "/hello.txt");
    assert_eq!((text.status, text.body.as_slice()), (200, &b"hello from the disk\n"[..]));
    assert_eq!(text.header("content-type"), Some("text/plain; charset=utf-8"));
    let file = get(vm.port, "/big.bin");
    assert_eq!((file.status, file.header("content-type")), (200, Some("application/octet-stream")));
    assert!(file.body == big, "big.bin came back changed ({} bytes)", file.body.len());
    let folder = get(vm.port, "/sub/");
    assert_eq!((folder.status, folder.body.as_slice()), (200, &b"<p>sub</p>\n"[..]));
    assert_eq!(get(vm.port, "/empty").status, 404, "a folder without index.html");
    assert_eq!(get(vm.port, "/missing.txt").status, 404);
    assert_page(&get(vm.port, "/"));
    let head = exchange(vm.port, b"HEAD /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", true).unwrap();
    assert_eq!(head.header("content-length"), Some("200000"));

    // Files are read by the reader threads: four downloads at once (pieces of different files
    // in flight together), one client that stops reading half-way and goes, and small answers
    // meanwhile, all intact.
    let port = vm.port;
    let mut stalled = connect(port);
    stalled.write_all(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut some = [0u8; 1000];
    stalled.read_exact(&mut some).unwrap();
    let downloads: Vec<_> = (0..4)
        .map(|_| {
            let big = big.clone();
            std::thread::spawn(move || {
                let file = get(port, "/big.bin");
                assert!(file.body == big, "a concurrent big.bin came back changed ({} bytes)", file.body.len());
            })
        })
        .collect();
    for _ in 0..5 {
        assert_eq!(get(port, "/hello.txt").body.as_slice(), &b"hello from the disk\n"[..]);
    }
    drop(stalled);
    for download in downloads {
        download.join().expect("a concurrent download");
    }
    assert_eq!(get(port, "/sub/").status, 200, "still serving after the client that went away");
}

/// A TCP echo server on the host's loopback (the VM reaches it as 10.0.2.2): each connection
/// gets back what it sends, and is closed when the client shuts its side.
fn host_echo_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buffer) {
                    if n == 0 || stream.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn the_socket_api_connects_echoes_times_out_and_reports_errors() {
    let echo = host_echo_server();
    let closed = net::free_port();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 2048];
        while let Ok((n, from)) = udp.recv_from(&mut buffer) {
            let _ = udp.send_to(&buffer[..n], from);
        }
    });
    let image = image("net", &["app-nettest"]);
    let (echo, closed, udp_port) = (echo.to_string(), closed.to_string(), udp_port.to_string());
    let mut boot = Boot::new(image, "microvm").args(&[&echo, &closed, &udp_port]);
    boot.network = true;
    boot.run()
        .expect_code(0)
        .expect_lines(&[
            "nettest: ok address-in-use",
            "nettest: ok refused",
            "nettest: ok echo",
            "nettest: ok read-timeout",
            "nettest: ok shutdown",
            "nettest: ok connect-timeout",
            "nettest: ok udp",
            "nettest: all passed",
        ])
        .expect_no_line("FAILED");
}

/// virtio-net passes the NIC contract's conformance checks (the ones the host's wire fake
/// passes), on MMIO and on PCI: two cards on one QEMU hub, each the other's peer.
#[test]
fn virtio_net_meets_the_nic_contract_on_both_transports() {
    // The net profile without its stack: its 32 KiB boot stack holds virtio-net's start-up (the
    // minimal profile's 16 KiB does not).
    let image = image("net", &["app-nictest", "net-none"]);
    for (machine, device) in [("microvm", "virtio-net-device"), ("q35", "virtio-net-pci")] {
        let first = format!("{device},netdev=port0,mac=52:54:00:00:00:01");
        let second = format!("{device},netdev=port1,mac=52:54:00:00:00:02");
        let devices = [
            "-netdev",
            "hubport,id=port0,hubid=0",
            "-netdev",
            "hubport,id=port1,hubid=0",
            "-device",
            &first,
            "-device",
            &second,
        ];
        stardust_boot_tests::boot_with_devices(&image, machine, &devices, "two virtio-net cards on one hub")
            .expect_code(0)
            .expect_lines(&[
                "nictest: 2 card(s)",
                "nictest: first card: contract ok",
                "nictest: second card: contract ok",
            ]);
    }
}

#[test]
fn a_thousand_idle_and_64_half_sent_clients_do_not_keep_a_new_one_waiting() {
    const NAME: &str = "a_thousand_idle_and_64_half_sent_clients_do_not_keep_a_new_one_waiting";
    const IDLE: usize = 1000;
    const HALF: usize = 64;
    const VM: (&str, u16) = ("10.0.10.2", 80);
    if !net::root_user() {
        return skip(NAME, "the tap device needs root (CI runs as root)");
    }
    if let Err(why) = net::raise_open_files(4096) {
        return skip(NAME, &why);
    }
    // Over a tap device: QEMU's forwarded port accepts about two connections a second once
    // its backlog (1) is full.
    let tap = Tap::create("sdidle0", "10.0.10.1");
    let mut vm = Vm::start(
        &image("net", &[]),
        &[
            "--machine",
            "microvm",
            "--mem",
            "64M",
            "--net",
            "tap",
            "--tap",
            &tap.name,
            "--kernel-opt",
            "stardust.ip=10.0.10.2/24",
            "--",
            "--idle",
            "300",
            "--status",
            "/status",
        ],
        "httpd: serving http://10.0.10.2:80/",
        80,
    );
    let status = || net::server_status(VM, "/status");
    let before = status();

    // Half a request head each (slowloris), then a thousand connections that send nothing.
    let mut half: Vec<_> = (0..HALF).map(|_| connect_to(VM)).collect();
    for stream in &mut half {
        stream.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n").unwrap();
    }
    let mut idle: Vec<_> = (0..IDLE).map(|_| connect_to(VM)).collect();
    // The server holds every one of them (and this status request's connection).
    let start = std::time::Instant::now();
    let held = loop {
        let now = status();
        if now["connections"] as usize == HALF + IDLE + 1 {
            break now;
        }
        assert!(start.elapsed().as_secs() < 60, "the server never held them all: {now:?}\n{}", vm.output());
        std::thread::sleep(std::time::Duration::from_millis(100));
    };

    // A new client gets its page while they are all held...
    let asked = std::time::Instant::now();
    let mut client = connect_to(VM);
    client.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
    assert_page(&read_response(&mut client, false).expect("the new client's page"));
    eprintln!("{NAME}: a new client's page took {:?} with {} clients held", asked.elapsed(), HALF + IDLE);
    let per_connection = (held["heap in use"] - before["heap in use"]) / (HALF + IDLE) as u64;
    eprintln!("{NAME}: {per_connection} bytes of guest heap per held connection");

    // ...and every held client was kept: each finishes (or starts) its request and is answered.
    for stream in &mut half {
        stream.write_all(b"\r\n").unwrap();
    }
    for stream in &mut idle {
        stream.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    }
    for (n, stream) in half.iter_mut().chain(idle.iter_mut()).enumerate() {
        match read_response(stream, false) {
            Some(response) => assert_page(&response),
            None => panic!("held client {n} was not answered\n{}", vm.output()),
        }
    }

    // All released: the connections and their memory go back to where they were.
    drop(half);
    drop(idle);
    let start = std::time::Instant::now();
    // While a thousand connections close, a status request has once (in one of many runs)
    // ended without an answer; a few such are tolerated and counted here, not hidden.
    let mut unanswered = 0;
    let after = loop {
        let Some(now) = net::try_server_status(VM, "/status") else {
            unanswered += 1;
            eprintln!("{NAME}: a status request during the release ended without an answer");
            assert!(unanswered <= 3, "status requests keep ending without an answer\n{}", vm.output());
            continue;
        };
        if now["connections"] == 1 && now["sockets"] <= before["sockets"] {
            break now;
        }
        assert!(start.elapsed().as_secs() < 60, "connections were not all released: {now:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let kept = after["heap in use"].saturating_sub(before["heap in use"]);
    eprintln!(
        "{NAME}: heap in use {} before, {} held, {} after",
        before["heap in use"], held["heap in use"], after["heap in use"]
    );
    assert!(kept <= 64 * 1024, "{kept} bytes of heap were not given back: before {before:?}, after {after:?}");
}

#[test]
fn a_thousand_keep_alive_clients_at_once_are_all_served_in_8_mib() {
    const NAME: &str = "a_thousand_keep_alive_clients_at_once_are_all_served_in_8_mib";
    const CLIENTS: usize = 1000;
    const THREADS: usize = 10;
    const ROUNDS: usize = 4;
    const VM: (&str, u16) = ("10.0.14.2", 80);
    if !net::root_user() {
        return skip(NAME, "the tap device needs root (CI runs as root)");
    }
    if let Err(why) = net::raise_open_files(4096) {
        return skip(NAME, &why);
    }
    let tap = Tap::create("sdkeep0", "10.0.14.1");
    let mut vm = Vm::start(
        &image("net", &[]),
        &[
            "--machine",
            "microvm",
            "--mem",
            "8M",
            "--net",
            "tap",
            "--tap",
            &tap.name,
            "--kernel-opt",
            "stardust.ip=10.0.14.2/24",
            "--",
            "--status",
            "/status",
        ],
        "httpd: serving http://10.0.14.2:80/",
        80,
    );
    // wrk -c1000's shape without its 2-second timeout (a figure for scripts/bench-http, not a
    // test): every connection open at once and kept, each sending a request per round; no
    // connection may be refused, reset, shed or left unanswered.
    let page = index_page();
    let workers: Vec<_> = (0..THREADS)
        .map(|worker| {
            let page = page.clone();
            std::thread::spawn(move || {
                let mut streams: Vec<_> = (0..CLIENTS / THREADS).map(|_| connect_to(VM)).collect();
                for stream in &streams {
                    stream.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
                }
                for round in 0..ROUNDS {
                    for stream in &mut streams {
                        stream.write_all(b"GET / HTTP/1.1\r\nHost: crowd\r\n\r\n").expect("the request is sent");
                    }
                    for (k, stream) in streams.iter_mut().enumerate() {
                        let response = read_response(stream, false)
                            .unwrap_or_else(|| panic!("worker {worker} client {k} round {round}: no response"));
                        assert_eq!((response.status, &response.body), (200, &page), "worker {worker} client {k}");
                    }
                }
                streams
            })
        })
        .collect();
    let mut held = Vec::new();
    let mut failed = 0;
    for worker in workers {
        match worker.join() {
            Ok(streams) => held.extend(streams),
            Err(_) => failed += 1,
        }
    }
    assert_eq!(failed, 0, "{failed} of {THREADS} workers saw a failure; the VM printed:\n{}", vm.output());
    let status = net::server_status(VM, "/status");
    assert!(status["connections"] > CLIENTS as u64, "every client is still held: {status:?}");
    drop(held);
    let (_, output) = vm.stop();
    assert!(!output.contains("out of memory"), "{output}");
}
