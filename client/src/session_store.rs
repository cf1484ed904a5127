//! [`SessionStore`]: the TLS session cache of one FTP session (rustls's in-memory cache), counting the
//! TLS 1.3 tickets it holds.
//!
//! Why count: a rustls client uses each TLS 1.3 ticket once, and every data connection resumes with
//! one. Servers hand out new tickets after the handshakes they send data on, but some send none on
//! upload connections (ours does not, so that clients which never read an upload connection do not
//! get it reset): a long run of uploads would use the tickets up, and the next data connection
//! would make a full handshake, which servers that require session reuse refuse. Knowing the
//! count lets the client fetch new tickets before that happens ([`crate::transfer`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use rustls::client::Tls13ClientSessionValue;
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Tls12ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::NamedGroup;

/// TLS 1.3 tickets rustls's cache keeps per server (`MAX_TLS13_TICKETS_PER_SERVER`).
const TICKETS_KEPT: usize = 8;

/// The session cache of one FTP session: one server name, so one count.
#[derive(Debug)]
pub struct SessionStore {
    cache: ClientSessionMemoryCache,
    tls13_tickets: AtomicUsize,
    /// A TLS 1.3 ticket arrived at least once: the server uses TLS 1.3 and sends tickets.
    saw_tls13: AtomicBool,
}

impl SessionStore {
    /// A store for `sessions` TLS sessions.
    pub fn new(sessions: usize) -> Arc<SessionStore> {
        Arc::new(SessionStore {
            cache: ClientSessionMemoryCache::new(sessions),
            tls13_tickets: AtomicUsize::new(0),
            saw_tls13: AtomicBool::new(false),
        })
    }

    /// True when the server sends TLS 1.3 tickets and none is left for the next data connection.
    pub fn out_of_tls13_tickets(&self) -> bool {
        self.saw_tls13.load(Ordering::Relaxed) && self.tls13_tickets.load(Ordering::Relaxed) == 0
    }
}

impl ClientSessionStore for SessionStore {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.cache.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        self.cache.kx_hint(server_name)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.cache.set_tls12_session(server_name, value);
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.cache.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.cache.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.cache.insert_tls13_ticket(server_name, value);
        self.saw_tls13.store(true, Ordering::Relaxed);
        let _ = self
            .tls13_tickets
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                Some((held + 1).min(TICKETS_KEPT))
            });
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        let ticket = self.cache.take_tls13_ticket(server_name);
        match ticket {
            Some(_) => {
                let _ =
                    self.tls13_tickets
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                            Some(held.saturating_sub(1))
                        });
            }
            None => self.tls13_tickets.store(0, Ordering::Relaxed),
        }
        ticket
    }
}
