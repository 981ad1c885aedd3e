//! Network boot tests' tools: a VM serving on forwarded host ports (QEMU user networking), raw
//! HTTP exchanges over std's sockets, and a VM on a tap device inside a network namespace.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A free TCP (and, most likely, UDP) port on the host's loopback.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

/// A VM running a network app through `scripts/run`, killed when dropped.
pub struct Vm {
    child: Child,
    /// Serial lines, as they come.
    lines: mpsc::Receiver<String>,
    /// Every line seen so far.
    pub seen: Vec<String>,
    /// The host port forwarded to the VM's TCP port 80 (or UDP port 7 for `--forward udp:`).
    pub port: u16,
}

impl Vm {
    /// Starts `image` with `scripts/run --image IMAGE ARGS...` and waits (up to two minutes) for a
    /// line containing `ready`.
    pub fn start(image: &Path, args: &[&str], ready: &str, port: u16) -> Vm {
        Vm::start_in(&[], image, args, ready, port)
    }

    /// As `start`, with the command run under `wrapper` (e.g. `ip netns exec NAME`).
    pub fn start_in(wrapper: &[&str], image: &Path, args: &[&str], ready: &str, port: u16) -> Vm {
        let script = crate::root().join("scripts/run");
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(&script);
                command
            }
            None => Command::new(&script),
        };
        command.arg("--image").arg(image).args(["--timeout", &crate::BOOT_TIMEOUT_SECONDS.to_string()]).args(args);
        Vm::spawn(command, ready, port)
    }

    /// Starts `command` (a monitor's command line, say), reads its output as serial lines, and
    /// waits (up to two minutes) for a line containing `ready`.
    pub fn spawn(mut command: Command, ready: &str, port: u16) -> Vm {
        use std::os::unix::process::CommandExt;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("{command:?} does not start: {error}"));
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("piped")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("piped")),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line.replace('\r', "")).is_err() {
                        break;
                    }
                }
            });
        }
        let mut vm = Vm { child, lines, seen: Vec::new(), port };
        vm.wait_for(ready, Duration::from_secs(120));
        vm
    }

    /// Waits for a serial line containing `text`; panics with everything seen if it does not come.
    pub fn wait_for(&mut self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        if self.seen.iter().any(|line| line.contains(text)) {
            return;
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("the VM never printed {text:?}; it printed:\n{}", self.seen.join("\n"));
    }

    /// Lines printed so far (collects what is waiting).
    pub fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }

    /// True while the VM runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the VM and returns its exit status (scripts/run's) and everything it printed.
    pub fn stop(mut self) -> (Option<i32>, String) {
        let status = self.kill();
        (status, self.output())
    }

    /// Waits up to `limit` for the VM to end by itself (then stops it); its exit status and
    /// everything it printed.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                // The readers may still hold the last lines.
                std::thread::sleep(Duration::from_millis(200));
                return (status.code(), self.output());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop()
    }

    fn kill(&mut self) -> Option<i32> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return status.code();
        }
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.child.id())]).status();
        self.child.wait().ok().and_then(|status| status.code())
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A whole HTTP response, as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// Connects to the forwarded port (QEMU's slirp takes one connection at a time; a refused or
/// reset attempt is retried for up to 30 s).
pub fn connect(port: u16) -> TcpStream {
    connect_to(("127.0.0.1", port))
}

/// Connects to `address`, retrying a refused or reset attempt for up to 30 s.
pub fn connect_to(address: (&str, u16)) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match TcpStream::connect(address) {
            Ok(stream) => {
                stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
                stream.set_nodelay(true).expect("nodelay");
                return stream;
            }
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(error) => panic!("cannot connect to {address:?}: {error}"),
        }
    }
}

/// Reads one response from `stream`; `head_only` for the answer to HEAD (no body follows).
/// `None` if the connection ends before a whole response.
pub fn read_response(stream: &mut impl Read, head_only: bool) -> Option<Response> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        assert!(head.len() < 16 * 1024, "a response head longer than 16 KiB");
    }
    let text = String::from_utf8(head).expect("an ASCII head");
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let mut words = status_line.splitn(3, ' ');
    assert_eq!(words.next(), Some("HTTP/1.1"), "status line {status_line:?}");
    let status = words.next()?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line.split_once(':').expect("a header line has a colon");
            (name.to_ascii_lowercase(), value.trim().to_string())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map(|(_, value)| value.parse().expect("a numeric Content-Length"))
        .expect("every response has a Content-Length");
    let mut body = vec![0u8; if head_only { 0 } else { length }];
    stream.read_exact(&mut body).ok()?;
    Some(Response { status, headers, body })
}

/// Sends `request` on a new connection and reads one response.
pub fn exchange(port: u16, request: &[u8], head_only: bool) -> Option<Response> {
    let mut stream = connect(port);
    stream.write_all(request).ok()?;
    read_response(&mut stream, head_only)
}

/// `GET path` with `Connection: close`.
pub fn get(port: u16, path: &str) -> Response {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    exchange(port, request.as_bytes(), false).unwrap_or_else(|| panic!("no response to GET {path}"))
}

/// The HTTP torture cases for httpd at `address` (started with `--idle 2`): a 1 MiB header
/// (431, then closed), random bytes (an error answer or a close, never a hang), a half request
/// dropped by the client and one left hanging (closed by the server after its idle time).
pub fn bad_clients(address: (&str, u16)) {
    // A 1 MiB header: 431, and the connection is closed after the answer.
    let mut stream = connect_to(address);
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut request = b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
            request.resize(1 << 20, b'a');
            // The server answers once it has 8 KiB; the rest may be refused with a reset.
            let _ = stream.write_all(&request);
        })
    };
    let response = read_response(&mut stream, false).expect("an answer to a 1 MiB header");
    assert_eq!(response.status, 431);
    writer.join().unwrap();

    // Random bytes: an answer (400) or a close, never a hang.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..5 {
        let garbage: Vec<u8> = (0..3000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let mut stream = connect_to(address);
        let _ = stream.write_all(&garbage);
        if let Some(response) = read_response(&mut stream, false) {
            assert!(matches!(response.status, 400 | 405 | 414 | 431 | 505), "garbage got {}", response.status);
        }
    }

    // Half a request, abandoned: the connection is dropped by the client...
    let mut half = connect_to(address);
    half.write_all(b"GET / HT").unwrap();
    drop(half);
    // ...or left hanging: the server closes it after the idle time (2 s here).
    let mut hanging = connect_to(address);
    hanging.write_all(b"GET / HTTP/1.1\r\nHost:").unwrap();
    let mut rest = Vec::new();
    let closed = hanging.read_to_end(&mut rest);
    assert!(closed.is_ok() && rest.is_empty(), "a half-sent request is closed quietly: {closed:?} {rest:?}");
}

/// Sends `data` to `to` from a fresh socket until an echo comes back (UDP may lose a datagram);
/// returns what came back.
pub fn udp_round_trip(to: (&str, u16), data: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
    socket.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
    let mut buffer = vec![0u8; 4096];
    for _ in 0..20 {
        socket.send_to(data, to).expect("send");
        if let Ok((n, _)) = socket.recv_from(&mut buffer) {
            return buffer[..n].to_vec();
        }
    }
    panic!("no echo of {} bytes from {to:?}", data.len());
}

/// The page httpd embeds.
pub fn index_page() -> Vec<u8> {
    std::fs::read(crate::root().join("apps/httpd/src/index.html")).expect("the page")
}

/// A network namespace with a tap device at `10.0.7.1/24`, for a VM at `10.0.7.2`; removed
/// (with its tap) when dropped. Needs root and iproute2.
pub struct Namespace {
    pub name: String,
    pub tap: &'static str,
}

impl Namespace {
    pub fn create() -> Namespace {
        let name = format!("stardust-test-{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).stderr(Stdio::null()).status();
        ip(&["netns", "add", &name]);
        let namespace = Namespace { name, tap: "sdtap0" };
        for args in [
            &["link", "set", "lo", "up"][..],
            &["tuntap", "add", namespace.tap, "mode", "tap"],
            &["addr", "add", "10.0.7.1/24", "dev", namespace.tap],
            &["link", "set", namespace.tap, "up"],
        ] {
            let mut full = vec!["netns", "exec", &namespace.name, "ip"];
            full.extend_from_slice(args);
            ip(&full);
        }
        namespace
    }

    /// `ip netns exec NAME`, to put before a command.
    pub fn wrapper(&self) -> Vec<&str> {
        vec!["ip", "netns", "exec", &self.name]
    }

    /// Runs a command inside the namespace; its status and output.
    pub fn run(&self, program: &str, args: &[&str]) -> (bool, String) {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.name, program])
            .args(args)
            .output()
            .expect("ip netns exec runs");
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        (output.status.success(), text)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

/// A tap device in the host's own network namespace at `HOST/24` (the VM takes another address
/// on that network), so that the test process reaches the VM directly: no slirp, whose
/// forwarded port accepts with a listen backlog of 1 (a burst of clients then waits on the
/// host's SYN cookies, not on the VM). Removed when dropped. Needs root and iproute2.
pub struct Tap {
    pub name: String,
}

impl Tap {
    pub fn create(name: &str, host: &str) -> Tap {
        let _ = Command::new("ip").args(["link", "del", name]).stderr(Stdio::null()).status();
        ip(&["tuntap", "add", name, "mode", "tap"]);
        let tap = Tap { name: name.to_string() };
        ip(&["addr", "add", &format!("{host}/24"), "dev", name]);
        ip(&["link", "set", name, "up"]);
        tap
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.name]).status();
    }
}

/// True when running as root (network namespaces and tap devices need it; CI runs as root).
pub fn root_user() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

/// Runs `ip ARGS...` (iproute2) and insists that it succeeds.
fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status().expect("ip (iproute2) runs");
    assert!(status.success(), "ip {} failed", args.join(" "));
}

/// Raises this process's open-files limit (inherited by the VMs it starts) to at least `wanted`, with util-linux's
/// `prlimit`; why it cannot, if it cannot.
pub fn raise_open_files(wanted: u64) -> Result<(), String> {
    let limits = || -> Option<(u64, u64)> {
        let text = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = text.lines().find(|line| line.starts_with("Max open files"))?;
        let mut numbers = line.split_whitespace().skip(3);
        let soft = numbers.next()?.parse().unwrap_or(u64::MAX);
        let hard = numbers.next()?.parse().unwrap_or(u64::MAX);
        Some((soft, hard))
    };
    let (soft, hard) = limits().ok_or("/proc/self/limits has no open-files line")?;
    if soft >= wanted {
        return Ok(());
    }
    if hard < wanted {
        return Err(format!("open files are limited to {hard} here (needs {wanted})"));
    }
    let raised = Command::new("prlimit")
        .args(["--pid", &std::process::id().to_string(), &format!("--nofile={wanted}:{hard}")])
        .status()
        .map_err(|error| format!("prlimit (util-linux) cannot run: {error}"))?;
    match limits() {
        Some((soft, _)) if raised.success() && soft >= wanted => Ok(()),
        _ => Err(format!("prlimit could not raise the open-files limit from {soft} to {wanted}")),
    }
}

/// The counters httpd at `address` serves at `--status PATH`: each line's name and its first
/// number.
pub fn server_status(address: (&str, u16), path: &str) -> std::collections::HashMap<String, u64> {
    try_server_status(address, path).expect("an answer from the status page")
}

/// As `server_status`; `None` if the connection ended without an answer.
pub fn try_server_status(address: (&str, u16), path: &str) -> Option<std::collections::HashMap<String, u64>> {
    let mut stream = connect_to(address);
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let response = read_response(&mut stream, false)?;
    assert_eq!(response.status, 200, "the status page");
    String::from_utf8(response.body)
        .expect("a text status page")
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            Some((name.to_string(), rest.split_whitespace().next()?.parse().ok()?))
        })
        .collect::<std::collections::HashMap<_, _>>()
        .into()
}

/// A hundred clients at once, twenty `GET /` each, half on one kept connection and half on a
/// connection per request, every answer checked against `page`; how many clients failed.
pub fn hundred_clients_twenty_requests(host: &str, port: u16, page: &[u8]) -> usize {
    let clients: Vec<_> = (0..100)
        .map(|client| {
            let (page, host) = (page.to_vec(), host.to_string());
            std::thread::spawn(move || {
                let keep = client % 2 == 0;
                let mut stream = connect_to((&host, port));
                for request in 0..20 {
                    if !keep && request > 0 {
                        stream = connect_to((&host, port));
                    }
                    let connection = if keep { "keep-alive" } else { "close" };
                    let text = format!("GET / HTTP/1.1\r\nHost: c{client}\r\nConnection: {connection}\r\n\r\n");
                    stream.write_all(text.as_bytes()).expect("the request is sent");
                    let response = read_response(&mut stream, false)
                        .unwrap_or_else(|| panic!("client {client} request {request}: no response"));
                    assert_eq!((response.status, &response.body), (200, &page), "client {client} request {request}");
                }
            })
        })
        .collect();
    clients.into_iter().map(|client| client.join()).filter(Result::is_err).count()
}
