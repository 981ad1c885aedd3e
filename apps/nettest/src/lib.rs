//! nettest: checks `stardust::net` against servers on the host, through QEMU's user network
//! (the host's loopback is 10.0.2.2 from inside). Prints `nettest: ok NAME` for each check that
//! passes, `nettest: FAILED NAME: why` otherwise.
//!
//! `nettest TCP_ECHO_PORT CLOSED_PORT UDP_ECHO_PORT`: ports on the host of a TCP echo server,
//! of nothing, and of a UDP echo server. Exit codes: 0 all passed, 1 a check failed, 2 usage.

#![no_std]
#![forbid(unsafe_code)]

use stardust::io::{ErrorKind, Read, Write};
use stardust::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use stardust::prelude::*;
use stardust::time::{Duration, Instant};

const HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);

fn check(failures: &mut u32, name: &str, result: Result<(), String>) {
    match result {
        Ok(()) => println!("nettest: ok {name}"),
        Err(why) => {
            println!("nettest: FAILED {name}: {why}");
            *failures += 1;
        }
    }
}

fn expect_kind<T>(result: stardust::io::Result<T>, kind: ErrorKind) -> Result<(), String> {
    match result {
        Err(error) if error.kind() == kind => Ok(()),
        Err(error) => Err(format!("got {:?} ({error}), wanted {kind:?}", error.kind())),
        Ok(_) => Err(format!("succeeded, wanted {kind:?}")),
    }
}

fn text(error: stardust::io::Error) -> String {
    format!("{error}")
}

pub fn main() -> i32 {
    let words: Vec<String> = stardust::env::args().skip(1).collect();
    let ports: Vec<u16> = words.iter().filter_map(|w| w.parse().ok()).collect();
    let [echo, closed, udp_echo] = ports[..] else {
        eprintln!("usage: nettest TCP_ECHO_PORT CLOSED_PORT UDP_ECHO_PORT");
        return 2;
    };
    if let Err(error) = stardust::net::wait_for_address(Duration::from_secs(10)) {
        eprintln!("nettest: {error}");
        return 1;
    }
    let mut failures = 0;

    check(&mut failures, "address-in-use", {
        match TcpListener::bind((Ipv4Addr::UNSPECIFIED, 5000)) {
            Ok(first) => {
                let again = expect_kind(TcpListener::bind((Ipv4Addr::UNSPECIFIED, 5000)), ErrorKind::AddrInUse);
                let port = first.local_addr().map(|a| a.port());
                again.and(if port.ok() == Some(5000) { Ok(()) } else { Err(format!("local_addr {port:?}")) })
            }
            Err(error) => Err(text(error)),
        }
    });

    check(&mut failures, "refused", expect_kind(TcpStream::connect((HOST, closed)), ErrorKind::ConnectionRefused));

    check(
        &mut failures,
        "echo",
        (|| {
            let mut stream = TcpStream::connect((HOST, echo)).map_err(text)?;
            stream.set_nodelay(true).map_err(text)?;
            if !stream.nodelay().map_err(text)? {
                return Err("nodelay did not stick".into());
            }
            if stream.peer_addr().map_err(text)? != SocketAddr::from((HOST, echo)) {
                return Err("peer_addr".into());
            }
            let message: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
            stream.write_all(&message).map_err(text)?;
            let mut back = vec![0u8; message.len()];
            stream.read_exact(&mut back).map_err(text)?;
            if back == message { Ok(()) } else { Err("the echo differs".into()) }
        })(),
    );

    check(
        &mut failures,
        "read-timeout",
        (|| {
            let mut stream = TcpStream::connect((HOST, echo)).map_err(text)?;
            expect_kind(stream.set_read_timeout(Some(Duration::ZERO)), ErrorKind::InvalidInput)?;
            stream.set_read_timeout(Some(Duration::from_millis(300))).map_err(text)?;
            let start = Instant::now();
            expect_kind(stream.read(&mut [0u8; 16]), ErrorKind::TimedOut)?;
            let waited = start.elapsed();
            if waited < Duration::from_millis(300) { Err(format!("gave up after {waited:?}")) } else { Ok(()) }
        })(),
    );

    check(
        &mut failures,
        "shutdown",
        (|| {
            let mut stream = TcpStream::connect((HOST, echo)).map_err(text)?;
            stream.write_all(b"last words").map_err(text)?;
            stream.shutdown(Shutdown::Write).map_err(text)?;
            expect_kind(stream.write(b"more"), ErrorKind::BrokenPipe)?;
            let mut back = Vec::new();
            let mut chunk = [0u8; 64];
            loop {
                let n = stream.read(&mut chunk).map_err(text)?;
                if n == 0 {
                    break;
                }
                back.extend_from_slice(&chunk[..n]);
            }
            if back == b"last words" { Ok(()) } else { Err(format!("read back {back:?}")) }
        })(),
    );

    check(&mut failures, "connect-timeout", {
        // An address on the VM's network that nobody answers ARP for.
        let nobody = SocketAddr::from((Ipv4Addr::new(10, 0, 2, 77), 80));
        let start = Instant::now();
        let result = expect_kind(TcpStream::connect_timeout(&nobody, Duration::from_millis(300)), ErrorKind::TimedOut);
        result.and(if start.elapsed() >= Duration::from_millis(300) { Ok(()) } else { Err("too early".into()) })
    });

    check(
        &mut failures,
        "udp",
        (|| {
            let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).map_err(text)?;
            socket.set_read_timeout(Some(Duration::from_millis(500))).map_err(text)?;
            expect_kind(socket.send_to(&[0u8; 2000], (HOST, udp_echo)), ErrorKind::InvalidInput)?;
            let mut buffer = [0u8; 1500];
            for _ in 0..10 {
                socket.send_to(b"datagram", (HOST, udp_echo)).map_err(text)?;
                match socket.recv_from(&mut buffer) {
                    Ok((n, from)) => {
                        return if &buffer[..n] == b"datagram" && from == SocketAddr::from((HOST, udp_echo)) {
                            Ok(())
                        } else {
                            Err(format!("got {n} bytes from {from}"))
                        };
                    }
                    Err(error) if error.kind() == ErrorKind::TimedOut => {}
                    Err(error) => return Err(text(error)),
                }
            }
            Err("no echo in 10 tries".into())
        })(),
    );

    if failures == 0 {
        println!("nettest: all passed");
        0
    } else {
        1
    }
}
