//! [`Tickets`]: the TLS session cache one FTP control connection shares with its data connections, and
//! the count of the TLS 1.3 tickets it got, by where they came from, and used. The client resumes with
//! it, and the suite shows its counts in the transcript of every protected data connection.
//!
//! Why count: rustls uses each TLS 1.3 ticket once, as RFC 8446 Appendix C.4 asks ("Clients SHOULD NOT
//! reuse a ticket for multiple connections"), so every resumed data connection spends one. A server
//! that issues few tickets on the control connection and none on some data connections (proftpd sends
//! OpenSSL's default two, and ours none on upload connections, so that clients which never read an
//! upload connection do not get it reset) leaves nothing to resume with after a few transfers; the next
//! data connection makes a full handshake, which a server that insists on a cached session refuses
//! (RFC 4217 §10.2). Knowing the count, the client fetches new tickets before that happens, and the
//! suite can say when that is why a transfer failed.
//!
//! Tickets a data connection brings are kept: RFC 4217 §10.2 names "a cache of a previous data
//! connection" as one a server may insist on, and they resume the control connection's session too.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::pki_types::ServerName;
use rustls::NamedGroup;

/// TLS 1.3 tickets rustls's cache keeps per server (`MAX_TLS13_TICKETS_PER_SERVER`); older ones go.
const TICKETS_KEPT: usize = 8;

/// TLS sessions kept: one server name per control connection, so a few are plenty.
const SESSIONS: usize = 16;

/// The session cache of one control connection and its data connections, with the ticket counts.
#[derive(Debug)]
pub struct Tickets {
    cache: ClientSessionMemoryCache,
    from_control: AtomicUsize,
    from_data: AtomicUsize,
    used: AtomicUsize,
    held: AtomicUsize,
}

/// Which connection a store view serves: tickets are counted by where they arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Control,
    Data,
}

/// The counts at one moment, as the transcript shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketCount {
    pub from_control: usize,
    pub from_data: usize,
    pub used: usize,
    pub held: usize,
}

impl TicketCount {
    /// True when the server sends TLS 1.3 tickets and none is left for the next data connection.
    pub fn ran_out(&self) -> bool {
        self.from_control + self.from_data > 0 && self.held == 0
    }
}

impl fmt::Display for TicketCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TLS 1.3 tickets: {} from the control connection, {} from data connections, {} used, {} left",
            self.from_control, self.from_data, self.used, self.held
        )
    }
}

impl Tickets {
    pub fn new() -> Arc<Tickets> {
        Arc::new(Tickets {
            cache: ClientSessionMemoryCache::new(SESSIONS),
            from_control: AtomicUsize::new(0),
            from_data: AtomicUsize::new(0),
            used: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
        })
    }

    /// The store a connection of `origin` hands to rustls.
    pub fn view(self: &Arc<Tickets>, origin: Origin) -> Arc<dyn ClientSessionStore> {
        Arc::new(View {
            tickets: Arc::clone(self),
            origin,
        })
    }

    pub fn count(&self) -> TicketCount {
        TicketCount {
            from_control: self.from_control.load(Ordering::Relaxed),
            from_data: self.from_data.load(Ordering::Relaxed),
            used: self.used.load(Ordering::Relaxed),
            held: self.held.load(Ordering::Relaxed),
        }
    }
}

/// One connection's view of [`Tickets`].
#[derive(Debug)]
struct View {
    tickets: Arc<Tickets>,
    origin: Origin,
}

impl ClientSessionStore for View {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.tickets.cache.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.tickets.cache.kx_hint(server_name)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.tickets.cache.set_tls12_session(server_name, value);
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.tickets.cache.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.tickets.cache.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.tickets.cache.insert_tls13_ticket(server_name, value);
        let counter = match self.origin {
            Origin::Control => &self.tickets.from_control,
            Origin::Data => &self.tickets.from_data,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let _ = self
            .tickets
            .held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                Some((held + 1).min(TICKETS_KEPT))
            });
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        let ticket = self.tickets.cache.take_tls13_ticket(server_name);
        match ticket {
            Some(_) => {
                self.tickets.used.fetch_add(1, Ordering::Relaxed);
                let _ =
                    self.tickets
                        .held
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                            Some(held.saturating_sub(1))
                        });
            }
            None => self.tickets.held.store(0, Ordering::Relaxed),
        }
        ticket
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_store_has_nothing_to_resume_with_and_says_so() {
        let tickets = Tickets::new();
        let name = ServerName::try_from("127.0.0.1").map(|n| n.to_owned());
        let Ok(name) = name else {
            panic!("127.0.0.1 is a server name");
        };
        assert!(tickets
            .view(Origin::Data)
            .take_tls13_ticket(&name)
            .is_none());
        assert_eq!(
            tickets.count().to_string(),
            "TLS 1.3 tickets: 0 from the control connection, 0 from data connections, 0 used, 0 left"
        );
        assert!(!tickets.count().ran_out(), "no ticket ever came: TLS 1.2");
    }

    #[test]
    fn a_ticket_that_came_and_was_used_leaves_the_store_run_out() {
        let count = |from_control, from_data, used, held| TicketCount {
            from_control,
            from_data,
            used,
            held,
        };
        assert!(count(2, 0, 2, 0).ran_out());
        assert!(count(0, 1, 1, 0).ran_out());
        assert!(!count(2, 0, 1, 1).ran_out());
    }
}
