//! httpd: an HTTP/1.1 server for Stardust. GET and HEAD of an embedded page (`/` and
//! `/index.html`), keep-alive, 400/404/405/413/414/431/501/505 from the parser's verdicts, and
//! a fixed pool of worker threads that each accept a connection and serve it to its end. Built
//! with feature `files` (profile `web`), it serves the files under `--root` (default `/data`),
//! a folder's `index.html` for the folder, and the embedded page for `/` when the root has no
//! `index.html`.
//!
//! `httpd [--port N] [--workers N] [--idle SECONDS] [--root DIR]`; exit codes: 0 never (it
//! serves until the VM is stopped), 1 the port cannot be listened on, 2 usage.

#![no_std]
#![forbid(unsafe_code)]

use httpd_http::{Limits, Method, Parsed, Status};
use stardust::io::{ErrorKind, Read, Write};
use stardust::net::{Ipv4Addr, TcpListener, TcpStream};
use stardust::prelude::*;
use stardust::sync::Arc;
use stardust::time::Duration;

/// The longest a client may take to send one request head.
const HEAD_TIME: Duration = Duration::from_secs(10);

/// The page served at `/`: 612 bytes, the size the benchmarks ask for.
const INDEX: &[u8] = include_bytes!("index.html");

#[cfg(not(feature = "files"))]
const USAGE: &str = "usage: httpd [--port N] [--workers N] [--idle SECONDS]
  --port N        TCP port to listen on (default 80)
  --workers N     connections served at once, one thread each (default 16, 1..=64)
  --idle SECONDS  close a connection that sends nothing for this long (default 5)
Serves an embedded page at / and /index.html (GET and HEAD, HTTP/1.0 and 1.1, keep-alive).";
#[cfg(feature = "files")]
const USAGE: &str = "usage: httpd [--port N] [--workers N] [--idle SECONDS] [--root DIR]
  --port N        TCP port to listen on (default 80)
  --workers N     connections served at once, one thread each (default 16, 1..=64)
  --idle SECONDS  close a connection that sends nothing for this long (default 5)
  --root DIR      serve the files under DIR (default /data; a folder gives its index.html)
Serves files (GET and HEAD, HTTP/1.0 and 1.1, keep-alive); / without an index.html under the
root gives the embedded page.";

struct Options {
    port: u16,
    workers: usize,
    idle: Duration,
    #[cfg(feature = "files")]
    root: String,
}

fn options(words: &[String]) -> Result<Options, String> {
    let mut options = Options {
        port: 80,
        workers: 16,
        idle: Duration::from_secs(5),
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
            "--workers" => {
                options.workers = value("--workers")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or("--workers takes a number 1..=64")?
            }
            "--idle" => {
                options.idle = Duration::from_secs(
                    value("--idle")?.parse().ok().filter(|&s| s > 0).ok_or("--idle takes a number of seconds > 0")?,
                )
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
        println!("{USAGE}");
        return 0;
    }
    let options = match options(&words) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("httpd: {message}\n{USAGE}");
            return 2;
        }
    };
    let listener = match TcpListener::bind((Ipv4Addr::UNSPECIFIED, options.port)) {
        Ok(listener) => Arc::new(listener),
        Err(error) => {
            eprintln!("httpd: cannot listen on port {}: {error}", options.port);
            return 1;
        }
    };
    match stardust::net::wait_for_address(Duration::from_secs(30)) {
        Ok((address, _)) => {
            println!("httpd: serving http://{address}:{}/ with {} workers", options.port, options.workers)
        }
        Err(error) => println!("httpd: listening on port {} ({error})", options.port),
    }
    let site = Arc::new(Site {
        idle: options.idle,
        #[cfg(feature = "files")]
        root: options.root.clone(),
    });
    for worker in 1..options.workers {
        let listener = Arc::clone(&listener);
        let site = Arc::clone(&site);
        let spawned = stardust::thread::Builder::new()
            .name(format!("worker{worker}"))
            .stack_size(16 * 1024)
            .spawn(move || serve(&listener, &site));
        if let Err(error) = spawned {
            eprintln!("httpd: only {worker} workers: {error}");
            break;
        }
    }
    serve(&listener, &site)
}

/// What every worker needs to know.
struct Site {
    idle: Duration,
    #[cfg(feature = "files")]
    root: String,
}

/// What follows a response's head: nothing more (it is all in the buffer), or a file's bytes.
enum Body {
    Written,
    #[cfg(feature = "files")]
    File(stardust::fs::File),
}

/// A worker's life: accept a connection, serve it to its end, again.
fn serve(listener: &TcpListener, site: &Site) -> ! {
    let mut buffer = Vec::with_capacity(httpd_http::DEFAULT_MAX_HEAD);
    let mut out = Vec::with_capacity(1024);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                buffer.clear();
                if let Err(error) = connection(&stream, site, &mut buffer, &mut out) {
                    log_error(error);
                }
            }
            // A client that gave up between its handshake and our accept: nothing to say.
            Err(error) if matches!(error.kind(), ErrorKind::NotConnected | ErrorKind::ConnectionReset) => {}
            Err(error) => {
                eprintln!("httpd: accept: {error}");
                stardust::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn log_error(error: stardust::io::Error) {
    // What clients do every day is not worth a line on the console.
    use ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, NotConnected, TimedOut};
    if !matches!(error.kind(), ConnectionReset | TimedOut | BrokenPipe | NotConnected | ConnectionAborted) {
        eprintln!("httpd: {error}");
    }
}

/// Serves one connection: requests until the client closes, asks to close, goes quiet for
/// `idle`, or sends something the parser refuses (answered, then closed).
fn connection(stream: &TcpStream, site: &Site, buffer: &mut Vec<u8>, out: &mut Vec<u8>) -> stardust::io::Result<()> {
    let limits = Limits::default();
    stream.set_read_timeout(Some(site.idle))?;
    // A client that does not read its answers (a full window) is dropped, as is one that
    // trickles a request head in (a byte every few seconds would hold a worker for hours).
    stream.set_write_timeout(Some(site.idle * 2))?;
    let mut head_started: Option<stardust::time::Instant> = None;
    stream.set_nodelay(true)?;
    let mut reader = stream;
    let mut chunk = [0u8; 1024];
    loop {
        // Parse what is buffered; read more only when a whole head is not there yet.
        let (keep_alive, consumed, body) = match httpd_http::parse(buffer, &limits) {
            Ok(Parsed::Complete(request)) => {
                out.clear();
                let head_only = request.method == Method::Head;
                let keep_alive = request.keep_alive;
                let body = respond(site, request.path, head_only, keep_alive, out);
                (keep_alive, request.head_len, body)
            }
            Ok(Parsed::Partial) => {
                if !buffer.is_empty() {
                    let started = *head_started.get_or_insert_with(stardust::time::Instant::now);
                    let left = HEAD_TIME.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Ok(());
                    }
                    stream.set_read_timeout(Some(left.min(site.idle)))?;
                }
                // A client that goes quiet (between requests or halfway through one) is
                // closed: the read times out.
                let n = reader.read(&mut chunk)?;
                if n == 0 {
                    return Ok(());
                }
                buffer.extend_from_slice(&chunk[..n]);
                continue;
            }
            Err(status) => {
                out.clear();
                httpd_http::error_response(out, status, false, false);
                (&*stream).write_all(out)?;
                return Ok(());
            }
        };
        if !keep_alive {
            // The answer and the FIN in one segment: the client closes last.
            stream.set_cork(true)?;
        }
        (&*stream).write_all(out)?;
        match body {
            Body::Written => {}
            #[cfg(feature = "files")]
            Body::File(file) => send_file(stream, file, out)?,
        }
        buffer.drain(..consumed.min(buffer.len()));
        head_started = None;
        stream.set_read_timeout(Some(site.idle))?;
        if !keep_alive {
            return Ok(());
        }
    }
}

/// Writes the response to a request for `path` into `out` (the head, and the body unless it
/// is a file's, which follows).
fn respond(site: &Site, path: &str, head_only: bool, keep_alive: bool, out: &mut Vec<u8>) -> Body {
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

/// Sends a file's bytes after its head.
#[cfg(feature = "files")]
fn send_file(stream: &TcpStream, mut file: stardust::fs::File, chunk: &mut Vec<u8>) -> stardust::io::Result<()> {
    chunk.resize(4096, 0);
    loop {
        let n = file.read(chunk)?;
        if n == 0 {
            return Ok(());
        }
        (&*stream).write_all(&chunk[..n])?;
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
