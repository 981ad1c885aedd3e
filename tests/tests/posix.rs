//! profile-posix: unmodified static Linux programs (C with Debian's musl) in ring 3, each
//! checked against the same binary run natively on the host: identical output and exit status.
//! Crashes end the VM with 128 + the signal, bad pointers are EFAULT, unknown calls ENOSYS, and
//! programs the kernel cannot run are refused at build time with the reason.

use stardust_boot_tests::disks::{blank_image, fsck_clean, scratch};
use stardust_boot_tests::posix::{Native, image, musl_missing, program, program_output, run_natively};
use stardust_boot_tests::{Boot, Outcome, root, skip};
use std::path::Path;
use std::process::Command;

/// Boots `program`'s image with `arguments` (and `options`), and checks the VM against the host.
fn same_as_host(program: &Path, arguments: &[&str], environment: &[(&str, &str)], boot: Boot<'_>) -> Outcome {
    let native = run_natively(program, arguments, environment, None);
    let outcome = boot.args(arguments).run();
    let in_vm = Native { output: program_output(&outcome.serial), status: outcome.code.unwrap_or(-1) };
    assert_eq!(
        in_vm, native,
        "the VM differs from the host\n--- serial ---\n{}--- stderr ---\n{}",
        outcome.serial, outcome.stderr
    );
    outcome
}

fn c_hello() -> std::path::PathBuf {
    program("c-hello", &["apps/c-hello/hello.c"])
}

#[test]
fn c_hello_runs_as_on_the_host() {
    if let Some(reason) = musl_missing() {
        return skip("c_hello_runs_as_on_the_host", &reason);
    }
    let hello = c_hello();
    let image = image(&hello);
    // Arguments with spaces, quotes and UTF-8; an environment; exit status = argument count.
    let arguments = ["alpha", "beta gamma", "say \"hi\"", "ünïcödé"];
    let boot = Boot::new(image.clone(), "microvm")
        .kernel_option("stardust.env=GREETING=hello")
        .kernel_option("stardust.env=\"SPACED=a b\"");
    same_as_host(&hello, &arguments, &[("GREETING", "hello"), ("SPACED", "a b")], boot).expect_code(4);
    // No arguments, no environment, on q35 with 4 CPUs.
    same_as_host(&hello, &[], &[], Boot::new(image.clone(), "q35").cpus(4)).expect_code(0);
}

#[test]
fn c_hello_runs_in_the_missions_4_mib() {
    if let Some(reason) = musl_missing() {
        return skip("c_hello_runs_in_the_missions_4_mib", &reason);
    }
    let hello = c_hello();
    same_as_host(&hello, &["small"], &[], Boot::new(image(&hello), "microvm").memory("4M")).expect_code(1);
}

#[test]
fn the_default_program_is_c_hello() {
    if let Some(reason) = musl_missing() {
        return skip("the_default_program_is_c_hello", &reason);
    }
    Boot::new(stardust_boot_tests::image("posix", &[]), "microvm").args(&["one"]).run().expect_code(1).expect_lines(&[
        "hello from C on musl",
        "argument 1: one",
        "0 environment variables",
        "write from a bad pointer: -1, Bad address",
    ]);
}

#[test]
fn crashes_end_the_vm_with_the_signal_as_a_shell_reports_it() {
    if let Some(reason) = musl_missing() {
        return skip("crashes_end_the_vm_with_the_signal_as_a_shell_reports_it", &reason);
    }
    let faults = program("faults", &["tests/programs/faults.c"]);
    let image = image(&faults);
    for (mode, status, report) in [
        ("null", 139, "killed by SIGSEGV (segmentation fault): page fault (#PF) at RIP 0x80"),
        ("nx", 139, "(instruction fetch from a no-execute page"),
        ("write-code", 139, "(write to a read-only page"),
        ("ud2", 132, "killed by SIGILL (illegal instruction): invalid opcode (#UD)"),
        ("divide", 136, "killed by SIGFPE (floating-point exception): divide error (#DE)"),
    ] {
        same_as_host(&faults, &[mode], &[], Boot::new(image.clone(), "microvm"))
            .expect_code(status)
            .expect_lines(&[report]);
    }
    same_as_host(&faults, &["null"], &[], Boot::new(image.clone(), "microvm"))
        .expect_lines(&["address 0x0 (null pointer dereference)"]);
}

#[test]
fn bad_pointers_and_unknown_calls_are_errors_not_crashes() {
    if let Some(reason) = musl_missing() {
        return skip("bad_pointers_and_unknown_calls_are_errors_not_crashes", &reason);
    }
    let faults = program("faults", &["tests/programs/faults.c"]);
    let image = image(&faults);
    same_as_host(&faults, &["kernel-pointer"], &[], Boot::new(image.clone(), "microvm"))
        .expect_code(0)
        .expect_lines(&["write(kernel address): -1 Bad address", "uname(bad pointer): -1 Bad address"]);
    same_as_host(&faults, &["unknown-syscall"], &[], Boot::new(image.clone(), "microvm")).expect_code(0).expect_lines(
        &["system call 1000, which Stardust does not know: ENOSYS", "system call 1000: -1 Function not implemented"],
    );
    // Exit statuses above 126 come back whole (QEMU's exit device carries 0..=126).
    for status in ["0", "126", "127", "200", "255"] {
        same_as_host(&faults, &["exit", status], &[], Boot::new(image.clone(), "microvm"));
    }
}

#[test]
fn files_behave_as_on_the_host_on_the_ram_root_and_on_fat() {
    if let Some(reason) = musl_missing() {
        return skip("files_behave_as_on_the_host_on_the_ram_root_and_on_fat", &reason);
    }
    same_files_as_host("files", "tests/programs/files.c");
}

#[test]
fn open_files_can_be_shared_renamed_and_unlinked_as_on_the_host() {
    if let Some(reason) = musl_missing() {
        return skip("open_files_can_be_shared_renamed_and_unlinked_as_on_the_host", &reason);
    }
    same_files_as_host("open-files", "tests/programs/open-files.c");
}

/// Runs the C program `name` on a scratch directory natively, then in the VM on the RAM root,
/// on FAT16 (microvm) and on FAT32 (q35): the same output and status, and the disks fsck-clean.
fn same_files_as_host(name: &str, source: &str) {
    let files = program(name, &[source]);
    let image = image(&files);
    let host_directory = scratch(&format!("posix-{name}-host"));
    let native = run_natively(&files, &[host_directory.to_str().unwrap()], &[], None);
    assert_eq!(native.status, 0, "natively:\n{}", native.output);
    for (machine, directory, disk) in [
        ("microvm", "/", None),
        ("microvm", "/data", Some(blank_image(&format!("posix-{name}-fat16"), 16 * 1024, false))),
        ("q35", "/data", Some(blank_image(&format!("posix-{name}-fat32"), 40 * 1024, true))),
    ] {
        let mut boot = Boot::new(image.clone(), machine).memory("32M").args(&[directory]);
        boot.disk = disk.clone();
        let outcome = boot.run();
        let in_vm = Native { output: program_output(&outcome.serial), status: outcome.code.unwrap_or(-1) };
        assert_eq!(in_vm, native, "{machine} {directory}: the VM differs from the host\n{}", outcome.stderr);
        if let Some(disk) = disk {
            fsck_clean(&disk);
        }
    }
}

/// Runs `scripts/run posix --build-only --elf PROGRAM`: (exit status, standard error).
fn build_with(program: &Path) -> (Option<i32>, String) {
    let output = Command::new(root().join("scripts/run"))
        .args(["posix", "--build-only", "--elf"])
        .arg(program)
        .output()
        .expect("scripts/run starts");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn programs_the_kernel_cannot_run_are_refused_when_the_image_is_built() {
    if let Some(reason) = musl_missing() {
        return skip("programs_the_kernel_cannot_run_are_refused_when_the_image_is_built", &reason);
    }
    let folder = scratch("posix-refused");
    let hello = c_hello();
    let bytes = std::fs::read(&hello).unwrap();
    let truncated = folder.join("truncated");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let text = folder.join("text");
    std::fs::write(&text, "#!/bin/sh\necho not a program\n").unwrap();
    // A plain `musl-gcc -static` program: fixed addresses at 0x400000, where the kernel keeps RAM.
    let low = folder.join("low");
    let status = Command::new("musl-gcc")
        .args(["-static", "-no-pie", "-O2", "-o"])
        .arg(&low)
        .arg(root().join("apps/c-hello/hello.c"))
        .status()
        .unwrap();
    assert!(status.success());
    let dynamic = Path::new("/bin/true");
    for (program, reason) in [
        (truncated.as_path(), "cannot run"),
        (text.as_path(), "cannot run"),
        (low.as_path(), "outside the user region"),
        (dynamic, "cannot run"),
    ] {
        let (code, stderr) = build_with(program);
        assert_eq!(code, Some(125), "{}: {stderr}", program.display());
        assert!(stderr.contains(reason), "{}: expected {reason:?} in:\n{stderr}", program.display());
    }
}

#[test]
fn posix_threads_run_on_every_cpu_as_on_the_host() {
    if let Some(reason) = musl_missing() {
        return skip("posix_threads_run_on_every_cpu_as_on_the_host", &reason);
    }
    let threads = program("threads", &["tests/programs/threads.c"]);
    let image = image(&threads);
    for cpus in [1, 4] {
        same_as_host(&threads, &[], &[], Boot::new(image.clone(), "microvm").cpus(cpus).memory("64M"))
            .expect_code(0)
            .expect_lines(&[
                "worker 7 returned 37499987",
                "timed wait: Operation timed out",
                "50 short-lived threads joined",
            ]);
    }
}

#[test]
fn a_rust_std_program_runs_as_on_the_host() {
    let rust_std = match stardust_boot_tests::posix::repository_program("rust-std") {
        Ok(path) => path,
        Err(reason) => return skip("a_rust_std_program_runs_as_on_the_host", &reason),
    };
    let image = image(&rust_std);
    let host_directory = scratch("posix-rust-std-host");
    let native = run_natively(&rust_std, &[host_directory.to_str().unwrap(), "3"], &[], None);
    assert_eq!(native.status, 3, "natively:\n{}", native.output);
    for (cpus, directory, disk) in [(1, "/", None), (2, "/data", Some(blank_image("posix-rust-std", 16 * 1024, false)))]
    {
        let mut boot = Boot::new(image.clone(), "microvm").cpus(cpus).memory("64M").args(&[directory, "3"]);
        boot.disk = disk.clone();
        let outcome = boot.run();
        let in_vm = Native { output: outcome.serial.clone(), status: outcome.code.unwrap_or(-1) };
        assert_eq!(in_vm, native, "{cpus} CPUs, {directory}: the VM differs from the host\n{}", outcome.stderr);
        if let Some(disk) = disk {
            fsck_clean(&disk);
        }
    }
}

#[test]
fn a_program_that_exhausts_memory_is_killed_and_the_kernel_survives() {
    if let Some(reason) = musl_missing() {
        return skip("a_program_that_exhausts_memory_is_killed_and_the_kernel_survives", &reason);
    }
    let faults = program("faults", &["tests/programs/faults.c"]);
    // Reserving 1 GiB succeeds (pages are backed when touched); touching it all cannot.
    Boot::new(image(&faults), "microvm")
        .memory("16M")
        .args(&["oom"])
        .run()
        .expect_code(137)
        .expect_lines(&["reserved 1 GiB", "the program was killed by SIGKILL: out of memory"]);
}

#[test]
fn lua_runs_its_scripts_as_on_the_host() {
    let lua = match stardust_boot_tests::posix::repository_program("lua") {
        Ok(path) => path,
        Err(reason) => return skip("lua_runs_its_scripts_as_on_the_host", &reason),
    };
    let image = image(&lua);
    // The script on the host in a scratch folder, and on a FAT disk in the VM (at /data).
    let folder = scratch("posix-lua-host");
    std::fs::copy(root().join("tests/programs/lua/suite.lua"), folder.join("suite.lua")).unwrap();
    let script = folder.join("suite.lua");
    let native = run_natively(&lua, &[script.to_str().unwrap(), folder.to_str().unwrap()], &[], None);
    assert_eq!(native.status, 3, "natively:\n{}", native.output);
    let disk_folder = scratch("posix-lua-disk");
    std::fs::copy(root().join("tests/programs/lua/suite.lua"), disk_folder.join("suite.lua")).unwrap();
    let disk = disk_folder.join("../posix-lua.img");
    let status = Command::new(root().join("scripts/mkimage"))
        .arg(&disk_folder)
        .arg(&disk)
        .args(["--size", "8M"])
        .status()
        .unwrap();
    assert!(status.success());
    // Lua in 8 MiB, the mark.
    let mut boot = Boot::new(image.clone(), "microvm").memory("8M").args(&["/data/suite.lua", "/data"]);
    boot.disk = Some(disk.clone());
    let outcome = boot.run();
    let in_vm = Native { output: outcome.serial.clone(), status: outcome.code.unwrap_or(-1) };
    assert_eq!(in_vm, native, "the VM differs from the host\n{}", outcome.stderr);
    fsck_clean(&disk);
    // -e chunks, and an error: "lua: MESSAGE" on standard error, status 1.
    let arguments = ["-e", "x = 6 * 7", "-e", "print(x, #arg, arg[0])", "-e", "error('stop here', 0)"];
    same_as_host(&lua, &arguments, &[], Boot::new(image, "microvm").memory("8M")).expect_code(1);
}

#[test]
fn sqlite_runs_its_workload_as_on_the_host_and_its_database_is_sound() {
    let sqlite = match stardust_boot_tests::posix::repository_program("sqlite") {
        Ok(path) => path,
        Err(reason) => return skip("sqlite_runs_its_workload_as_on_the_host_and_its_database_is_sound", &reason),
    };
    let host_has_sqlite3 = Command::new("sqlite3").arg("-version").output().is_ok_and(|output| output.status.success());
    let image = image(&sqlite);
    let workload = root().join("tests/programs/sqlite/workload.sql");
    let host_folder = scratch("posix-sqlite-host");
    let database = host_folder.join("test.db");
    let native = run_natively(&sqlite, &[database.to_str().unwrap(), "-f", workload.to_str().unwrap()], &[], None);
    assert_eq!(native.status, 0, "natively:\n{}", native.output);

    let disk_folder = scratch("posix-sqlite-disk");
    std::fs::copy(&workload, disk_folder.join("workload.sql")).unwrap();
    let disk = disk_folder.join("../posix-sqlite.img");
    let made = Command::new(root().join("scripts/mkimage"))
        .arg(&disk_folder)
        .arg(&disk)
        .args(["--size", "16M"])
        .status()
        .unwrap();
    assert!(made.success());
    // Multi-threaded SQLite on two CPUs; its journal, locks, fsyncs and unlinks on FAT.
    let mut boot =
        Boot::new(image.clone(), "microvm").memory("32M").cpus(2).args(&["/data/test.db", "-f", "/data/workload.sql"]);
    boot.disk = Some(disk.clone());
    let outcome = boot.run();
    let in_vm = Native { output: outcome.serial.clone(), status: outcome.code.unwrap_or(-1) };
    assert_eq!(in_vm, native, "the VM differs from the host\n{}", outcome.stderr);
    fsck_clean(&disk);
    let written = stardust_boot_tests::disks::extract(&disk, "/test.db").expect("the database is on the disk");
    let copy = host_folder.join("from-the-vm.db");
    std::fs::write(&copy, written).unwrap();
    if host_has_sqlite3 {
        let check = Command::new("sqlite3")
            .arg(&copy)
            .arg("PRAGMA integrity_check; SELECT count(*) FROM orders;")
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&check.stdout), "ok\n10000\n", "Debian's sqlite3 on the VM's database");
    } else {
        skip(
            "sqlite_runs_its_workload_as_on_the_host_and_its_database_is_sound (host check)",
            "no sqlite3 on the host (Debian's sqlite3)",
        );
    }

    // A transaction committed survives the VM being killed right after: the next boot sees it.
    let committed = "committed 5 rows";
    stardust_boot_tests::disks::kill_after_line(
        &image,
        &disk,
        "-- /data/test.db \"CREATE TABLE durable(x); INSERT INTO durable VALUES (1),(2),(3),(4),(5)\" \"SELECT 'committed ' || count(*) || ' rows' FROM durable\" \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n\"",
        committed,
    );
    let mut after = Boot::new(image, "microvm").memory("32M").args(&[
        "/data/test.db",
        "SELECT count(*), sum(x) FROM durable",
        "PRAGMA integrity_check",
    ]);
    after.disk = Some(disk.clone());
    after.run().expect_code(0).expect_exact(&["5|15", "ok"]);
    // A killed VM leaves the volume's dirty bit set (as a power loss does; fatfs keeps it set
    // for a check): fsck.fat may say so, and nothing else.
    let fsck = Command::new("fsck.fat").arg("-n").arg(&disk).output().unwrap();
    let report = String::from_utf8_lossy(&fsck.stdout);
    let complaints: Vec<&str> = report
        .lines()
        .filter(|line| !line.starts_with("fsck.fat ") && !line.contains(" files, ") && !line.trim().is_empty())
        .filter(|line| {
            !line.contains("Dirty bit") && !line.contains("dirty bit") && !line.contains("Leaving filesystem unchanged")
        })
        .collect();
    assert!(complaints.is_empty(), "fsck.fat -n after the kill:\n{report}");
}

#[test]
fn pipes_between_threads_behave_as_on_the_host() {
    if let Some(reason) = musl_missing() {
        return skip("pipes_between_threads_behave_as_on_the_host", &reason);
    }
    let pipes = program("pipes", &["tests/programs/pipes.c"]);
    let image = image(&pipes);
    for cpus in [1, 2] {
        same_as_host(&pipes, &[], &[], Boot::new(image.clone(), "microvm").cpus(cpus).memory("32M"))
            .expect_code(0)
            .expect_lines(&["sent 262144, received 262144", "read back 17 bytes: through the pipe"]);
    }
}

/// A line echo server on the host's loopback for one connection; its port.
fn host_echo_once() -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a host port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = reader.read_line(&mut line);
            let _ = (&stream).write_all(line.as_bytes());
        }
    });
    port
}

/// What the test does to tests/programs/sockets.c's server at `tcp` and `udp`: three
/// connections one after the other, then a datagram.
fn drive_sockets_program(tcp: (&str, u16), udp: (&str, u16)) {
    use std::io::{Read, Write};
    for k in ["one", "two", "three"] {
        let mut stream = stardust_boot_tests::net::connect_to(tcp);
        stream.write_all(format!("hello {k}\n").as_bytes()).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert_eq!(answer, format!("echo: hello {k}\n"));
    }
    assert_eq!(stardust_boot_tests::net::udp_round_trip(udp, b"ping over UDP"), b"pong: ping over UDP");
}

#[test]
fn a_c_server_with_sockets_epoll_and_eventfd_behaves_as_on_the_host() {
    if let Some(reason) = musl_missing() {
        return skip("a_c_server_with_sockets_epoll_and_eventfd_behaves_as_on_the_host", &reason);
    }
    server_program_behaves_as_on_the_host(&program("sockets", &["tests/programs/sockets.c"]));
}

#[test]
fn a_rust_std_network_program_behaves_as_on_the_host() {
    let program = match stardust_boot_tests::posix::repository_program("rust-net") {
        Ok(program) => program,
        Err(reason) => return skip("a_rust_std_network_program_behaves_as_on_the_host", &reason),
    };
    server_program_behaves_as_on_the_host(&program);
}

#[test]
fn a_rust_program_on_tokio_behaves_as_on_the_host() {
    let program = match stardust_boot_tests::posix::repository_program("rust-tokio") {
        Ok(program) => program,
        Err(reason) => return skip("a_rust_program_on_tokio_behaves_as_on_the_host", &reason),
    };
    server_program_behaves_as_on_the_host(&program);
}

/// Runs `program` (`PROGRAM PORT ECHO_HOST ECHO_PORT CLOSED_PORT`, serving three connections
/// and a datagram) natively and in posix-net, driven alike: same output, status 3.
fn server_program_behaves_as_on_the_host(program: &Path) {
    let closed = stardust_boot_tests::net::free_port();

    // Natively: the server on a free host port.
    let port = stardust_boot_tests::net::free_port();
    let echo = host_echo_once();
    let log = std::env::temp_dir().join(format!("stardust-sockets-{}.txt", std::process::id()));
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(program)
        .args([&port.to_string(), "127.0.0.1", &echo.to_string(), &closed.to_string()])
        .env_clear()
        .stdin(std::process::Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("the program starts natively");
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("sockets: ready") {
        assert!(start.elapsed().as_secs() < 20, "natively, never ready: {}", std::fs::read_to_string(&log).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drive_sockets_program(("127.0.0.1", port), ("127.0.0.1", port));
    let status = child.wait().unwrap().code().unwrap_or(-1);
    let native = Native { output: std::fs::read_to_string(&log).unwrap(), status };
    let _ = std::fs::remove_file(&log);
    assert_eq!(native.status, 3, "natively: {native:?}");

    // In the VM: the same binary, its port forwarded from the host (TCP and UDP).
    let image = stardust_boot_tests::posix::image_in("posix-net", program);
    let tcp = stardust_boot_tests::net::free_port();
    let udp = stardust_boot_tests::net::free_port();
    let echo = host_echo_once();
    let (forward_tcp, forward_udp) = (format!("{tcp}:8080"), format!("udp:{udp}:8080"));
    let (echo, closed) = (echo.to_string(), closed.to_string());
    let vm = stardust_boot_tests::net::Vm::start(
        &image,
        &[
            "--machine",
            "microvm",
            "--mem",
            "32M",
            "--net",
            "user",
            "--forward",
            &forward_tcp,
            "--forward",
            &forward_udp,
            "--",
            "8080",
            "10.0.2.2",
            &echo,
            &closed,
        ],
        "sockets: ready",
        tcp,
    );
    // A failed exchange says what the VM printed (did the datagram arrive? did it end?).
    if let Err(cause) = std::panic::catch_unwind(|| drive_sockets_program(("127.0.0.1", tcp), ("127.0.0.1", udp))) {
        let (_, serial) = vm.stop();
        let cause = cause.downcast_ref::<String>().cloned().unwrap_or_default();
        panic!("{cause}\n--- the VM printed ---\n{serial}");
    }
    let (status, serial) = vm.wait(std::time::Duration::from_secs(60));
    let in_vm = Native { output: program_output(&(serial.clone() + "\n")), status: status.unwrap_or(-1) };
    assert_eq!(in_vm, native, "the VM differs from the host\n--- the VM printed ---\n{serial}");
}

/// What the test does to c-httpd at `address`: curl, a hundred clients of twenty requests each
/// (half on one kept connection, half on a connection per request), pipelined requests, a
/// malformed one, then `/quit`. Panics on a wrong answer.
fn drive_c_httpd(host: &str, port: u16) {
    use stardust_boot_tests::net::{connect_to, read_response};
    use std::io::{Read, Write};
    let url = format!("http://{host}:{port}/");
    let curl = Command::new("curl").args(["-s", "-i", "--max-time", "20", &url]).output().expect("curl runs");
    let text = String::from_utf8_lossy(&curl.stdout).into_owned();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "curl got: {text}");
    let page = text.split_once("\r\n\r\n").expect("a head and a body").1.as_bytes().to_vec();
    assert!(String::from_utf8_lossy(&page).contains("Hello from a C server on epoll"), "{text}");

    let failed = stardust_boot_tests::net::hundred_clients_twenty_requests(host, port, &page);
    assert_eq!(failed, 0, "{failed} of 100 clients did not get 20 correct responses");

    let mut stream = connect_to((host, port));
    stream
        .write_all(b"GET / HTTP/1.1\r\n\r\nGET /missing HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let statuses: Vec<u16> = [false, false, false, true]
        .iter()
        .map(|&head| read_response(&mut stream, head).expect("a pipelined answer").status)
        .collect();
    assert_eq!(statuses, [200, 404, 405, 200]);
    let mut bad = connect_to((host, port));
    bad.write_all(b"NONSENSE\r\n\r\n").unwrap();
    let mut answer = String::new();
    bad.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    let quit = Command::new("curl").args(["-s", "-o", "/dev/null", "--max-time", "20", &format!("{url}quit")]).status();
    assert!(quit.is_ok_and(|status| status.success()), "GET /quit");
}

#[test]
fn a_c_epoll_http_server_serves_curl_and_a_hundred_clients_as_on_the_host() {
    let name = "a_c_epoll_http_server_serves_curl_and_a_hundred_clients_as_on_the_host";
    if !stardust_boot_tests::net::root_user() {
        return skip(name, "the tap device needs root (CI runs as root)");
    }
    let program = match stardust_boot_tests::posix::repository_program("c-httpd") {
        Ok(program) => program,
        Err(reason) => return skip(name, &reason),
    };

    // Natively.
    let port = stardust_boot_tests::net::free_port();
    let mut child = Command::new(&program)
        .arg(port.to_string())
        .env_clear()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("c-httpd starts natively");
    // Its first line says it listens (no probing connection: the counters would differ).
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert!(first.starts_with("c-httpd: serving"), "natively: {first}");
    drive_c_httpd("127.0.0.1", port);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let native = Native { output: first + &rest, status: child.wait().unwrap().code().unwrap_or(-1) };
    assert_eq!(native.status, 0, "natively: {native:?}");

    // In the VM, over a tap device (slirp's forwarded port takes one connection at a time).
    let tap = stardust_boot_tests::net::Tap::create("sdchttp0", "10.0.11.1");
    let image = stardust_boot_tests::posix::image_in("posix-net", &program);
    let vm = stardust_boot_tests::net::Vm::start(
        &image,
        &[
            "--machine",
            "microvm",
            "--mem",
            "32M",
            "--net",
            "tap",
            "--tap",
            &tap.name,
            "--kernel-opt",
            "stardust.ip=10.0.11.2/24",
            "--",
            &port.to_string(),
        ],
        "c-httpd: serving",
        port,
    );
    drive_c_httpd("10.0.11.2", port);
    let (status, serial) = vm.wait(std::time::Duration::from_secs(60));
    let in_vm = Native { output: program_output(&(serial.clone() + "\n")), status: status.unwrap_or(-1) };
    assert_eq!(in_vm, native, "the VM differs from the host\n--- the VM printed ---\n{serial}");
}
