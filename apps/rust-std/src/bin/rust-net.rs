//! An ordinary Rust std network program (std::net, threads), run natively and in Stardust's
//! posix-net profile by the same test as tests/programs/sockets.c, with the same output.
//!
//!   rust-net PORT ECHO_HOST ECHO_PORT CLOSED_PORT
//!
//! Connects to the line echo server at ECHO_HOST:ECHO_PORT (with a timeout), is refused at
//! CLOSED_PORT, talks to itself over 127.0.0.1 (TCP and UDP), then serves three TCP connections (each read to its end and answered
//! "echo: ...") and one UDP datagram ("pong: ..."), printing what it served in order. Exit
//! status: the connections served. Nothing printed depends on timing or addresses.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [port, echo_host, echo_port, closed_port] = arguments.as_slice() else {
        eprintln!("usage: rust-net PORT ECHO_HOST ECHO_PORT CLOSED_PORT");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("a port");
    let echo: SocketAddr = format!("{echo_host}:{echo_port}").parse().expect("an echo address");
    let closed: SocketAddr = format!("{echo_host}:{closed_port}").parse().expect("a closed address");

    // Out.
    let mut stream = TcpStream::connect_timeout(&echo, Duration::from_secs(10)).expect("the echo server");
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    println!("nodelay: {}", stream.nodelay().unwrap());
    stream.write_all(b"ping from std\n").unwrap();
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).unwrap();
    print!("echoed: {line}");
    match TcpStream::connect(closed) {
        Ok(_) => println!("the closed port answered"),
        Err(error) => println!("closed port: {:?}", error.kind()),
    }

    // To itself, on the loopback.
    let private = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a listener on 127.0.0.1");
    let address = private.local_addr().unwrap();
    println!("listening on 127.0.0.1: {}", address.ip() == Ipv4Addr::LOCALHOST);
    let caller = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(address).expect("a connection to itself");
        let local = stream.local_addr().unwrap();
        stream.write_all(b"hello me").unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        (local, answer)
    });
    let (mut inside, peer) = private.accept().expect("the connection from itself");
    let mut text = String::new();
    inside.read_to_string(&mut text).unwrap();
    inside.write_all(format!("echo: {text}").as_bytes()).unwrap();
    drop(inside);
    let (local, answer) = caller.join().unwrap();
    println!("loopback: {answer} (the peer is the caller: {})", peer == local);
    let one = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let two = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    one.send_to(b"note to self", two.local_addr().unwrap()).unwrap();
    let mut note = [0u8; 32];
    let (n, from) = two.recv_from(&mut note).unwrap();
    println!(
        "udp to itself: {} (from the sender: {})",
        String::from_utf8_lossy(&note[..n]),
        from == one.local_addr().unwrap()
    );
    println!("bind 192.0.2.1: {:?}", TcpListener::bind("192.0.2.1:0").map(|_| ()).map_err(|e| e.kind()));

    // In.
    let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).expect("the listener");
    println!("listening on the port asked: {}", listener.local_addr().unwrap().port() == port);
    listener.set_nonblocking(true).unwrap();
    println!("accept with nobody waiting: {:?}", listener.accept().map(|_| ()).map_err(|e| e.kind()));
    listener.set_nonblocking(false).unwrap();
    let udp = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).expect("the UDP socket");
    udp.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut datagram = [0u8; 128];
    println!(
        "recv_from with nothing there: {:?}",
        udp.recv_from(&mut datagram)
            .map(|_| ())
            .map_err(|e| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
    );
    udp.set_read_timeout(None).unwrap();
    let pong = std::thread::spawn(move || {
        let (n, from) = udp.recv_from(&mut datagram).expect("a datagram");
        let text = String::from_utf8_lossy(&datagram[..n]).into_owned();
        udp.send_to(format!("pong: {text}").as_bytes(), from).expect("the answer");
        text
    });
    println!("sockets: ready");
    let mut served = 0;
    for stream in listener.incoming().take(3) {
        let mut stream = stream.expect("a connection");
        let worker = std::thread::spawn(move || {
            let mut text = String::new();
            stream.read_to_string(&mut text).expect("the request");
            stream.write_all(format!("echo: {text}").as_bytes()).expect("the answer");
            text
        });
        served += 1;
        print!("tcp {served}: {}", worker.join().unwrap());
    }
    println!("udp: {}", pong.join().unwrap());
    std::process::exit(served);
}
