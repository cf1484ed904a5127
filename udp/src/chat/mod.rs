//! Chat over UDP through a relay: [`protocol`] is the wire format, [`server`] the relay that
//! keeps the member list and forwards messages, [`client`] the member side.
//!
//! UDP loses and duplicates datagrams, so every datagram that matters carries an id and is
//! answered: a client's request by a reply (`OK`, `NO`, `WHO`), a relayed message by an `ACK`.
//! Whoever sent it resends until answered; whoever receives it twice answers again but acts
//! once. Members send a keepalive `PING`; the relay drops members it has not heard from.

pub mod client;
pub mod protocol;
pub mod server;
