//! Free TCP ports on the loopback interface.

use std::net::{Ipv4Addr, TcpListener};

/// A TCP port on 127.0.0.1 that was free a moment ago.
///
/// The kernel picks it (bind to port 0), then the socket is closed, so another process may take
/// the port before the caller binds it: callers that start a server should retry with a new port
/// when the bind fails ([`crate::PostgresCluster::start`] does).
///
/// # Panics
///
/// When no loopback port can be bound at all (no loopback interface).
pub fn free_loopback_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("cannot bind a TCP socket on 127.0.0.1: {e}"));
    listener.local_addr().expect("local address of a bound socket").port()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_port_can_be_bound() {
        let port = free_loopback_port();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("the port is free");
    }
}
