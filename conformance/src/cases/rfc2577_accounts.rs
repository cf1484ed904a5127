//! RFC 2577 on accounts: USER must not tell valid user names from invalid ones (§7), so that names
//! cannot be collected one by one. Needs a named account in the URL (`ftp://user:pass@host/`): the
//! suite compares its USER reply with that of a name that surely does not exist.

use ftp_proto::{Command, Reply};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;

pub const CASES: &[Case] = &[
    crate::case!("rfc2577/7/no-user-enumeration", Should, "USER of an unknown name gets the same reply code (331) as USER of the URL's real account", "RFC 2577 §7 (protecting usernames): servers should not reveal whether a user name is valid; the suggested way is to answer USER with 331 for every name and to refuse only at PASS", no_user_enumeration),
];

/// The reply to USER `name` on a fresh connection (explicit FTPS: after AUTH TLS).
async fn user_reply(cx: &Ctx, label: &str, name: &str) -> Step<Reply> {
    let (mut control, greeting) = cx.connect(label).await?;
    if greeting.code != 220 {
        return Err(Outcome::error(format!("greeting was {}", show(&greeting))));
    }
    control.cmd(&Command::User(name.to_string())).await
}

async fn no_user_enumeration(cx: Ctx) -> Step<Outcome> {
    let user = cx.target.login.user.clone();
    if ["anonymous", "ftp"].contains(&user.to_ascii_lowercase().as_str()) {
        return Err(Outcome::skip(
            "needs a named account in the URL (ftp://user:pass@host/); anonymous names are public",
        ));
    }
    let known = user_reply(&cx, "c1", &user).await?;
    let unknown_name = format!("nobody-{}-{}", cx.tag, std::process::id());
    let unknown = user_reply(&cx, "c2", &unknown_name).await?;
    if known.code == unknown.code {
        return Ok(Outcome::Pass);
    }
    Err(Outcome::fail(
        &[&format!(
            "USER {unknown_name}: {} (as for USER {user})",
            known.code
        )],
        format!(
            "USER {user}: {}; USER {unknown_name}: {}",
            show(&known),
            show(&unknown)
        ),
    ))
}
