//! udpecho: sends every UDP datagram back to where it came from (RFC 862's echo, on any port).
//!
//! `udpecho [--port N]` (default 7); exit codes: 1 the port cannot be bound, 2 usage.

#![no_std]
#![forbid(unsafe_code)]

use stardust::net::{Ipv4Addr, UdpSocket};
use stardust::prelude::*;

const USAGE: &str = "usage: udpecho [--port N]
  --port N   UDP port to echo on (default 7)";

pub fn main() -> i32 {
    let words: Vec<String> = stardust::env::args().skip(1).collect();
    let port = match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => 7,
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return 0;
        }
        ["--port", port] => match port.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => {
                eprintln!("udpecho: --port takes a number 1..=65535\n{USAGE}");
                return 2;
            }
        },
        _ => {
            eprintln!("udpecho: bad arguments\n{USAGE}");
            return 2;
        }
    };
    let socket = match UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)) {
        Ok(socket) => socket,
        Err(error) => {
            eprintln!("udpecho: cannot bind port {port}: {error}");
            return 1;
        }
    };
    match stardust::net::wait_for_address(stardust::time::Duration::from_secs(30)) {
        Ok((address, _)) => println!("udpecho: echoing on {address}:{port}"),
        Err(error) => println!("udpecho: echoing on port {port} ({error})"),
    }
    // An answer that cannot leave within a second (its sender's address never answers ARP)
    // is dropped rather than holding every later one.
    let _ = socket.set_write_timeout(Some(stardust::time::Duration::from_secs(1)));
    let mut buffer = vec![0u8; 2048];
    loop {
        match socket.recv_from(&mut buffer) {
            Ok((n, from)) => match socket.send_to(&buffer[..n], from) {
                Ok(_) => {}
                Err(error) => eprintln!("udpecho: to {from}: {error}"),
            },
            Err(error) => eprintln!("udpecho: {error}"),
        }
    }
}
