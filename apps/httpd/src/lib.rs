//! httpd: an HTTP/1.1 server for Stardust. GET and HEAD of an embedded page (`/` and
//! `/index.html`), keep-alive and pipelining, 400/404/405/413/414/431/501/505 from the parser's
//! verdicts. Built with feature `files` (profile `web`), it serves the files under `--root`
//! (default `/data`), a folder's `index.html` for the folder, and the embedded page for `/` when
//! the root has no `index.html`.
//!
//! **One event loop serves every connection**, as nginx does: the listener and every
//! connection are registered with one [`Poll`]; each connection is a small state machine (the
//! request head read so far, the answer not yet sent) that advances when its socket is ready and
//! never waits. A connection costs its socket's buffers and about 200 bytes here while idle (its
//! head buffer is freed between requests), so clients that send nothing, or a byte at a time,
//! hold no thread: they only wait for their deadlines. Deadlines: `--idle` for a request to
//! start, 10 s for a head to finish, twice `--idle` for a client to take its answer. When the
//! connections reach `--connections` (or the network's socket limit is near), the connection
//! idle longest is closed to make room, then the slowest half-sent head. File reads (profile
//! `web`) are the one slow thing: two reader threads do them, 4 KiB at a time, and hand the
//! bytes back to the loop (a [`Wakeup`](stardust::net::Wakeup)), which goes on serving the
//! other connections while the disk works.
//!
//! `httpd [--port N] [--idle SECONDS] [--connections N] [--root DIR]`; exit codes: 0 never (it
//! serves until the VM is stopped), 1 the port cannot be listened on, 2 usage.

#![no_std]
#![forbid(unsafe_code)]

use httpd_http::{Limits, Method, Parsed, Status};
use stardust::io::{ErrorKind, Read, Write};
use stardust::net::{Events, Interest, Ipv4Addr, Poll, TcpListener, TcpStream, Token};
use stardust::prelude::*;
use stardust::time::{Duration, Instant};

/// The longest a client may take to send one request head.
const HEAD_TIME: Duration = Duration::from_secs(10);

/// The page served at `/`: 612 bytes, the size the benchmarks ask for.
const INDEX: &[u8] = include_bytes!("index.html");

/// The listener's token (connections' tokens are their slots).
const LISTENER: Token = Token(usize::MAX);
/// The file readers' token: a read finished (web only).
const READ_DONE: Token = Token(usize::MAX - 1);

/// Sockets the network keeps free for new clients: shedding starts this close to its limit
/// (its listener pool, and connections closing in the background, use sockets too).
const SOCKET_HEADROOM: usize = 8;

const OPTIONS: &str = "  --port N           TCP port to listen on (default 80)
  --idle SECONDS     close a connection that sends nothing for this long (default 5)
  --connections N    connections held at once (default: as many as the network's sockets
                     allow); past it the one idle longest is closed
  --status PATH      answer GET PATH with the server's counters (connections, sockets, heap,
                     the card's interrupts)";

#[cfg(not(feature = "files"))]
const ABOUT: &str = "Serves an embedded page at / and /index.html (GET and HEAD, HTTP/1.0 and 1.1, keep-alive).";
#[cfg(feature = "files")]
const ABOUT: &str = "  --root DIR         serve the files under DIR (default /data; a folder gives its index.html)
Serves files (GET and HEAD, HTTP/1.0 and 1.1, keep-alive); / without an index.html under the
root gives the embedded page.";

fn usage() -> String {
    #[cfg(not(feature = "files"))]
    let synopsis = "usage: httpd [--port N] [--idle SECONDS] [--connections N]";
    #[cfg(feature = "files")]
    let synopsis = "usage: httpd [--port N] [--idle SECONDS] [--connections N] [--root DIR]";
    format!("{synopsis}\n{OPTIONS}\n{ABOUT}")
}

struct Options {
    port: u16,
    idle: Duration,
    connections: Option<usize>,
    status: Option<String>,
    #[cfg(feature = "files")]
    root: String,
}

fn options(words: &[String]) -> Result<Options, String> {
    let mut options = Options {
        port: 80,
        idle: Duration::from_secs(5),
        connections: None,
        status: None,
        #[cfg(feature = "files")]
        root: String::from("/data"),
    };
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let mut value = |name: &str| words.next().ok_or_else(|| format!("{name} needs a value"));
        match word.as_str() {
            "--port" => {
                options.port =
                    value("--port")?.parse().ok().filter(|&p| p > 0).ok_or("--port takes a number 1..=65535")?
            }
            "--idle" => {
                options.idle = Duration::from_secs(
                    value("--idle")?.parse().ok().filter(|&s| s > 0).ok_or("--idle takes a number of seconds > 0")?,
                )
            }
            "--connections" => {
                options.connections = Some(
                    value("--connections")?
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or("--connections takes a number > 0")?,
                )
            }
            "--status" => {
                let path = value("--status")?;
                if !path.starts_with('/') {
                    return Err(String::from("--status takes a path starting with /"));
                }
                options.status = Some(path.clone());
            }
            "--workers" => {
                return Err(String::from(
                    "--workers is gone: one event loop serves every connection (see --connections)",
                ));
            }
            #[cfg(feature = "files")]
            "--root" => {
                let root = value("--root")?;
                if !root.starts_with('/') {
                    return Err(String::from("--root takes an absolute path"));
                }
                options.root = String::from(root.trim_end_matches('/'));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

pub fn main() -> i32 {
    let words: Vec<String> = stardust::env::args().skip(1).collect();
    if words.iter().any(|w| w == "--help" || w == "-h") {
        println!("{}", usage());
        return 0;
    }
    let options = match options(&words) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("httpd: {message}\n{}", usage());
            return 2;
        }
    };
    let listener = match TcpListener::bind((Ipv4Addr::UNSPECIFIED, options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("httpd: cannot listen on port {}: {error}", options.port);
            return 1;
        }
    };
    let socket_limit = stardust::net::socket_usage().map_or(16, |(_, limit)| limit);
    let most = socket_limit.saturating_sub(SOCKET_HEADROOM).max(1);
    let connections = options.connections.unwrap_or(most).min(most);
    match stardust::net::wait_for_address(Duration::from_secs(30)) {
        Ok((address, _)) => {
            println!("httpd: serving http://{address}:{}/ (up to {connections} connections)", options.port)
        }
        Err(error) => println!("httpd: listening on port {} ({error})", options.port),
    }
    let site = Site {
        idle: options.idle,
        status: options.status.clone(),
        open: core::cell::Cell::new(0),
        #[cfg(feature = "files")]
        root: options.root.clone(),
    };
    match Server::new(listener, site, connections, socket_limit) {
        Ok(mut server) => server.run(),
        Err(error) => {
            eprintln!("httpd: cannot start the event loop: {error}");
            1
        }
    }
}

/// What every connection needs to know.
struct Site {
    idle: Duration,
    /// Where the counters are served, if anywhere.
    status: Option<String>,
    /// Connections open now.
    open: core::cell::Cell<usize>,
    #[cfg(feature = "files")]
    root: String,
}

/// What follows a response's head: nothing more (it is all in the buffer), or a file's bytes.
enum Body {
    Written,
    #[cfg(feature = "files")]
    File(stardust::fs::File),
}

/// One client's connection and where its conversation stands.
struct Connection {
    stream: TcpStream,
    /// The request head read so far (and pipelined requests after it); freed while idle.
    input: Vec<u8>,
    /// The answer being sent, and how much of it has gone.
    output: Vec<u8>,
    sent: usize,
    /// A file whose bytes follow the answer's head (`None` while a reader has it).
    #[cfg(feature = "files")]
    file: Option<stardust::fs::File>,
    /// A reader is reading the next piece of the file.
    #[cfg(feature = "files")]
    reading: bool,
    /// Which connection this is, among all this server had (slots are reused; a read that
    /// finishes after its connection closed must not reach the next one in the slot).
    #[cfg(feature = "files")]
    serial: u64,
    /// Close once the answer has gone (`Connection: close`, or an error answer).
    close_after: bool,
    /// When the first byte of the head being read came.
    head_started: Option<Instant>,
    /// The registered interest includes WRITABLE (an answer waits for room).
    wants_write: bool,
    /// When it is closed if nothing happens (ms since the server started).
    deadline: u64,
    /// When something last happened on it (ms), for choosing whom to shed.
    last_active: u64,
}

impl Connection {
    fn idle(&self) -> bool {
        self.input.is_empty() && self.sent == self.output.len() && !self.sending_file()
    }

    fn sending_file(&self) -> bool {
        #[cfg(feature = "files")]
        return self.file.is_some() || self.reading;
        #[cfg(not(feature = "files"))]
        false
    }
}

/// What a connection's turn ended with.
enum Next {
    /// Wait for its socket (reading, or writing when `true`).
    Wait(bool),
    /// Its answer goes on with the next piece of its file: a reader reads it.
    #[cfg(feature = "files")]
    ReadFile,
    Close,
}

struct Server {
    poll: Poll,
    listener: TcpListener,
    /// Connections by slot (their token); a new one takes the lowest free slot, so the table
    /// stays compact and shrinks after a crowd has left.
    connections: Vec<Option<Connection>>,
    /// No connection's deadline is before this (ms): the next sweep for expired ones.
    next_sweep: u64,
    site: Site,
    limit: usize,
    socket_limit: usize,
    started: Instant,
    scratch: Vec<u8>,
    head_limits: Limits,
    #[cfg(feature = "files")]
    readers: readers::Readers,
    /// The serial number of the next connection.
    #[cfg(feature = "files")]
    serials: u64,
}

impl Server {
    fn new(listener: TcpListener, site: Site, limit: usize, socket_limit: usize) -> stardust::io::Result<Server> {
        let poll = Poll::new()?;
        listener.set_nonblocking(true)?;
        poll.registry().register(&listener, LISTENER, Interest::READABLE)?;
        #[cfg(feature = "files")]
        let readers = readers::Readers::start(&stardust::net::Wakeup::new(poll.registry(), READ_DONE))?;
        Ok(Server {
            poll,
            listener,
            connections: Vec::new(),
            next_sweep: u64::MAX,
            site,
            limit,
            socket_limit,
            started: Instant::now(),
            scratch: vec![0; 4096],
            head_limits: Limits::default(),
            #[cfg(feature = "files")]
            readers,
            #[cfg(feature = "files")]
            serials: 0,
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn run(&mut self) -> ! {
        let mut events = Events::with_capacity(256);
        loop {
            let timeout = (self.next_sweep != u64::MAX)
                .then(|| Duration::from_millis(self.next_sweep.saturating_sub(self.now())));
            if let Err(error) = self.poll.poll(&mut events, timeout) {
                eprintln!("httpd: poll: {error}");
                stardust::thread::sleep(Duration::from_millis(10));
                continue;
            }
            for event in &events {
                if event.token() == LISTENER {
                    self.accept_all();
                } else if event.token() == READ_DONE {
                    #[cfg(feature = "files")]
                    self.take_reads();
                } else {
                    self.advance(event.token().0);
                }
            }
            if self.now() >= self.next_sweep {
                self.sweep();
            }
        }
    }

    /// Closes the connections whose deadlines have passed, and finds the next deadline.
    fn sweep(&mut self) {
        let now = self.now();
        let mut next = u64::MAX;
        for slot in 0..self.connections.len() {
            let Some(Some(connection)) = self.connections.get(slot) else { continue };
            if connection.deadline <= now {
                self.close(slot);
            } else {
                next = next.min(connection.deadline);
            }
        }
        self.next_sweep = next;
    }

    /// Takes every connection waiting on the listener.
    fn accept_all(&mut self) {
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                // A client that gave up between its handshake and our accept: nothing to say.
                Err(error) if matches!(error.kind(), ErrorKind::NotConnected | ErrorKind::ConnectionReset) => {
                    continue;
                }
                Err(error) => {
                    eprintln!("httpd: accept: {error}");
                    return;
                }
            };
            if !self.make_room() {
                // Every connection is busy answering: the new one is over the limit and goes.
                continue;
            }
            match self.adopt(stream) {
                // Its request has often come with the handshake's last segment.
                Ok(slot) => self.advance(slot),
                Err(error) => log_error(&error),
            }
        }
    }

    /// Sheds connections while there are too many, or the network is near its socket limit:
    /// the one idle longest first, then the one whose head has been coming longest.
    /// False if no connection could be shed to make room.
    fn make_room(&mut self) -> bool {
        loop {
            // The network's count (which takes its lock) matters only past half its limit:
            // below, connections closing in the background could not fill the rest.
            let open = self.site.open.get();
            let sockets = if 2 * open < self.socket_limit {
                0
            } else {
                stardust::net::socket_usage().map_or(0, |(used, _)| used)
            };
            if open < self.limit && sockets + SOCKET_HEADROOM < self.socket_limit {
                return true;
            }
            let oldest = |want_idle: bool| {
                self.connections
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, c)| c.as_ref().map(|c| (slot, c)))
                    .filter(|(_, c)| c.idle() == want_idle && (want_idle || c.head_started.is_some()))
                    .min_by_key(|(_, c)| c.last_active)
                    .map(|(slot, _)| slot)
            };
            match oldest(true).or_else(|| oldest(false)) {
                Some(slot) => self.close(slot),
                None => return false,
            }
        }
    }

    /// Takes a new connection in; its slot.
    fn adopt(&mut self, stream: TcpStream) -> stardust::io::Result<usize> {
        stream.set_nonblocking(true)?;
        stream.set_nodelay(true)?;
        let slot = self.connections.iter().position(Option::is_none).unwrap_or_else(|| {
            self.connections.push(None);
            self.connections.len() - 1
        });
        self.poll.registry().register(&stream, Token(slot), Interest::READABLE)?;
        let now = self.now();
        let deadline = now.saturating_add(millis(self.site.idle));
        self.connections[slot] = Some(Connection {
            stream,
            input: Vec::new(),
            output: Vec::new(),
            sent: 0,
            #[cfg(feature = "files")]
            file: None,
            #[cfg(feature = "files")]
            reading: false,
            #[cfg(feature = "files")]
            serial: self.serials,
            close_after: false,
            head_started: None,
            wants_write: false,
            deadline,
            last_active: now,
        });
        self.next_sweep = self.next_sweep.min(deadline);
        self.site.open.set(self.site.open.get() + 1);
        #[cfg(feature = "files")]
        {
            self.serials += 1;
        }
        Ok(slot)
    }

    fn close(&mut self, slot: usize) {
        if let Some(connection) = self.connections.get_mut(slot).and_then(Option::take) {
            drop(connection);
            // Free slots at the end go, and the table shrinks after a crowd has left.
            while self.connections.last().is_some_and(Option::is_none) {
                self.connections.pop();
            }
            if self.connections.capacity() > 2 * self.connections.len() + 16 {
                self.connections.shrink_to_fit();
            }
            self.site.open.set(self.site.open.get() - 1);
            // Dropping the stream closes the socket (and deregisters it).
        }
    }

    /// Runs connection `slot` as far as it can go without waiting.
    fn advance(&mut self, slot: usize) {
        let now = self.now();
        let Some(Some(connection)) = self.connections.get_mut(slot) else { return };
        let next = match converse(connection, &self.site, &self.head_limits, &mut self.scratch) {
            Ok(next) => next,
            Err(error) => {
                log_error(&error);
                Next::Close
            }
        };
        // Wait for the socket (writing too when `Some(true)`), or close (`None`).
        let wait = match next {
            Next::Close => None,
            Next::Wait(write) => Some(write),
            // The next piece of the file goes to a reader; its bytes come back by `take_reads`.
            #[cfg(feature = "files")]
            Next::ReadFile => {
                let file = connection.file.take();
                let buffer = core::mem::take(&mut connection.output);
                connection.sent = 0;
                let job = file.map(|file| readers::Job { slot, serial: connection.serial, file, buffer });
                match job.map(|job| self.readers.read(job)) {
                    Some(Ok(())) => {
                        connection.reading = true;
                        Some(false)
                    }
                    _ => {
                        eprintln!("httpd: the file readers are gone");
                        None
                    }
                }
            }
        };
        let Some(write) = wait else { return self.close(slot) };
        if write != connection.wants_write {
            let interest = if write { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
            if let Err(error) = self.poll.registry().reregister(&connection.stream, Token(slot), interest) {
                log_error(&error);
                self.close(slot);
                return;
            }
            connection.wants_write = write;
        }
        connection.last_active = now;
        connection.deadline = deadline(connection, &self.site, now);
        self.next_sweep = self.next_sweep.min(connection.deadline);
    }
}

#[cfg(feature = "files")]
impl Server {
    /// Hands finished reads to their connections and moves those on.
    fn take_reads(&mut self) {
        while let Some(done) = self.readers.finished() {
            let Some(Some(connection)) = self.connections.get_mut(done.slot) else { continue };
            if connection.serial != done.serial || !connection.reading {
                // Its connection closed meanwhile (and the slot may have a new one).
                continue;
            }
            connection.reading = false;
            match done.read {
                Ok(n) => {
                    connection.output = done.buffer;
                    connection.output.truncate(n);
                    connection.sent = 0;
                    // The end of the file: the answer is complete.
                    connection.file = (n > 0).then_some(done.file);
                    self.advance(done.slot);
                }
                Err(error) => {
                    log_error(&error);
                    self.close(done.slot);
                }
            }
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// When a waiting connection is closed if nothing happens: a client must start a request
/// within the idle time, finish its head within `HEAD_TIME` (and never pause longer than the
/// idle time in it), and take its answer (room for more of it) within twice the idle time.
fn deadline(connection: &Connection, site: &Site, now: u64) -> u64 {
    let idle = millis(site.idle);
    if connection.sent < connection.output.len() || connection.sending_file() {
        return now.saturating_add(idle.saturating_mul(2));
    }
    let mut deadline = now.saturating_add(idle);
    if let Some(started) = connection.head_started {
        let left = millis(HEAD_TIME.saturating_sub(started.elapsed()));
        deadline = deadline.min(now.saturating_add(left));
    }
    deadline
}

fn log_error(error: &stardust::io::Error) {
    // What clients do every day is not worth a line on the console.
    use ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, NotConnected, TimedOut};
    if !matches!(error.kind(), ConnectionReset | TimedOut | BrokenPipe | NotConnected | ConnectionAborted) {
        eprintln!("httpd: {error}");
    }
}

/// Moves one connection's conversation on: sends what is waiting, answers every complete
/// request buffered, reads what arrived, until it would have to wait (or the connection ends).
fn converse(c: &mut Connection, site: &Site, limits: &Limits, scratch: &mut [u8]) -> stardust::io::Result<Next> {
    loop {
        // 1. Send the answer in progress.
        while c.sent < c.output.len() {
            match (&c.stream).write(&c.output[c.sent..]) {
                Ok(n) => c.sent += n,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(Next::Wait(true)),
                Err(error) => return Err(error),
            }
        }
        #[cfg(feature = "files")]
        if c.reading {
            // A reader has the file; its bytes come back through `take_reads`.
            return Ok(Next::Wait(false));
        }
        #[cfg(feature = "files")]
        if c.file.is_some() {
            return Ok(Next::ReadFile);
        }
        c.output.clear();
        c.sent = 0;
        if c.close_after {
            return Ok(Next::Close);
        }
        // 2. Answer the next request if its head is all here.
        match httpd_http::parse(&c.input, limits) {
            Ok(Parsed::Complete(request)) => {
                let head_only = request.method == Method::Head;
                let keep_alive = request.keep_alive;
                let consumed = request.head_len;
                let body = respond(site, request.path, head_only, keep_alive, &mut c.output);
                c.input.drain(..consumed.min(c.input.len()));
                c.head_started = (!c.input.is_empty()).then(Instant::now);
                if c.input.is_empty() && c.input.capacity() > 1024 {
                    c.input = Vec::new();
                }
                match body {
                    Body::Written => {}
                    #[cfg(feature = "files")]
                    Body::File(file) => c.file = Some(file),
                }
                if !keep_alive {
                    // The answer and the FIN in one segment: the client closes last.
                    c.stream.set_cork(true)?;
                    c.close_after = true;
                }
                continue;
            }
            Ok(Parsed::Partial) => {}
            Err(status) => {
                httpd_http::error_response(&mut c.output, status, false, false);
                c.close_after = true;
                continue;
            }
        }
        // 3. Read more of the head.
        let room = limits.max_head.saturating_sub(c.input.len()).max(1).min(scratch.len());
        match (&c.stream).read(&mut scratch[..room]) {
            Ok(0) => return Ok(Next::Close),
            Ok(n) => {
                if c.input.is_empty() {
                    c.head_started = Some(Instant::now());
                }
                c.input.extend_from_slice(&scratch[..n]);
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(Next::Wait(false)),
            Err(error) => return Err(error),
        }
    }
}

/// Writes the response to a request for `path` into `out` (the head, and the body unless it
/// is a file's, which follows).
fn respond(site: &Site, path: &str, head_only: bool, keep_alive: bool, out: &mut Vec<u8>) -> Body {
    if site.status.as_deref() == Some(path) {
        let heap = stardust::heap::stats();
        let (sockets, limit) = stardust::net::socket_usage().unwrap_or((0, 0));
        let interrupts = match stardust::net::card_interrupts() {
            Some(count) => format!("{count}"),
            None => String::from("none (the card is polled)"),
        };
        let body = format!(
            "connections: {}\nsockets: {sockets} of {limit}\nheap in use: {} bytes\nheap free: {} bytes\ncard interrupts: {interrupts}\n",
            site.open.get(),
            heap.in_use,
            heap.free
        );
        httpd_http::write_head(out, Status::Ok200, "text/plain; charset=utf-8", body.len(), keep_alive);
        if !head_only {
            out.extend_from_slice(body.as_bytes());
        }
        return Body::Written;
    }
    let mut decoded = String::new();
    if let Err(status) = httpd_http::decode_path(path, &mut decoded) {
        httpd_http::error_response(out, status, head_only, false);
        return Body::Written;
    }
    #[cfg(feature = "files")]
    if let Some(body) = files::respond(&site.root, &decoded, head_only, keep_alive, out) {
        return body;
    }
    let _ = site;
    match decoded.as_str() {
        "/" | "/index.html" => {
            httpd_http::write_head(
                out,
                Status::Ok200,
                httpd_http::content_type("/index.html"),
                INDEX.len(),
                keep_alive,
            );
            if !head_only {
                out.extend_from_slice(INDEX);
            }
        }
        _ => httpd_http::error_response(out, Status::NotFound404, head_only, keep_alive),
    }
    Body::Written
}

#[cfg(feature = "files")]
mod readers {
    //! File reads off the event loop: a read from the disk waits for the device, and the loop
    //! must not. Jobs go to the readers through one queue; finished reads come back through
    //! another, and a [`Wakeup`] tells the loop.

    use stardust::fs::File;
    use stardust::io::Read;
    use stardust::net::Wakeup;
    use stardust::prelude::*;
    use stardust::sync::{Arc, Mutex, mpsc};

    /// Reader threads: one reads while the other's bytes are being sent.
    const READERS: usize = 2;
    /// Bytes read per job: what a connection sends before it needs the next piece.
    const PIECE: usize = 4096;
    /// A reader's stack (a FAT read goes deep).
    const STACK: usize = 32 * 1024;

    /// A read to do: the next piece of `file`, for connection `serial` in `slot`, into `buffer`.
    pub(super) struct Job {
        pub slot: usize,
        pub serial: u64,
        pub file: File,
        pub buffer: Vec<u8>,
    }

    /// A read done: the file and the buffer come back, with the bytes read or the failure.
    pub(super) struct Done {
        pub slot: usize,
        pub serial: u64,
        pub file: File,
        pub buffer: Vec<u8>,
        pub read: stardust::io::Result<usize>,
    }

    pub(super) struct Readers {
        jobs: mpsc::Sender<Job>,
        done: mpsc::Receiver<Done>,
    }

    impl Readers {
        /// Starts the readers; each finished read wakes `wakeup`.
        pub(super) fn start(wakeup: &Wakeup) -> stardust::io::Result<Readers> {
            let (jobs, queue) = mpsc::channel::<Job>();
            let queue = Arc::new(Mutex::new(queue));
            let (finished, done) = mpsc::channel();
            for k in 0..READERS {
                let (queue, finished, wakeup) = (Arc::clone(&queue), finished.clone(), wakeup.clone());
                stardust::thread::Builder::new()
                    .name(format!("httpd-reader-{k}"))
                    .stack_size(STACK)
                    .spawn(move || read_forever(&queue, &finished, &wakeup))
                    .map_err(|error| {
                        eprintln!("httpd: cannot start the file readers: {error}");
                        stardust::io::Error::new(stardust::io::ErrorKind::OutOfMemory, "no file readers")
                    })?;
            }
            Ok(Readers { jobs, done })
        }

        /// Hands `job` to a reader; `Err` if the readers are gone.
        pub(super) fn read(&self, job: Job) -> Result<(), ()> {
            self.jobs.send(job).map_err(|_| ())
        }

        /// A finished read, if one waits.
        pub(super) fn finished(&self) -> Option<Done> {
            self.done.try_recv().ok()
        }
    }

    fn read_forever(queue: &Mutex<mpsc::Receiver<Job>>, finished: &mpsc::Sender<Done>, wakeup: &Wakeup) {
        loop {
            let job = queue.lock().unwrap_or_else(stardust::sync::PoisonError::into_inner).recv();
            let Ok(Job { slot, serial, mut file, mut buffer }) = job else { return };
            buffer.resize(PIECE, 0);
            let read = file.read(&mut buffer);
            if finished.send(Done { slot, serial, file, buffer, read }).is_err() {
                return;
            }
            let _ = wakeup.wake();
        }
    }
}

#[cfg(feature = "files")]
mod files {
    use super::Body;
    use httpd_http::Status;
    use stardust::prelude::*;

    /// The response for `path` (decoded, checked: absolute, no `..`) under `root`: a file, a
    /// folder's `index.html`, or `None` to fall back to the embedded page and 404s.
    pub(super) fn respond(
        root: &str,
        path: &str,
        head_only: bool,
        keep_alive: bool,
        out: &mut Vec<u8>,
    ) -> Option<Body> {
        let mut full = format!("{root}{path}");
        let mut metadata = stardust::fs::metadata(&full).ok()?;
        if metadata.is_dir() {
            if !full.ends_with('/') {
                full.push('/');
            }
            full.push_str("index.html");
            metadata = stardust::fs::metadata(&full).ok().filter(|m| m.is_file())?;
        }
        let Ok(file) = stardust::fs::File::open(&full) else {
            httpd_http::error_response(out, Status::InternalError500, head_only, keep_alive);
            return Some(Body::Written);
        };
        let length = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
        httpd_http::write_head(out, Status::Ok200, httpd_http::content_type(&full), length, keep_alive);
        Some(if head_only { Body::Written } else { Body::File(file) })
    }
}
