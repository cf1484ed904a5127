//! [`Login`]: everything needed to open one more logged-in session to the same server, for the
//! commands that run several at once (`mirror --parallel`, `get --segments`) or reconnect after a
//! broken one. Credentials are resolved once, before, so a password is asked for at most once.

use crate::client::{Client, Options};
use crate::error::Result;

/// A server and the login to use on it.
#[derive(Clone)]
pub struct Login {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub options: Options,
}

impl Login {
    /// Connects and logs in: a new, independent session.
    pub async fn open(&self) -> Result<Client> {
        let mut client = Client::connect(&self.host, self.port, self.options.clone()).await?;
        client.login(&self.user, &self.password).await?;
        Ok(client)
    }
}

impl std::fmt::Debug for Login {
    /// The password stays out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}
