//! A Rust network program on tokio's current-thread runtime (mio, epoll and eventfd underneath),
//! run natively and in Stardust's posix-net profile by the same test as tests/programs/sockets.c
//! and rust-net, with the same output.
//!
//!   rust-tokio PORT ECHO_HOST ECHO_PORT CLOSED_PORT
//!
//! On one thread: connects to the line echo server at ECHO_HOST:ECHO_PORT (under a timeout), is
//! refused at CLOSED_PORT, sleeps on tokio's timer and lets a timeout expire, talks to itself
//! over 127.0.0.1 with two tasks, then serves three TCP connections (each a task, read to its
//! end and answered "echo: ...") and one UDP datagram ("pong: ...") at once, printing what it
//! served in order. Exit status: the connections served. Nothing printed depends on timing or
//! addresses.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [port, echo_host, echo_port, closed_port] = arguments.as_slice() else {
        eprintln!("usage: rust-tokio PORT ECHO_HOST ECHO_PORT CLOSED_PORT");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("a port");
    let echo: SocketAddr = format!("{echo_host}:{echo_port}").parse().expect("an echo address");
    let closed: SocketAddr = format!("{echo_host}:{closed_port}").parse().expect("a closed address");

    // Out.
    let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(echo))
        .await
        .expect("the echo server in time")
        .expect("the echo server");
    stream.set_nodelay(true).unwrap();
    let (reader, mut writer) = stream.into_split();
    writer.write_all(b"ping from tokio\n").await.unwrap();
    let mut line = String::new();
    BufReader::new(reader).read_line(&mut line).await.unwrap();
    print!("echoed: {line}");
    match TcpStream::connect(closed).await {
        Ok(_) => println!("the closed port answered"),
        Err(error) => println!("closed port: {:?}", error.kind()),
    }

    // Timers.
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    println!("slept at least 20 ms: {}", start.elapsed() >= Duration::from_millis(20));
    let private = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("a listener on 127.0.0.1");
    let nobody = tokio::time::timeout(Duration::from_millis(30), private.accept()).await;
    println!("accept with nobody calling timed out: {}", nobody.is_err());

    // To itself, two tasks on one thread.
    let address = private.local_addr().unwrap();
    let caller = tokio::spawn(async move {
        let mut stream = TcpStream::connect(address).await.expect("a connection to itself");
        stream.write_all(b"hello me").await.unwrap();
        stream.shutdown().await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    });
    let (mut inside, peer) = private.accept().await.expect("the connection from itself");
    let mut text = String::new();
    inside.read_to_string(&mut text).await.unwrap();
    inside.write_all(format!("echo: {text}").as_bytes()).await.unwrap();
    drop(inside);
    println!("loopback: {} (from 127.0.0.1: {})", caller.await.unwrap(), peer.ip() == Ipv4Addr::LOCALHOST);

    // In: every connection a task, the datagram another.
    let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).await.expect("the listener");
    let udp = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).await.expect("the UDP socket");
    let pong = tokio::spawn(async move {
        let mut datagram = [0u8; 128];
        let (n, from) = udp.recv_from(&mut datagram).await.expect("a datagram");
        let text = String::from_utf8_lossy(&datagram[..n]).into_owned();
        udp.send_to(format!("pong: {text}").as_bytes(), from).await.expect("the answer");
        text
    });
    println!("sockets: ready");
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let (mut stream, _) = listener.accept().await.expect("a connection");
        tasks.push(tokio::spawn(async move {
            let mut text = String::new();
            stream.read_to_string(&mut text).await.expect("the request");
            stream.write_all(format!("echo: {text}").as_bytes()).await.expect("the answer");
            text
        }));
    }
    let mut served = 0;
    for task in tasks {
        served += 1;
        print!("tcp {served}: {}", task.await.unwrap());
    }
    println!("udp: {}", pong.await.unwrap());
    std::process::exit(served);
}
