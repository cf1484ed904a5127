//! Who to log in as: the URL's user and password, then `--user`, then the netrc entry for the host, and
//! anonymous when nothing names a user. A named user without a password is asked for one without echo.

use std::path::PathBuf;

use crate::client::{Client, Options};
use crate::connect::Login;
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

/// The [`Login`] for `url`'s server, credentials resolved now (a password prompt at most once).
/// Every session of a command opens from it, so the first and the extra ones (`mirror --parallel`,
/// `get --segments`) connect alike: an `ftps://` URL means implicit FTPS whatever `--tls` says, and
/// implicit FTPS on a URL that names no port goes to 990 (a named port always wins).
pub fn login_for(url: &FtpUrl, sources: &LoginSources, options: Options) -> Result<Login> {
    let (user, password) = credentials(url, sources)?;
    let mut options = options;
    if url.scheme == Scheme::Ftps {
        options.tls.mode = TlsMode::Implicit;
    }
    let port = match options.tls.mode {
        TlsMode::Implicit if !url.port_given => Scheme::Ftps.default_port(),
        _ => url.port,
    };
    Ok(Login {
        host: url.host.clone(),
        port,
        user,
        password,
        options,
    })
}

/// Connects to the URL's host and logs in (see [`login_for`]).
pub async fn connect_and_login(
    url: &FtpUrl,
    sources: &LoginSources,
    options: Options,
) -> Result<Client> {
    login_for(url, sources, options)?.open().await
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

    /// `(port, TLS mode)` a command connects with, for `url` and `--tls mode`.
    fn target(url: &str, mode: TlsMode) -> (u16, TlsMode) {
        let mut options = Options::default();
        options.tls.mode = mode;
        let url = FtpUrl::parse(url).unwrap();
        let login = login_for(&url, &sources(None, None), options).unwrap();
        (login.port, login.options.tls.mode)
    }

    #[test]
    fn implicit_tls_defaults_to_port_990_unless_the_url_names_one() {
        use TlsMode::*;
        assert_eq!(target("ftp://h/", Implicit), (990, Implicit));
        assert_eq!(target("ftp://h:21/", Implicit), (21, Implicit));
        assert_eq!(target("ftp://h:2121/", Implicit), (2121, Implicit));
        assert_eq!(target("ftps://h/", Off), (990, Implicit));
        assert_eq!(target("ftps://h:2990/", Explicit), (2990, Implicit));
        assert_eq!(target("ftp://h/", Explicit), (21, Explicit));
        assert_eq!(target("ftp://h/", Off), (21, Off));
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
