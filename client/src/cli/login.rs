//! Who to log in as: the URL's user and password, then `--user`, then the netrc entry for the host, and
//! anonymous when nothing names a user. A named user without a password is asked for one without echo.

use std::path::PathBuf;

use crate::client::{Client, Options};
use crate::error::{Error, Result};
use crate::netrc;
use crate::tls::TlsMode;
use crate::url::FtpUrl;
use ftp_proto::Scheme;

/// The login sources given on the command line.
#[derive(Debug, Clone, Default)]
pub struct LoginSources {
    /// `--user USER[:PASSWORD]`.
    pub user: Option<String>,
    /// `--netrc FILE`; `None` for `~/.netrc`.
    pub netrc: Option<PathBuf>,
    /// May the password be asked for on the terminal (false in scripts and tests).
    pub may_prompt: bool,
}

/// Resolves the user and password for `url`.
pub fn credentials(url: &FtpUrl, sources: &LoginSources) -> Result<(String, String)> {
    let (mut user, mut password) = (url.user.clone(), url.password.clone());
    if user.is_none() {
        if let Some(given) = &sources.user {
            match given.split_once(':') {
                Some((name, pass)) => (user, password) = (Some(name.into()), Some(pass.into())),
                None => user = Some(given.clone()),
            }
        }
    }
    let netrc_path = sources.netrc.clone().or_else(netrc::default_path);
    if user.is_none() || password.is_none() {
        let explicit = sources.netrc.is_some();
        let text = match netrc_path.as_ref().map(std::fs::read_to_string) {
            Some(Ok(text)) => Some(text),
            // An explicitly named netrc that cannot be read is a mistake worth reporting.
            Some(Err(error)) if explicit => {
                return Err(Error::local(netrc_path.clone().unwrap_or_default(), error))
            }
            _ => None,
        };
        if let Some(entry) = text.and_then(|text| netrc::lookup(&text, &url.host)) {
            let same_user = user.is_none() || entry.login.is_none() || entry.login == user;
            if same_user {
                user = user.or(entry.login);
                password = password.or(entry.password);
            }
        }
    }
    let user = user.unwrap_or_else(|| "anonymous".to_string());
    let anonymous = user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp");
    let password = match password {
        Some(password) => password,
        None if anonymous => "ftp-client@".to_string(),
        None if sources.may_prompt => {
            rpassword::prompt_password(format!("Password for {user}@{}: ", url.host))
                .map_err(|error| Error::local("the terminal", error))?
        }
        None => String::new(),
    };
    Ok((user, password))
}

/// Connects to the URL's host and logs in; an `ftps://` URL means implicit FTPS whatever `--tls` says.
pub async fn connect_and_login(
    url: &FtpUrl,
    sources: &LoginSources,
    options: Options,
) -> Result<Client> {
    let (user, password) = credentials(url, sources)?;
    let mut options = options;
    if url.scheme == Scheme::Ftps {
        options.tls.mode = TlsMode::Implicit;
    }
    let mut client = Client::connect(&url.host, url.port, options).await?;
    client.login(&user, &password).await?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(user: Option<&str>, netrc: Option<PathBuf>) -> LoginSources {
        LoginSources {
            user: user.map(String::from),
            netrc,
            may_prompt: false,
        }
    }

    #[test]
    fn url_then_user_then_netrc_then_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        let netrc = dir.path().join("netrc");
        std::fs::write(&netrc, "machine h login bob password pw\n").unwrap();
        let url = FtpUrl::parse("ftp://alice:a@h/").unwrap();
        assert_eq!(
            credentials(&url, &sources(Some("x:y"), None)).unwrap(),
            ("alice".into(), "a".into())
        );
        let url = FtpUrl::parse("ftp://h/").unwrap();
        assert_eq!(
            credentials(&url, &sources(Some("x:y"), None)).unwrap(),
            ("x".into(), "y".into())
        );
        assert_eq!(
            credentials(&url, &sources(None, Some(netrc.clone()))).unwrap(),
            ("bob".into(), "pw".into())
        );
        assert_eq!(
            credentials(&url, &sources(Some("bob"), Some(netrc.clone())))
                .unwrap()
                .1,
            "pw"
        );
        let other = FtpUrl::parse("ftp://other/").unwrap();
        assert_eq!(
            credentials(&other, &sources(None, Some(netrc))).unwrap().0,
            "anonymous"
        );
        assert!(credentials(&other, &sources(None, Some(dir.path().join("missing")))).is_err());
    }
}
