//! Loading, validation (including reserved names) and masking of the configuration.
use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn env_overrides_file_and_defaults() {
    let file = "subject_prefix = \"fromfile\"\ngraph_concurrency = 3";
    let c = Config::from_layers(Some(file), vars(&[])).expect("file");
    assert_eq!(c.nats_url, "nats://127.0.0.1:4222");
    assert_eq!(
        (c.subject_prefix.as_str(), c.graph_concurrency),
        ("fromfile", 3)
    );
    let env = vars(&[("LEASEHOLD_SUBJECT_PREFIX", "fromenv")]);
    let c = Config::from_layers(Some(file), env).expect("env");
    assert_eq!(
        (c.subject_prefix.as_str(), c.graph_concurrency),
        ("fromenv", 3)
    );
    assert!(Config::from_layers(Some("unknown_key = 1"), vars(&[])).is_err());
    let bad = vars(&[("LEASEHOLD_GRAPH_CONCURRENCY", "x")]);
    let err = Config::from_layers(None, bad).expect_err("not a number");
    assert!(
        format!("{err:#}").contains("LEASEHOLD_GRAPH_CONCURRENCY"),
        "{err:#}"
    );
}

#[test]
fn validation_rejects_unusable_prefixes_and_actors() {
    let mut c = Config {
        subject_prefix: "a.*".into(),
        ..Default::default()
    };
    assert!(c.validate().is_err());
    c.subject_prefix = "ok".into();
    c.policy.admins = vec!["bad actor".into()];
    assert!(c.validate().is_err());
}

#[test]
fn validation_rejects_reserved_names() {
    for prefix in ["cmd", "acme.evt", "a.Query.b", "_INBOX", "_INBOX_alice"] {
        let c = Config {
            subject_prefix: prefix.into(),
            ..Default::default()
        };
        assert!(c.validate().is_err(), "prefix {prefix}");
    }
    for actor in ["evt", "CMD", "query", "system", "system:scheduler"] {
        let mut c = Config::default();
        c.policy.admins = vec![actor.into()];
        assert!(c.validate().is_err(), "admin {actor}");
        let mut c = Config::default();
        c.policy.rules = vec![leasehold_command::Rule {
            actors: vec!["alice".into(), actor.into()],
            ops: vec!["*".into()],
            secrets: vec!["*".into()],
        }];
        assert!(c.validate().is_err(), "rule actor {actor}");
    }
    for actor in ["ops-*", "a.b", "*.>", ">"] {
        let mut c = Config::default();
        c.policy.admins = vec![actor.into()];
        assert!(c.validate().is_err(), "wildcard or dotted actor {actor}");
    }
    let mut ok = Config {
        subject_prefix: "acme.leasehold".into(),
        ..Default::default()
    };
    ok.policy = Policy::allow_all();
    ok.policy.admins = vec!["admin".into(), "systemd".into(), "events".into()];
    assert!(ok.validate().is_ok());
}

#[test]
fn debug_masks_url_passwords_and_shows_the_policy() {
    let mut c = Config {
        database_url: "postgres://u:db-pass-123@h/db".into(),
        nats_url: "nats://leasehold:nats-pass-456@h:4222".into(),
        ..Default::default()
    };
    c.policy.admins = vec!["admin".into()];
    let shown = format!("{c:?}");
    assert!(!shown.contains("db-pass-123"), "{shown}");
    assert!(!shown.contains("nats-pass-456"), "{shown}");
    assert!(shown.contains("admin"), "{shown}");
}

#[test]
fn masks_passwords_in_urls() {
    assert_eq!(
        mask_url("postgres://u:pw@h:5432/db"),
        "postgres://u:***@h:5432/db"
    );
    assert_eq!(mask_url("nats://h:4222"), "nats://h:4222");
    let c = Config {
        database_url: "postgres://u:topsecret@h/db".into(),
        ..Default::default()
    };
    assert!(!c.masked().contains("topsecret"));
}

#[test]
fn nats_logins_layer_per_component_and_never_show() {
    let file = "nats_url = \"nats://relay:url-secret@h:4222\"\n\
         [nats_auth]\nuser = \"engine\"\npassword = \"file-secret\"\n\
         [nats_auth.query]\ntoken = \"query-token\"\n";
    // The older variable names still work.
    let env = vars(&[
        ("LEASEHOLD_NATS_COMMAND_USER", "cmd"),
        ("LEASEHOLD_NATS_COMMAND_PASSWORD", "env-secret"),
        ("LEASEHOLD_INSECURE_NATS", "true"),
        ("LEASEHOLD_NATS_CA_FILE", "/ca.pem"),
    ]);
    let c = Config::from_layers(Some(file), env).expect("env");
    assert!(c.insecure_nats);
    let command = c.nats_endpoint(NatsRole::Command);
    assert_eq!(command.login.user.as_deref(), Some("cmd"));
    assert_eq!(command.login.password.as_deref(), Some("env-secret"));
    assert_eq!(command.tls.ca_file.as_deref(), Some(Path::new("/ca.pem")));
    let query = c.nats_endpoint(NatsRole::Query);
    assert_eq!(query.login.token.as_deref(), Some("query-token"));
    assert_eq!(query.login.user, None);
    let relay = c.nats_endpoint(NatsRole::Relay);
    assert_eq!(relay.login.user.as_deref(), Some("engine"));
    for shown in [c.masked(), format!("{c:?}")] {
        for secret in ["url-secret", "file-secret", "env-secret", "query-token"] {
            assert!(!shown.contains(secret), "{secret} shown in:\n{shown}");
        }
    }
    let maybe = vars(&[("LEASEHOLD_INSECURE_NATS", "maybe")]);
    assert!(Config::from_layers(Some(file), maybe).is_err());
}
