//! Every configuration key is settable from the environment: one row per key, all set at
//! once, each checked where it lands; and no key of the configuration lacks a row.

use std::collections::BTreeSet;

use super::layers::key_of;
use super::*;

/// (variable, value, the value as the masked configuration shows it, in TOML).
fn table() -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = [
        (
            "DATABASE_URL",
            "postgres://u@db:5432/x",
            "\"postgres://u@db:5432/x\"",
        ),
        (
            "NATS_URL",
            "nats://n1:4222,nats://n2:4222",
            "\"nats://n1:4222,nats://n2:4222\"",
        ),
        ("INSECURE_NATS", "true", "true"),
        ("NATS_TLS__CA_FILE", "/tls/ca.pem", "\"/tls/ca.pem\""),
        ("NATS_TLS__CERT_FILE", "/tls/c.pem", "\"/tls/c.pem\""),
        ("NATS_TLS__KEY_FILE", "/tls/k.pem", "\"/tls/k.pem\""),
        ("NATS_TLS__REQUIRED", "yes", "true"),
        // Digits only, yet a string: the key's type decides.
        ("SUBJECT_PREFIX", "1234", "\"1234\""),
        ("MASTER_KEY_FILE", "/keys/master", "\"/keys/master\""),
        (
            "PREVIOUS_MASTER_KEY_FILES",
            "[\"/k/1\", \"/k/2\"]",
            "[\"/k/1\", \"/k/2\"]",
        ),
        ("STREAM_REPLICAS", "3", "3"),
        ("ACTIVATION_WAIT_SECS", "7", "7"),
        ("GRAPH_CONCURRENCY", "4", "4"),
        ("GRAPH_RETRY_DEADLINE_SECS", "45", "45"),
        ("GRAPH_REQUEST_TIMEOUT_SECS", "12", "12"),
        ("LIMITS__MAX_LIVE_LEASES_PER_ACTOR", "5", "5"),
        ("LIMITS__REQUESTS_PER_SECOND", "50", "50"),
        ("LIMITS__BURST", "60", "60"),
        ("METRICS_LISTEN", "127.0.0.1:9464", "\"127.0.0.1:9464\""),
        ("HTTP_LISTEN", "127.0.0.1:8200", "\"127.0.0.1:8200\""),
        ("HTTP__ACTOR", "gateway", "\"gateway\""),
        (
            "HTTP__AUTHORITY",
            "https://login.example",
            "\"https://login.example\"",
        ),
        ("HTTP__TENANTS", "[\"t1\"]", "[\"t1\"]"),
        ("HTTP__AUDIENCES", "[\"api://lh\"]", "[\"api://lh\"]"),
        ("HTTP__ACTOR_CLAIM", "appid", "\"appid\""),
        ("HTTP__LEEWAY_SECS", "30", "30"),
        ("HTTP__JWKS_REFRESH_SECS", "120", "120"),
        ("HTTP__PERSON_CLAIM", "upn", "\"upn\""),
        ("HTTP__SIGN_IN__CLIENT_ID", "lh-web", "\"lh-web\""),
        ("HTTP__SIGN_IN__CLIENT_SECRET", "s3cr3t-web", "\"***\""),
        (
            "HTTP__SIGN_IN__REDIRECT_URI",
            "https://lh.example/v1/auth/callback",
            "\"https://lh.example/v1/auth/callback\"",
        ),
        ("HTTP__SIGN_IN__TENANT", "t1", "\"t1\""),
        (
            "HTTP__SIGN_IN__SCOPES",
            "[\"openid\", \"api://lh/Access\"]",
            "[\"openid\", \"api://lh/Access\"]",
        ),
        ("HTTP__SIGN_IN__SESSION_SECS", "900", "900"),
        (
            "HTTP__SIGN_IN__SESSION_KEY_FILE",
            "/keys/session",
            "\"/keys/session\"",
        ),
        ("POLICY__DELEGATES", "[\"gateway\"]", "[\"gateway\"]"),
        ("POLICY__ADMIN_ROLES", "[\"Lh.Admin\"]", "[\"Lh.Admin\"]"),
        (
            "POLICY_FILE",
            "/etc/leasehold/policy.toml",
            "\"/etc/leasehold/policy.toml\"",
        ),
        ("LOG_FORMAT", "json", "\"json\""),
        (
            "POLICY__ADMINS",
            "[\"admin\", \"ops\"]",
            "[\"admin\", \"ops\"]",
        ),
        (
            "POLICY__RULES",
            "[{actors = [\"dev\"], ops = [\"lease.*\"], secrets = [\"app-*\"]}]",
            "[{actors = [\"dev\"], ops = [\"lease.*\"], secrets = [\"app-*\"]}]",
        ),
    ]
    .iter()
    .map(|(k, v, shown)| (format!("LEASEHOLD_{k}"), v.to_string(), shown.to_string()))
    .collect();
    for section in [
        "",
        "COMMAND__",
        "QUERY__",
        "RELAY__",
        "WORKER__",
        "PROJECTION__",
        "HTTP__",
    ] {
        let who = section.trim_end_matches('_').to_ascii_lowercase();
        let var = |field: &str| format!("LEASEHOLD_NATS_AUTH__{section}{field}");
        rows.push((var("USER"), format!("u-{who}"), format!("\"u-{who}\"")));
        rows.push((var("PASSWORD"), format!("9876{who}"), "\"***\"".into()));
        rows.push((var("TOKEN"), format!("t-{who}"), "\"***\"".into()));
        let creds = format!("/creds/{who}.creds");
        rows.push((var("CREDS_FILE"), creds.clone(), format!("\"{creds}\"")));
    }
    rows
}

fn at<'a>(value: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(value, |v, k| v.get(k))
}

fn leaves(value: &toml::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

#[test]
fn every_key_is_settable_from_the_environment() {
    let rows = table();
    let vars = rows.iter().map(|(k, v, _)| (k.clone(), v.clone()));
    let config = Config::from_layers(None, vars).expect("every variable set");
    let shown = toml::Value::try_from(&config).expect("serialise");
    for (var, value, expected) in &rows {
        let key = key_of(var).unwrap_or_else(|| panic!("{var} names no key"));
        let expected: toml::Value =
            toml::from_str::<toml::Table>(&format!("v = {expected}")).expect("row")["v"].clone();
        assert_eq!(at(&shown, &key), Some(&expected), "{var}={value} → {key}");
    }
    let mut keys = BTreeSet::new();
    leaves(&shown, "", &mut keys);
    let covered: BTreeSet<String> = rows.iter().filter_map(|(k, _, _)| key_of(k)).collect();
    assert_eq!(keys, covered, "keys without a row (or rows without a key)");
    // Hidden values land too, though never shown.
    let worker = config.nats_endpoint(NatsRole::Worker).login;
    assert_eq!(worker.password.as_deref(), Some("9876worker"));
    assert_eq!(
        config.nats_auth.token.as_ref().map(Hidden::expose),
        Some("t-")
    );
    config.validate().expect("a valid configuration");
}

#[test]
fn other_variables_and_empty_values_are_left_alone() {
    let vars = [
        ("LEASEHOLD_MASTER_KEY", "c2VjcmV0"),
        ("LEASEHOLD_ACTOR", "alice"),
        ("LEASEHOLD_CONFIG", "/etc/leasehold.toml"),
        ("LEASEHOLD_GRAPH_CONCURRENCY", ""),
        ("PATH", "/usr/bin"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    assert_eq!(
        Config::from_layers(None, vars).expect("ignored"),
        Config::default()
    );
    let typo = [("LEASEHOLD_LIMITS__BRUST".to_string(), "1".to_string())];
    let err = Config::from_layers(None, typo).expect_err("unknown key");
    assert!(format!("{err:#}").contains("brust"), "{err:#}");
}
