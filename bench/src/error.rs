//! What can go wrong while driving a server. Each variant says which step failed, so that the first error
//! of a scenario is one readable line in the table.

use std::time::Duration;

use ftp_proto::Reply;

/// A failed step of a benchmark session.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A socket or file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// The step, e.g. `connect 127.0.0.1:2121`.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A network wait ran out.
    #[error("{context}: no progress within {}s", .limit.as_secs_f64())]
    Timeout {
        /// The step that waited.
        context: String,
        /// The limit that ran out.
        limit: Duration,
    },
    /// The server answered a command with an unexpected reply.
    #[error("{command}: server replied {} {}", .reply.code, .reply.text())]
    Refused {
        /// The command as sent (password hidden).
        command: String,
        /// The reply.
        reply: Reply,
    },
    /// The server broke the protocol (closed the connection, malformed reply, bad 227/229).
    #[error("{0}")]
    Protocol(String),
    /// The transfer moved a different number of bytes than the scenario asked for.
    #[error("{what}: moved {actual} bytes, expected {expected}")]
    WrongSize {
        /// The file or command.
        what: String,
        /// Bytes expected.
        expected: u64,
        /// Bytes moved.
        actual: u64,
    },
}

impl BenchError {
    /// Wraps an I/O error with the step it happened in.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
        let context = context.into();
        move |source| BenchError::Io { context, source }
    }
}

/// Runs `future` with a time limit, naming the step when it runs out.
pub async fn within<T>(
    limit: Duration,
    context: impl FnOnce() -> String,
    future: impl std::future::Future<Output = Result<T, BenchError>>,
) -> Result<T, BenchError> {
    match tokio::time::timeout(limit, future).await {
        Ok(result) => result,
        Err(_) => Err(BenchError::Timeout {
            context: context(),
            limit,
        }),
    }
}
