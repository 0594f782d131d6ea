//! The lease engine end to end over NATS: a lease becomes a working Entra password, shows
//! up in the read models, and dies on time.

mod helpers;

use std::time::Duration;

use chrono::{DateTime, Utc};
use helpers::contract::typed;
use helpers::{status_is, TestApp};
use leasehold::signin::SignIn;
use leasehold_api::{Anchor, ExportPage, HistoryPage, HolderAt, Operation, VerifyReport};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

/// Posts a grant to the emulator's token endpoint (scope includes offline_access).
async fn token(app: &TestApp, grant: &[(&str, &str)]) -> Value {
    let base = app.emulator.base_url();
    let url = format!(
        "{base}/{}/oauth2/v2.0/token",
        entra_emulator::DEMO_TENANT_ID
    );
    let scope = format!("offline_access {base}/.default");
    let mut form = vec![
        ("client_id", entra_emulator::DEMO_CLIENT_ID),
        ("client_secret", entra_emulator::DEMO_CLIENT_SECRET),
        ("scope", scope.as_str()),
    ];
    form.extend_from_slice(grant);
    let response = app
        .http
        .post(url)
        .form(&form)
        .send()
        .await
        .expect("token endpoint");
    response.json().await.expect("json")
}

async fn refresh_token(app: &TestApp, username: &str, password: &str) -> String {
    let grant = [
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ];
    let body = token(app, &grant).await;
    body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Value {
    token(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

#[tokio::test]
async fn full_lifecycle_over_nats() {
    let app = TestApp::spawn().await;
    let conn = app.connect().await;
    assert_eq!(conn["name"], "contoso");
    assert!(
        conn.get("client_secret").is_none(),
        "replies never carry the client secret"
    );

    let users = app
        .admin
        .query(Operation::UsersList, &json!({ "connection": "contoso" }))
        .await
        .expect("users");
    let upns: Vec<&str> = users["items"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["user_principal_name"].as_str())
        .collect();
    assert!(upns.contains(&"alice@contoso.onmicrosoft.com"), "{upns:?}");

    let created = app
        .secrets("ops", &["alice", "bob", "carol"], "1h", "2h")
        .await;
    let names: Vec<&str> = created["created"]
        .as_array()
        .expect("created")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["ops-alice", "ops-bob", "ops-carol"]);

    let dev = app.client("dev");
    let lease = dev
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "ops-alice", "ttl": "30m" }),
        )
        .await
        .expect("lease");
    assert_eq!(lease["status"], "active", "{lease}");
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let username = lease["credential"]["username"]
        .as_str()
        .expect("username")
        .to_string();
    let password = lease["credential"]["password"]
        .as_str()
        .expect("password")
        .to_string();
    assert_eq!(username, "alice@contoso.onmicrosoft.com");
    assert_eq!(app.sign_in(&username, &password).await, SignIn::Accepted);
    let while_held = Utc::now();
    let earlier = refresh_token(&app, &username, &password).await;

    let renewed = dev
        .command(
            Operation::LeaseRenew,
            &json!({ "lease_id": lease_id, "ttl": "1h" }),
        )
        .await
        .expect("renew");
    assert_eq!(renewed["capped"], false);
    let capped = dev
        .command(
            Operation::LeaseRenew,
            &json!({ "lease_id": lease_id, "ttl": "3h" }),
        )
        .await
        .expect("renew");
    assert_eq!(capped["capped"], true);
    assert_eq!(capped["expires_at"], capped["lease"]["max_expires_at"]);

    dev.command(Operation::LeaseRevoke, &json!({ "lease_id": lease_id }))
        .await
        .expect("revoke");
    let revoked = app.wait_lease(&lease_id, WAIT, status_is("revoked")).await;
    assert_eq!(revoked["revocation_reason"], "manual");
    assert_eq!(revoked["renewals"], 2);
    match app.sign_in(&username, &password).await {
        SignIn::Refused { error, code } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(code, Some(50126));
        }
        SignIn::Accepted => panic!("the revoked password still works"),
    }
    let after = refresh(&app, &earlier).await;
    assert_eq!(after["error"], "invalid_grant", "{after}");

    let listed = app
        .admin
        .query(Operation::LeaseList, &json!({ "secret": "ops-alice" }))
        .await
        .expect("list");
    let rows = listed["items"].as_array().expect("leases");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "revoked");
    let history: Vec<String> = app
        .history(&lease_id)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        history,
        [
            "LeaseRequested",
            "LeaseActivated",
            "LeaseRenewed",
            "LeaseRenewed",
            "LeaseRevocationRequested",
            "LeaseRevoked"
        ]
    );
    // The slot is released by an event after `LeaseRevoked`: the read model follows.
    let mut poll = leasehold_testkit::Poll::new(WAIT, Duration::from_millis(50));
    loop {
        let secret = app
            .admin
            .query(Operation::SecretGet, &json!({ "name": "ops-alice" }))
            .await
            .expect("secret");
        let secret = secret.get("secret").cloned().unwrap_or(secret);
        if secret["live_lease_id"].is_null() {
            break;
        }
        assert!(poll.again().await, "never released: {secret}");
    }
    audit_replies_are_the_contract_types(&app, &lease_id, &username, while_held).await;
    app.replies
        .check_against_schemas("full_lifecycle_over_nats");
    app.stop().await;
}

/// The five audit queries over NATS: each result decodes into its type in
/// `leasehold_api` and encodes back to the same JSON (and, captured, matches
/// `docs/schema/`).
async fn audit_replies_are_the_contract_types(
    app: &TestApp,
    lease_id: &str,
    user: &str,
    while_held: DateTime<Utc>,
) {
    let ask = |op: Operation, payload: Value| async move {
        app.admin
            .query(op, &payload)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"))
    };
    let history: HistoryPage = typed(
        "audit.history",
        &ask(Operation::AuditHistory, json!({ "lease_id": lease_id })).await,
    );
    assert_eq!(history.items.len(), 6);
    assert_eq!(history.items[1].changes["credential"], "[sealed]");
    assert_eq!(history.next, None);

    let at = json!({ "user": user, "time": while_held.to_rfc3339() });
    let held: HolderAt = typed("audit.at", &ask(Operation::AuditAt, at).await);
    let holder = held.holder.expect("a holder while the lease was live");
    assert_eq!(holder.lease_id, lease_id);
    assert!(holder.valid_to.is_some() && !holder.forced);

    let window = json!({
        "from": (while_held - chrono::Duration::hours(1)).to_rfc3339(),
        "to": (Utc::now() + chrono::Duration::minutes(1)).to_rfc3339(),
    });
    let export: ExportPage = typed("audit.export", &ask(Operation::AuditExport, window).await);
    assert!(export
        .items
        .iter()
        .any(|e| e.aggregate_id == lease_id && e.event_type == "LeaseRevoked"));

    let anchor: Anchor = typed(
        "audit.anchor",
        &ask(Operation::AuditAnchor, json!({})).await,
    );
    let against = json!({ "against": anchor.head() });
    let report: VerifyReport = typed("audit.verify", &ask(Operation::AuditVerify, against).await);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.against, Some(anchor.head()));
}

#[tokio::test]
async fn a_short_lease_expires_by_itself() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("exp", &["bob"], "1h", "2h").await;
    let lease = app
        .admin
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "exp-bob", "ttl": "2s" }),
        )
        .await
        .expect("lease");
    let lease_id = lease["lease"]["lease_id"].as_str().expect("id").to_string();
    let password = lease["credential"]["password"]
        .as_str()
        .expect("password")
        .to_string();
    let revoked = app.wait_lease(&lease_id, WAIT, status_is("revoked")).await;
    assert_eq!(revoked["revocation_reason"], "expired");
    let history = app.history(&lease_id).await;
    assert!(
        history.contains(&(
            "LeaseRevocationRequested".to_string(),
            "system:scheduler".to_string()
        )),
        "{history:?}"
    );
    assert!(matches!(
        app.sign_in("bob@contoso.onmicrosoft.com", &password).await,
        SignIn::Refused { .. }
    ));
    app.stop().await;
}

#[tokio::test]
async fn one_live_lease_per_secret_and_idempotent_request_ids() {
    let app = TestApp::spawn().await;
    app.connect().await;
    app.secrets("idem", &["carol"], "1h", "2h").await;
    let dev = app.client("dev");
    let first = dev
        .command_with_id(
            Operation::LeaseCreate,
            &json!({ "secret": "idem-carol" }),
            "req-1",
        )
        .await
        .expect("lease");
    let again = dev
        .command_with_id(
            Operation::LeaseCreate,
            &json!({ "secret": "idem-carol" }),
            "req-1",
        )
        .await
        .expect("retry");
    assert_eq!(first["lease"]["lease_id"], again["lease"]["lease_id"]);
    assert_eq!(
        first["credential"]["password"],
        again["credential"]["password"]
    );
    let err = dev
        .command(Operation::LeaseCreate, &json!({ "secret": "idem-carol" }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(leasehold_api::ErrorCode::LeaseConflict));
    let leasehold::client::ApiError::Refused {
        details, message, ..
    } = err
    else {
        panic!()
    };
    assert_eq!(details["lease_id"], first["lease"]["lease_id"]);
    assert!(message.contains(first["lease"]["lease_id"].as_str().expect("id")));
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'LeaseRequested'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(n, 1);
    app.replies
        .check_against_schemas("one_live_lease_per_secret_and_idempotent_request_ids");
    app.stop().await;
}

#[tokio::test]
async fn malformed_commands_get_invalid_request_and_the_service_keeps_serving() {
    let app = TestApp::spawn().await;
    let ops = [
        "connection.create",
        "connection.rotate",
        "connection.delete",
        "secret.create",
        "secret.update",
        "secret.delete",
        "lease.create",
        "lease.renew",
        "lease.revoke",
    ];
    let bad: [&[u8]; 5] = [
        b"not json",
        b"[1,2]",
        b"{\"unknown_field\": 1}",
        b"{\"name\": 42}",
        b"\xff\xfe",
    ];
    for op in ops {
        for payload in bad {
            let subject = app.engine.subjects.command("dev", op);
            let reply = leasehold_bus::request_as(
                &app.engine.nats,
                "dev",
                subject,
                None,
                payload.to_vec().into(),
                Duration::from_secs(30),
            )
            .await
            .expect("reply");
            let body: Value = serde_json::from_slice(&reply.payload).expect("json reply");
            assert_eq!(
                body["error"]["code"], "invalid_request",
                "{op} {payload:?}: {body}"
            );
        }
    }
    let unknown = app
        .client("dev")
        .send_raw(leasehold_api::Tree::Command, "lease.explode", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        unknown.code(),
        Some(leasehold_api::ErrorCode::InvalidRequest)
    );
    app.connect().await;
    app.stop().await;
}
