//! Two stacks joined by a wire (the api's fake), talking TCP and UDP to each other and to themselves.

use super::*;
use stardust_api::fakes::{WireNic, wire};

const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

struct Net {
    server: Stack<WireNic>,
    client: Stack<WireNic>,
    now: u64,
}

fn fixed(address: Ipv4Addr) -> Ipv4Config {
    Ipv4Config::Static { address, prefix: 24, gateway: None }
}

fn net_with(limits: Limits) -> Net {
    let (a, b) = wire([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    Net {
        server: Stack::new(a, fixed(SERVER), limits, 1, 0),
        client: Stack::new(b, fixed(CLIENT), limits, 2, 0),
        now: 0,
    }
}

/// `port` on any of the machine's addresses.
fn any(port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)
}

fn net() -> Net {
    net_with(Limits::default())
}

impl Net {
    /// Polls both sides until neither has anything to do, with time standing still.
    fn settle(&mut self) {
        for _ in 0..1000 {
            let a = self.server.poll(self.now);
            let b = self.client.poll(self.now);
            if !a && !b {
                return;
            }
        }
        panic!("the stacks never settled");
    }

    /// Lets `ms` milliseconds pass, polling every 10.
    fn wait(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 10;
            self.settle();
        }
    }

    /// A connection from the client to the server's `port`, accepted: (client side, server side).
    fn connect(&mut self, listener: SocketId, port: u16) -> (SocketId, SocketId) {
        let client = self.client.tcp_connect(SocketAddrV4::new(SERVER, port)).unwrap();
        self.settle();
        assert_eq!(self.client.tcp_connected(client), Ok(true));
        let server = self.server.tcp_accept(listener).unwrap().expect("a connection waits");
        (client, server)
    }
}

fn read_all(stack: &mut Stack<WireNic>, id: SocketId) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buffer = [0u8; 700];
    while let Some(n) = stack.tcp_recv(id, &mut buffer).unwrap() {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buffer[..n]);
    }
    out
}

#[test]
fn bytes_cross_both_ways_and_a_shutdown_ends_the_stream() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    assert_eq!(net.server.local_addr(listener), Ok(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 80)));
    let (client, server) = net.connect(listener, 80);
    assert_eq!(net.server.peer_addr(server).map(|a| *a.ip()), Ok(CLIENT));
    assert_eq!(net.client.peer_addr(client), Ok(SocketAddrV4::new(SERVER, 80)));
    assert_eq!(net.server.tcp_recv(server, &mut [0; 10]), Ok(None), "nothing sent yet");

    let request: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    let mut sent = 0;
    let mut received = Vec::new();
    while received.len() < request.len() {
        if let Some(n) = net.client.tcp_send(client, &request[sent..]).unwrap() {
            sent += n;
        }
        net.settle();
        received.extend(read_all(&mut net.server, server));
    }
    assert_eq!(received, request);
    assert_eq!(net.server.tcp_send(server, b"answer"), Ok(Some(6)));
    assert!(net.server.sending(), "bytes the client has not acknowledged");
    net.server.tcp_shutdown(server, false, true).unwrap();
    assert_eq!(net.server.tcp_send(server, b"more"), Err(NetError::BrokenPipe));
    net.settle();
    let mut buffer = [0u8; 64];
    assert_eq!(net.client.tcp_recv(client, &mut buffer), Ok(Some(6)));
    assert_eq!(&buffer[..6], b"answer");
    assert_eq!(net.client.tcp_recv(client, &mut buffer), Ok(Some(0)), "end of stream after the FIN");
    // The half-closed connection still carries the client's bytes.
    assert_eq!(net.client.tcp_send(client, b"late"), Ok(Some(4)));
    net.settle();
    assert_eq!(read_all(&mut net.server, server), b"late");
    net.client.close(client).unwrap();
    net.server.close(server).unwrap();
    net.settle();
    net.wait(100);
    assert!(!net.server.sending() && !net.client.sending(), "everything was acknowledged");
    assert_eq!(net.client.socket_count(), 0, "closed connections are freed");
    assert_eq!(net.server.socket_count(), LISTENING, "only the listener's pool is left");
    assert_eq!(net.server.tcp_recv(server, &mut buffer), Err(NetError::BadSocket));
}

#[test]
fn nothing_listening_is_refused_and_a_reset_is_reported() {
    let mut net = net();
    let client = net.client.tcp_connect(SocketAddrV4::new(SERVER, 81)).unwrap();
    assert_eq!(net.client.tcp_connected(client), Ok(false));
    net.settle();
    assert_eq!(net.client.tcp_connected(client), Err(NetError::ConnectionRefused));
    assert_eq!(net.client.tcp_recv(client, &mut [0; 4]), Err(NetError::ConnectionRefused));

    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let (client, server) = net.connect(listener, 80);
    let handle = net.client.tcp_handle(client).unwrap();
    net.client.sockets.get_mut::<tcp::Socket>(handle).abort();
    net.settle();
    assert_eq!(net.server.tcp_recv(server, &mut [0; 4]), Err(NetError::ConnectionReset));
    assert_eq!(net.server.tcp_send(server, b"x"), Err(NetError::ConnectionReset));
}

#[test]
fn ports_in_use_bad_ids_and_no_address() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 1).unwrap();
    assert_eq!(net.server.tcp_listen(any(80), 1), Err(NetError::AddressInUse));
    let udp = net.server.udp_bind(any(80)).unwrap();
    assert_eq!(net.server.udp_bind(any(80)), Err(NetError::AddressInUse));
    assert_eq!(net.server.tcp_accept(udp), Err(NetError::BadSocket));
    assert_eq!(net.server.udp_recv_from(listener, &mut [0; 4]), Err(NetError::BadSocket));
    net.server.close(listener).unwrap();
    assert_eq!(net.server.tcp_accept(listener), Err(NetError::BadSocket));
    let again = net.server.tcp_listen(any(80), 1).unwrap();
    assert_ne!(again, listener, "ids are not reused");
    assert_eq!(net.server.tcp_accept(listener), Err(NetError::BadSocket));
    assert_eq!(net.client.tcp_connect(SocketAddrV4::new(SERVER, 0)), Err(NetError::InvalidInput));
    let ephemeral = net.server.tcp_listen(any(0), 1).unwrap();
    assert!(EPHEMERAL.contains(&net.server.local_addr(ephemeral).unwrap().port()));

    let (nic, _other) = wire([2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 0, 4]);
    let mut waiting = Stack::new(nic, Ipv4Config::Dhcp, Limits::default(), 3, 0);
    assert_eq!(waiting.address(), None, "no DHCP server answered");
    assert_eq!(waiting.tcp_connect(SocketAddrV4::new(SERVER, 80)), Err(NetError::Unreachable));
    let udp = waiting.udp_bind(any(0)).unwrap();
    assert_eq!(waiting.udp_send_to(udp, b"x", SocketAddrV4::new(SERVER, 7)), Err(NetError::Unreachable));
}

#[test]
fn a_full_backlog_drops_syns_and_the_clients_get_in_later() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 2).unwrap();
    let clients: Vec<SocketId> =
        (0..6).map(|_| net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap()).collect();
    net.settle();
    let established = clients.iter().filter(|&&c| net.client.tcp_connected(c) == Ok(true)).count();
    assert!((2..6).contains(&established), "{established} of 6 got in at once");
    assert!(net.server.stats().dropped > 0, "the others' SYNs were dropped, not reset");
    assert!(clients.iter().all(|&c| net.client.tcp_connected(c).is_ok()), "nobody was refused");
    let mut accepted = Vec::new();
    while accepted.len() < 6 {
        while let Some(id) = net.server.tcp_accept(listener).unwrap() {
            accepted.push(id);
        }
        net.wait(500);
        assert!(net.now < 60_000, "the waiting clients never got in");
    }
    assert!(clients.iter().all(|&c| net.client.tcp_connected(c) == Ok(true)));
}

#[test]
fn a_closed_connection_swallows_what_the_peer_still_sends_and_is_freed() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 1).unwrap();
    let (client, server) = net.connect(listener, 80);
    assert_eq!(net.server.tcp_send(server, b"431 too large"), Ok(Some(13)));
    net.server.close(server).unwrap();
    let chunk = [b'h'; 1000];
    let mut sent = 0;
    for _ in 0..200 {
        if let Some(n) = net.client.tcp_send(client, &chunk).unwrap() {
            sent += n;
        }
        net.settle();
    }
    assert!(sent > 100_000, "the peer kept sending ({sent} bytes) into a closed connection");
    assert_eq!(read_all(&mut net.client, client), b"431 too large");
    net.client.close(client).unwrap();
    net.wait(100);
    assert_eq!(net.server.socket_count(), LISTENING);

    // A peer that never closes its side: the connection is aborted after the timeout.
    let (_client, server) = net.connect(listener, 80);
    net.client.device.nic.cut = true;
    net.server.close(server).unwrap();
    net.wait(CLOSE_TIMEOUT_MS + 1000);
    assert_eq!(net.server.socket_count(), LISTENING);
}

#[test]
fn sockets_are_reported_when_their_readiness_changes() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let mut changed = Vec::new();
    net.server.changed(|id| changed.push(id));
    assert_eq!(changed, [listener], "a new socket is reported at the first look");
    changed.clear();
    net.server.changed(|id| changed.push(id));
    assert!(changed.is_empty());
    let client = net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap();
    net.settle();
    net.server.changed(|id| changed.push(id));
    assert_eq!(changed, [listener], "a connection to accept");
    let server = net.server.tcp_accept(listener).unwrap().unwrap();
    net.server.changed(|_| {});
    changed.clear();
    net.client.tcp_send(client, b"hello").unwrap();
    net.settle();
    net.server.changed(|id| changed.push(id));
    assert_eq!(changed, [server], "data to read");

    // Data read, then more data before anyone looked: a waiter that re-armed still hears it.
    assert_eq!(read_all(&mut net.server, server), b"hello");
    net.server.rearm(server).unwrap();
    net.client.tcp_send(client, b"again").unwrap();
    net.wait(50); // Nagle holds "again" until "hello" is acknowledged (a delayed ACK)
    changed.clear();
    net.server.changed(|id| changed.push(id));
    assert_eq!(changed, [server], "the second arrival is a change from the re-armed state");

    // A read by the waiting thread itself is absorbed: nobody needs waking for it.
    net.client.tcp_send(client, b"third").unwrap();
    net.wait(50);
    net.server.changed(|_| {});
    let read = net.server.absorb(server, |stack| read_all(stack, server));
    assert_eq!(read, b"againthird");
    changed.clear();
    net.server.changed(|id| changed.push(id));
    assert!(changed.is_empty(), "the reader's own read is not a change to report");
    assert_eq!(net.server.rearm(server), Ok(false));
    net.server.tcp_shutdown(server, true, false).unwrap();
    assert_eq!(net.server.rearm(server), Ok(true), "another thread's shutdown was not reported yet");
}

#[test]
fn datagrams_go_both_ways_and_long_ones_are_cut_to_the_buffer() {
    let mut net = net();
    let echo = net.server.udp_bind(any(7)).unwrap();
    let client = net.client.udp_bind(any(0)).unwrap();
    let client_port = net.client.local_addr(client).unwrap().port();
    assert_eq!(net.client.udp_send_to(client, b"ping", SocketAddrV4::new(SERVER, 7)), Ok(Some(4)));
    net.settle();
    let mut buffer = [0u8; 16];
    let (n, from) = net.server.udp_recv_from(echo, &mut buffer).unwrap().unwrap();
    assert_eq!((&buffer[..n], from), (&b"ping"[..], SocketAddrV4::new(CLIENT, client_port)));
    assert_eq!(net.server.udp_recv_from(echo, &mut buffer), Ok(None));
    net.server.udp_send_to(echo, &[7; 100], from).unwrap();
    net.settle();
    assert_eq!(net.client.udp_recv_from(client, &mut buffer), Ok(Some((16, SocketAddrV4::new(SERVER, 7)))));
    assert_eq!(net.client.udp_send_to(client, &[0; 9000], SocketAddrV4::new(SERVER, 7)), Err(NetError::InvalidInput));
    assert_eq!(net.client.udp_send_to(client, b"x", SocketAddrV4::new(SERVER, 0)), Err(NetError::InvalidInput));
}

#[test]
fn the_socket_limit_is_kept() {
    let mut net = net_with(Limits { max_sockets: 3, ..Limits::default() });
    let _listener = net.server.tcp_listen(any(80), 8).unwrap();
    assert_eq!(net.server.socket_count(), 2);
    let _udp = net.server.udp_bind(any(9)).unwrap();
    assert_eq!(net.server.udp_bind(any(10)), Err(NetError::TooManySockets));
    assert_eq!(net.server.tcp_listen(any(81), 1), Err(NetError::TooManySockets));
}

#[test]
fn a_client_reusing_its_port_at_once_gets_in_without_waiting() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let (client, server) = net.connect(listener, 80);
    let port = net.client.local_addr(client).unwrap().port();
    // The server closes first (as httpd does with Connection: close), so it is the side left in
    // TIME-WAIT; the client is free to use the same port again at once, and Linux does.
    net.server.close(server).unwrap();
    net.settle();
    assert_eq!(net.client.tcp_recv(client, &mut [0; 8]), Ok(Some(0)));
    net.client.close(client).unwrap();
    net.settle();
    assert!(
        net.server
            .closing
            .iter()
            .any(|&(h, _, _)| net.server.sockets.get::<tcp::Socket>(h).state() == tcp::State::TimeWait)
    );
    net.client.next_port = port;
    let again = net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap();
    assert_eq!(net.client.local_addr(again).unwrap().port(), port);
    net.settle();
    assert_eq!(net.client.tcp_connected(again), Ok(true), "the SYN reached the listener, not the old socket");
    assert!(net.server.tcp_accept(listener).unwrap().is_some());
}

#[test]
fn half_open_handshakes_give_up_and_a_reset_one_goes_back_to_listening() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 2).unwrap();
    let (first, accepted) = net.connect(listener, 80); // ARP is resolved on both sides
    // Clients whose ACKs never arrive: the SYNs reach the server, which answers; the clients'
    // answers are lost, so the server's sockets stay half-open...
    for _ in 0..4 {
        net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap();
    }
    net.client.poll(net.now);
    net.server.poll(net.now);
    net.client.device.nic.cut = true;
    net.wait(500);
    assert!(net.server.socket_count() >= LISTENING + 3, "half-open sockets are held for now");
    // ...until the handshake timeout frees them.
    net.wait(HANDSHAKE_TIMEOUT_MS + 2_000);
    net.client.device.nic.cut = false;
    net.server.close(accepted).unwrap();
    net.client.close(first).unwrap();
    net.wait(100);
    assert_eq!(net.server.socket_count(), LISTENING);
    let (_client, server) = net.connect(listener, 80);
    assert!(net.server.peer_addr(server).is_ok());
}

#[test]
fn readiness_follows_a_connection_through_its_life() {
    const R: Readiness = Readiness::READABLE;
    const W: Readiness = Readiness::WRITABLE;
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    assert_eq!(net.server.readiness(listener), Ok(Readiness::NONE));
    let client = net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap();
    assert_eq!(net.client.readiness(client), Ok(Readiness::NONE), "still connecting");
    net.settle();
    assert_eq!(net.server.readiness(listener), Ok(R), "a connection waits");
    let server = net.server.tcp_accept(listener).unwrap().unwrap();
    assert_eq!(net.server.readiness(listener), Ok(Readiness::NONE));
    assert_eq!(net.server.readiness(server), Ok(W), "established, nothing to read");
    assert_eq!(net.client.readiness(client), Ok(W));

    net.client.tcp_send(client, b"hello").unwrap();
    net.settle();
    assert_eq!(net.server.readiness(server), Ok(R | W));
    let mut peeked = [0u8; 3];
    assert_eq!(net.server.tcp_peek(server, &mut peeked), Ok(Some(3)));
    assert_eq!(&peeked, b"hel");
    assert_eq!(net.server.readiness(server), Ok(R | W), "a peek leaves the bytes");
    assert_eq!(read_all(&mut net.server, server), b"hello");
    assert_eq!(net.server.readiness(server), Ok(W));

    // A full send buffer is not writable; the peer's ACKs make room again.
    let limit = Limits::default().tcp_send;
    let mut queued = 0;
    while let Some(n) = net.server.tcp_send(server, &vec![1; limit]).unwrap() {
        queued += n;
        if net.server.readiness(server) == Ok(Readiness::NONE) {
            break;
        }
    }
    assert!(queued >= limit);
    assert_eq!(net.server.readiness(server), Ok(Readiness::NONE), "the send buffer is full");
    net.settle();
    read_all(&mut net.client, client);
    net.wait(50);
    assert!(net.server.readiness(server).unwrap().contains(W), "room again");
    read_all(&mut net.client, client);

    // The peer's FIN: readable (end of stream) and read-closed, still writable.
    net.client.tcp_shutdown(client, false, true).unwrap();
    net.wait(50);
    assert_eq!(net.server.readiness(server), Ok(R | W | Readiness::READ_CLOSED));
    assert_eq!(net.server.tcp_error(server), Ok(None));
    net.server.tcp_shutdown(server, false, true).unwrap();
    assert_eq!(net.server.readiness(server), Ok(R | Readiness::READ_CLOSED | Readiness::WRITE_CLOSED));
    net.server.tcp_shutdown(server, true, false).unwrap_or(());
}

#[test]
fn readiness_reports_refusals_and_resets_as_errors() {
    let mut net = net();
    let refused = net.client.tcp_connect(SocketAddrV4::new(SERVER, 81)).unwrap();
    net.settle();
    let everything =
        Readiness::READABLE | Readiness::WRITABLE | Readiness::READ_CLOSED | Readiness::WRITE_CLOSED | Readiness::ERROR;
    assert_eq!(net.client.readiness(refused), Ok(everything));
    assert_eq!(net.client.tcp_error(refused), Ok(Some(NetError::ConnectionRefused)));

    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let (client, server) = net.connect(listener, 80);
    let handle = net.client.tcp_handle(client).unwrap();
    net.client.sockets.get_mut::<tcp::Socket>(handle).abort();
    net.settle();
    assert_eq!(net.server.readiness(server), Ok(everything));
    assert_eq!(net.server.tcp_error(server), Ok(Some(NetError::ConnectionReset)));
    assert_eq!(net.server.tcp_error(listener), Err(NetError::BadSocket));
    net.server.close(server).unwrap();
    assert_eq!(net.server.readiness(server), Err(NetError::BadSocket));
}

#[test]
fn a_udp_socket_is_writable_and_readable_when_a_datagram_waits() {
    let mut net = net();
    let echo = net.server.udp_bind(any(7)).unwrap();
    let client = net.client.udp_bind(any(0)).unwrap();
    assert_eq!(net.server.readiness(echo), Ok(Readiness::WRITABLE));
    net.client.udp_send_to(client, b"ping", SocketAddrV4::new(SERVER, 7)).unwrap();
    net.settle();
    assert_eq!(net.server.readiness(echo), Ok(Readiness::READABLE | Readiness::WRITABLE));
}

#[test]
fn a_connection_nobody_waited_for_is_reset_not_refused_later() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let client = net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap();
    net.settle();
    net.client.changed(|_| {});
    let server = net.server.tcp_accept(listener).unwrap().unwrap();
    let handle = net.server.tcp_handle(server).unwrap();
    net.server.sockets.get_mut::<tcp::Socket>(handle).abort();
    net.settle();
    assert_eq!(net.client.tcp_error(client), Ok(Some(NetError::ConnectionReset)));
}

/// Polls `stack` alone until it has nothing to do, with time standing still.
fn settle_alone(stack: &mut Stack<WireNic>, now: u64) {
    for _ in 0..1000 {
        if !stack.poll(now) {
            return;
        }
    }
    panic!("the stack never settled");
}

/// Connects `stack` to itself at `to` through `listener`, moving `bytes` both ways; the
/// (client, server) sockets.
fn talk_to_itself(stack: &mut Stack<WireNic>, listener: SocketId, to: SocketAddrV4) -> (SocketId, SocketId) {
    let mut now = stack.now_ms;
    let client = stack.tcp_connect(to).unwrap();
    settle_alone(stack, now);
    assert_eq!(stack.tcp_connected(client), Ok(true));
    let server = stack.tcp_accept(listener).unwrap().expect("the connection to itself waits");
    let long: Vec<u8> = (0..6000u32).map(|i| (i % 251) as u8).collect();
    let mut sent = 0;
    let mut received = Vec::new();
    while received.len() < long.len() {
        sent += stack.tcp_send(client, &long[sent..]).unwrap().unwrap_or(0);
        // Time moves, for the delayed acknowledgements that open the windows again.
        now += 10;
        settle_alone(stack, now);
        let mut buffer = [0u8; 1000];
        while let Some(n) = stack.tcp_recv(server, &mut buffer).unwrap().filter(|&n| n > 0) {
            received.extend_from_slice(&buffer[..n]);
        }
    }
    assert_eq!(received, long, "more than the windows hold crosses the loopback in order");
    stack.tcp_send(server, b"pong").unwrap();
    settle_alone(stack, now + 10);
    assert_eq!(read_all(stack, client), b"pong");
    (client, server)
}

#[test]
fn the_stack_talks_to_itself_on_127_0_0_1_and_its_own_address_without_the_wire() {
    let mut net = net();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    net.settle();
    let wire_before = net.server.stats().sent;
    let other_before = net.client.stats().received;
    let (client, server) = talk_to_itself(&mut net.server, listener, SocketAddrV4::new(Ipv4Addr::LOCALHOST, 80));
    assert_eq!(net.server.local_addr(client).unwrap().ip(), &Ipv4Addr::LOCALHOST);
    assert_eq!(net.server.peer_addr(server).unwrap().ip(), &Ipv4Addr::LOCALHOST);
    talk_to_itself(&mut net.server, listener, SocketAddrV4::new(SERVER, 80));
    assert_eq!(net.server.stats().sent, wire_before, "no frame reached the wire");
    net.settle();
    assert_eq!(net.client.stats().received, other_before, "the other host saw nothing");

    let echo = net.server.udp_bind(any(7)).unwrap();
    let sender = net.server.udp_bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let sender_address = net.server.local_addr(sender).unwrap();
    assert_eq!(sender_address.ip(), &Ipv4Addr::LOCALHOST);
    net.server.udp_send_to(sender, b"ping", SocketAddrV4::new(Ipv4Addr::LOCALHOST, 7)).unwrap();
    let now = net.server.now_ms;
    settle_alone(&mut net.server, now);
    let mut buffer = [0u8; 8];
    assert_eq!(net.server.udp_recv_from(echo, &mut buffer), Ok(Some((4, sender_address))));
    assert_eq!(net.server.stats().sent, wire_before);
    assert_eq!(
        net.server.udp_send_to(sender, b"out", SocketAddrV4::new(CLIENT, 7)),
        Err(NetError::Unreachable),
        "a socket bound to 127.0.0.1 never puts that source on the wire"
    );
    let other_loopback = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 2), 80);
    assert_eq!(net.server.tcp_connect(other_loopback), Err(NetError::Unreachable), "only 127.0.0.1 answers");
    assert_eq!(net.server.udp_send_to(echo, b"x", other_loopback), Err(NetError::Unreachable));
    assert_eq!(net.server.tcp_listen(other_loopback, 1), Err(NetError::AddressNotAvailable));
    assert_eq!(net.server.stats().sent, wire_before);
}

#[test]
fn a_listener_on_127_0_0_1_is_not_reached_from_the_wire_and_foreign_addresses_are_refused() {
    let mut net = net();
    let private = net.server.tcp_listen(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 80), 4).unwrap();
    assert_eq!(net.server.local_addr(private), Ok(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 80)));
    let outside = net.client.tcp_connect(SocketAddrV4::new(SERVER, 80)).unwrap();
    net.settle();
    assert_eq!(net.client.tcp_connected(outside), Err(NetError::ConnectionRefused));
    assert_eq!(net.server.tcp_accept(private), Ok(None));
    talk_to_itself(&mut net.server, private, SocketAddrV4::new(Ipv4Addr::LOCALHOST, 80));

    let public = net.server.tcp_listen(SocketAddrV4::new(SERVER, 81), 4).unwrap();
    assert_eq!(net.server.local_addr(public), Ok(SocketAddrV4::new(SERVER, 81)));
    let foreign = SocketAddrV4::new(CLIENT, 82);
    assert_eq!(net.server.tcp_listen(foreign, 4), Err(NetError::AddressNotAvailable));
    assert_eq!(net.server.udp_bind(foreign), Err(NetError::AddressNotAvailable));
    assert_eq!(net.server.tcp_bind_address(foreign), Err(NetError::AddressNotAvailable));
    assert_eq!(net.server.tcp_bind_address(any(81)), Err(NetError::AddressInUse));
    let picked = net.server.tcp_bind_address(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    assert_eq!(picked.ip(), &Ipv4Addr::LOCALHOST);
    assert!(EPHEMERAL.contains(&picked.port()));
}

#[test]
fn the_loopback_works_before_dhcp_gives_an_address() {
    let (nic, _other) = wire([2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 0, 4]);
    let mut waiting = Stack::new(nic, Ipv4Config::Dhcp, Limits::default(), 3, 0);
    assert_eq!(waiting.address(), None);
    let listener = waiting.tcp_listen(any(8080), 4).unwrap();
    talk_to_itself(&mut waiting, listener, SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080));
    assert_eq!(waiting.address(), None, "127.0.0.1 is not the interface's address");
}

#[test]
fn a_crowd_gets_small_buffers_and_still_moves_more_than_they_hold() {
    let (a, b) = wire([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    let crowded = Limits { full_buffers: 2, ..Limits::default() };
    let mut net = Net {
        server: Stack::new(a, fixed(SERVER), crowded, 1, 0),
        client: Stack::new(b, fixed(CLIENT), Limits::default(), 2, 0),
        now: 0,
    };
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let capacities = |stack: &mut Stack<WireNic>, id| {
        let handle = stack.tcp_handle(id).unwrap();
        let socket = stack.sockets.get::<tcp::Socket>(handle);
        (socket.recv_capacity(), socket.send_capacity())
    };
    // The listener's first two sockets were made with nothing open: full buffers.
    let (_, first) = net.connect(listener, 80);
    assert_eq!(capacities(&mut net.server, first), (4096, 8192));
    let (_, second) = net.connect(listener, 80);
    assert_eq!(capacities(&mut net.server, second), (4096, 8192));
    // The third was made with three sockets open: a quarter of each.
    let (client, third) = net.connect(listener, 80);
    assert_eq!(capacities(&mut net.server, third), (1024, 2048));
    let long: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
    let (mut sent, mut received) = (0, Vec::new());
    while received.len() < long.len() {
        sent += net.server.tcp_send(third, &long[sent..]).unwrap().unwrap_or(0);
        net.wait(10);
        received.extend(read_all(&mut net.client, client));
    }
    assert_eq!(received, long, "five times the send buffer, in order");
}

#[test]
fn with_many_sockets_frames_go_through_the_backlog_in_order() {
    let mut net = net_with(Limits { max_sockets: 1024, ..Limits::default() });
    let _crowd: Vec<_> = (0..DRAIN_AHEAD_FROM as u16).map(|k| net.server.udp_bind(any(2000 + k)).unwrap()).collect();
    let listener = net.server.tcp_listen(any(80), 4).unwrap();
    let (client, server) = net.connect(listener, 80);
    let long: Vec<u8> = (0..20_000u32).map(|i| (i % 241) as u8).collect();
    let (mut sent, mut received) = (0, Vec::new());
    while received.len() < long.len() {
        sent += net.client.tcp_send(client, &long[sent..]).unwrap().unwrap_or(0);
        net.wait(10);
        assert!(net.server.device.drain_ahead, "the crowd drains the card ahead");
        received.extend(read_all(&mut net.server, server));
    }
    assert_eq!(received, long);
    assert_eq!(net.server.device.backlog_bytes, 0, "the backlog is empty once the stack settles");
}

#[test]
fn the_poll_delay_names_the_next_timer_the_stack_keeps() {
    let mut net = net();
    net.settle();
    // Idle, with an address: the next announcement of it is the only timer.
    assert_eq!(net.server.poll_delay_ms(net.now), Some(ANNOUNCE_MS));
    net.now += 5_000;
    assert_eq!(net.server.poll_delay_ms(net.now), Some(ANNOUNCE_MS - 5_000));
    // A connection to an address nobody answers for: its next try comes much sooner, and
    // comes when the delay said.
    let silent = net.client.tcp_connect(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 9), 80)).unwrap();
    net.client.poll(net.now);
    let delay = net.client.poll_delay_ms(net.now).expect("a retry is due");
    assert!(delay > 0 && delay < 5_000, "{delay}");
    let sent = net.client.stats().sent;
    net.client.poll(net.now + delay - 1);
    assert_eq!(net.client.stats().sent, sent, "sent before the delay was over");
    net.client.poll(net.now + delay);
    assert!(net.client.stats().sent > sent, "nothing sent when the delay was over");
    net.client.close(silent).unwrap();
}
