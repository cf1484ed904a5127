//! RFC 959 §4.1.1, access control commands: USER, PASS, QUIT, and what a server says before login.

use ftp_proto::{Command, ListingArg};

use crate::case::{Case, Outcome, Step};
use crate::ctx::Ctx;

pub const CASES: &[Case] = &[
    crate::case!(
        "rfc959/4.1.1/user-pass",
        Must,
        "USER then PASS logs in",
        "RFC 959 §5.4: USER: 230; 530; 500, 501, 421; 331, 332. PASS: 230; 202; 530; 500, 501, 503, 421; 332",
        user_pass
    ),
    crate::case!(
        "rfc959/4.1.1/bad-login-530",
        Must,
        "a wrong user or password gets 530 and no login",
        "RFC 959 §4.2.1: \"530 Not logged in.\" (USER/PASS rows of §5.4)",
        bad_login
    ),
    crate::case!(
        "rfc959/4.1.1/pass-without-user-503",
        Must,
        "PASS before USER gets 503",
        "RFC 959 §5.4: PASS: ... 503 (\"Bad sequence of commands\")",
        pass_without_user
    ),
    crate::case!(
        "rfc959/4.1.1/commands-before-login-530",
        Must,
        "file and data commands before login get 530",
        "RFC 959 §4.2.1: \"530 Not logged in.\"; §5.4 lists 530 for CWD, PASV, LIST, RETR, STOR, MKD",
        before_login
    ),
    crate::case!(
        "rfc959/4.1.1/quit-221",
        Must,
        "QUIT gets 221 and the server closes the control connection",
        "RFC 959 §4.1.1 QUIT: \"This command terminates a USER ... the server closes the control connection.\" §5.4: QUIT: 221; 500",
        quit
    ),
];

async fn user_pass(cx: Ctx) -> Step<Outcome> {
    let (mut control, _) = cx.connect("c1").await?;
    let login = &cx.target.login;
    let user = control.cmd(&Command::User(login.user.clone())).await?;
    cx.check_reply("USER", &user, &[331, 230, 332], &[])?;
    if user.code == 331 {
        let pass = control
            .cmd(&Command::Pass(login.pass.as_str().into()))
            .await?;
        cx.check_reply("PASS", &pass, &[230, 202], &[])?;
    }
    let noop = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP after login", &noop, &[200], &[])?;
    Ok(Outcome::Pass)
}

async fn bad_login(cx: Ctx) -> Step<Outcome> {
    let (mut control, _) = cx.connect("c1").await?;
    let login = &cx.target.login;
    let anonymous = ["anonymous", "ftp"].contains(&login.user.to_ascii_lowercase().as_str());
    // Anonymous accepts any password, so an unknown user is what can be refused there.
    let (user, pass) = if anonymous {
        ("ftp-conformance-no-such-user", "wrong")
    } else {
        (login.user.as_str(), "ftp-conformance-wrong-password")
    };
    let reply = control.cmd(&Command::User(user.into())).await?;
    cx.check_reply("USER (unknown or refused)", &reply, &[530, 331, 332], &[])?;
    if reply.code != 530 {
        let reply = control.cmd(&Command::Pass(pass.into())).await?;
        cx.check_reply("PASS (wrong)", &reply, &[530], &[])?;
    }
    let pwd = control.cmd(&Command::Cwd("/".into())).await?;
    cx.check_reply("CWD after the refused login", &pwd, &[530], &[])?;
    Ok(Outcome::Pass)
}

async fn pass_without_user(cx: Ctx) -> Step<Outcome> {
    let (mut control, _) = cx.connect("c1").await?;
    let reply = control
        .cmd(&Command::Pass("conformance@example.com".into()))
        .await?;
    cx.check_reply("PASS without USER", &reply, &[503], &[530])?;
    Ok(Outcome::Pass)
}

async fn before_login(cx: Ctx) -> Step<Outcome> {
    let (mut control, _) = cx.connect("c1").await?;
    for command in [
        Command::Cwd("/".into()),
        Command::Pasv,
        Command::List(ListingArg::default()),
        Command::Retr("ftp-conformance.txt".into()),
        Command::Stor("ftp-conformance.txt".into()),
        Command::Mkd("ftp-conformance".into()),
    ] {
        let reply = control.cmd(&command).await?;
        cx.check_reply(&format!("{command} before login"), &reply, &[530], &[])?;
    }
    Ok(Outcome::Pass)
}

async fn quit(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Quit).await?;
    cx.check_reply("QUIT", &reply, &[221], &[])?;
    if !control.closed_within(control.reply_timeout).await {
        return Err(Outcome::fail(
            &["the server closes the control connection after 221"],
            "still open",
        ));
    }
    Ok(Outcome::Pass)
}
