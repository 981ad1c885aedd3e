//! httpd: an HTTP/1.1 server for Stardust. GET and HEAD of an embedded page (`/` and
//! `/index.html`), keep-alive, 400/404/405/413/414/431/501/505 from the parser's verdicts, and
//! a fixed pool of worker threads that each accept a connection and serve it to its end.
//!
//! `httpd [--port N] [--workers N] [--idle SECONDS]`; exit codes: 0 never (it serves until the
//! VM is stopped), 1 the port cannot be listened on, 2 usage.

#![no_std]
#![forbid(unsafe_code)]

use httpd_http::{Limits, Method, Parsed, Status};
use stardust::io::{Read, Write};
use stardust::net::{Ipv4Addr, TcpListener, TcpStream};
use stardust::prelude::*;
use stardust::sync::Arc;
use stardust::time::Duration;

/// The page served at `/`: 612 bytes, the size the benchmarks ask for.
const INDEX: &[u8] = include_bytes!("index.html");

const USAGE: &str = "usage: httpd [--port N] [--workers N] [--idle SECONDS]
  --port N        TCP port to listen on (default 80)
  --workers N     connections served at once, one thread each (default 16, 1..=64)
  --idle SECONDS  close a connection that sends nothing for this long (default 5)
Serves an embedded page at / and /index.html (GET and HEAD, HTTP/1.0 and 1.1, keep-alive).";

struct Options {
    port: u16,
    workers: usize,
    idle: Duration,
}

fn options(words: &[String]) -> Result<Options, String> {
    let mut options = Options { port: 80, workers: 16, idle: Duration::from_secs(5) };
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
    for worker in 1..options.workers {
        let listener = Arc::clone(&listener);
        let idle = options.idle;
        let spawned = stardust::thread::Builder::new()
            .name(format!("worker{worker}"))
            .stack_size(16 * 1024)
            .spawn(move || serve(&listener, idle));
        if let Err(error) = spawned {
            eprintln!("httpd: only {worker} workers: {error}");
            break;
        }
    }
    serve(&listener, options.idle)
}

/// A worker's life: accept a connection, serve it to its end, again.
fn serve(listener: &TcpListener, idle: Duration) -> ! {
    let mut buffer = Vec::with_capacity(httpd_http::DEFAULT_MAX_HEAD);
    let mut out = Vec::with_capacity(1024);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                buffer.clear();
                if let Err(error) = connection(&stream, idle, &mut buffer, &mut out) {
                    log_error(error);
                }
            }
            Err(error) => {
                eprintln!("httpd: accept: {error}");
                stardust::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn log_error(error: stardust::io::Error) {
    use stardust::io::ErrorKind::*;
    // What clients do every day is not worth a line on the console.
    if !matches!(error.kind(), ConnectionReset | TimedOut | BrokenPipe | NotConnected | ConnectionAborted) {
        eprintln!("httpd: {error}");
    }
}

/// Serves one connection: requests until the client closes, asks to close, goes quiet for
/// `idle`, or sends something the parser refuses (answered, then closed).
fn connection(stream: &TcpStream, idle: Duration, buffer: &mut Vec<u8>, out: &mut Vec<u8>) -> stardust::io::Result<()> {
    let limits = Limits::default();
    stream.set_read_timeout(Some(idle))?;
    stream.set_nodelay(true)?;
    let mut reader = stream;
    let mut chunk = [0u8; 1024];
    loop {
        // Parse what is buffered; read more only when a whole head is not there yet.
        let (keep_alive, consumed) = match httpd_http::parse(buffer, &limits) {
            Ok(Parsed::Complete(request)) => {
                out.clear();
                let head_only = request.method == Method::Head;
                let keep_alive = request.keep_alive;
                respond(request.path, head_only, keep_alive, out);
                (keep_alive, request.head_len)
            }
            Ok(Parsed::Partial) => {
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
        (&*stream).write_all(out)?;
        buffer.drain(..consumed.min(buffer.len()));
        if !keep_alive {
            return Ok(());
        }
    }
}

/// Writes the whole response to a request for `path` into `out`.
fn respond(path: &str, head_only: bool, keep_alive: bool, out: &mut Vec<u8>) {
    let mut decoded = String::new();
    if let Err(status) = httpd_http::decode_path(path, &mut decoded) {
        httpd_http::error_response(out, status, head_only, false);
        return;
    }
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
}
