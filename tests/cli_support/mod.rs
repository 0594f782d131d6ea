//! Runs the built `leasehold` binary against an in-process engine ([`TestApp`]): the
//! binary only needs the engine's NATS URL and subject prefix, and an actor.
#![allow(dead_code)]

use std::process::Output;
use std::time::Duration;

use crate::helpers::TestApp;

mod terminal;

/// How to reach one engine as one actor.
#[derive(Clone)]
pub struct Cli {
    pub nats_url: String,
    pub prefix: String,
    pub actor: Option<String>,
}

impl Cli {
    /// The binary pointed at `app`, acting as `actor`.
    pub fn new(app: &TestApp, actor: &str) -> Cli {
        Cli {
            nats_url: app.nats_url(actor),
            prefix: app.engine.config.subject_prefix.clone(),
            actor: Some(actor.to_string()),
        }
    }

    /// The same, as another actor.
    pub fn as_actor(&self, actor: &str) -> Cli {
        Cli {
            actor: Some(actor.to_string()),
            ..self.clone()
        }
    }

    /// Runs `leasehold <args>` to completion.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, "").await
    }

    /// Runs `leasehold <args>` with `stdin` piped in.
    pub async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("leasehold");
        cmd.current_dir(env!("CARGO_TARGET_TMPDIR"))
            .env_remove("LEASEHOLD_CONFIG")
            .env_remove("LEASEHOLD_ACTOR")
            .env_remove("LEASEHOLD_TIMEOUT")
            .env_remove("LEASEHOLD_CLIENT_SECRET")
            .env("LEASEHOLD_NATS_URL", &self.nats_url)
            .env("LEASEHOLD_SUBJECT_PREFIX", &self.prefix)
            .args(args)
            .write_stdin(stdin.to_string())
            .timeout(Duration::from_secs(60));
        if let Some(actor) = &self.actor {
            cmd.env("LEASEHOLD_ACTOR", actor);
        }
        tokio::task::spawn_blocking(move || cmd.output().expect("run leasehold"))
            .await
            .expect("join")
    }

    /// Runs `args` until `check` holds on its stdout (read models are eventually
    /// consistent), or panics after `within`.
    pub async fn until(
        &self,
        args: &[&str],
        within: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let mut poll = leasehold_testkit::Poll::new(within, Duration::from_millis(100));
        loop {
            let out = self.run(args).await;
            let stdout = stdout(&out);
            if out.status.success() && check(&stdout) {
                return stdout;
            }
            assert!(
                poll.again().await,
                "`leasehold {}` never showed what was expected; last:\n{stdout}\n{}",
                args.join(" "),
                stderr(&out)
            );
        }
    }
}

/// `connection create <name>` on the demo tenant as application `client_id`, with login
/// and Graph at `base` and the client secret read from standard input.
pub fn connection_create<'a>(name: &'a str, client_id: &'a str, base: &'a str) -> Vec<&'a str> {
    vec![
        "connection",
        "create",
        name,
        "--tenant-id",
        entra_emulator::DEMO_TENANT_ID,
        "--client-id",
        client_id,
        "--client-secret-file",
        "-",
        "--cloud",
        "custom",
        "--login-url",
        base,
        "--graph-url",
        base,
    ]
}

/// `secret create --connection contoso --prefix <prefix>`, then `rest`.
pub fn secret_create<'a>(prefix: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "secret",
        "create",
        "--connection",
        "contoso",
        "--prefix",
        prefix,
    ];
    args.extend_from_slice(rest);
    args
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Stdout of a successful run, or a panic showing stderr.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "leasehold failed with {:?}:\n{}",
        out.status.code(),
        stderr(out)
    );
    stdout(out)
}

/// Stdout of a successful run, parsed as JSON.
pub fn json(out: &Output) -> serde_json::Value {
    let text = ok(out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}
