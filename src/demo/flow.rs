//! The demo's walk through the Infisical-style flow, over real NATS requests.

use std::time::Duration;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use entra_emulator::{Emulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID};
use leasehold_api::events::LeaseEventType;
use leasehold_api::{ConnectionHealth, ErrorCode, HistoryPage, HolderAt, Operation};
use serde_json::{json, Value};

use super::print::{detail, human, masked, step, title, when};
use crate::app::Engine;
use crate::client::ApiClient;
use crate::signin::{sign_in, SignIn};

/// Walks connection → users → secrets → lease → sign-in → renew → revoke → expiry → audit.
pub async fn walk(engine: &Engine, emulator: &Emulator) -> anyhow::Result<()> {
    let operator = ApiClient::new(engine.nats.clone(), engine.subjects.clone(), "operator");
    let dev = operator.as_actor("dev");
    let http = reqwest::Client::new();
    let base = emulator.base_url().to_string();

    title("1. register the Entra application (operator)");
    let conn = operator
        .command(
            Operation::ConnectionCreate,
            &super::emulator_connection("contoso", emulator),
        )
        .await
        .context(Operation::ConnectionCreate.name())?;
    step(&format!(
        "connection {} verified against the token endpoint (tenant {})",
        conn["name"].as_str().unwrap_or("?"),
        conn["tenant_id"].as_str().unwrap_or("?")
    ));

    let health: ConnectionHealth = serde_json::from_value(
        operator
            .query(Operation::ConnectionCheck, &json!({ "name": "contoso" }))
            .await
            .context(Operation::ConnectionCheck.name())?,
    )
    .context("connection.check reply")?;
    step(&format!(
        "health: token {}, {}, Temporary Access Passes {}",
        if health.token_ok { "ok" } else { "refused" },
        if health.missing.is_empty() {
            "no permission or directory role missing".to_string()
        } else {
            format!("missing {}", health.missing.join("; "))
        },
        match health.passes_allowed {
            Some(true) => "allowed",
            Some(false) => "not allowed",
            None => "unknown",
        }
    ));

    title("2. pick users from the tenant (every page of Graph /users)");
    let users = operator
        .query(Operation::UsersList, &json!({ "connection": "contoso" }))
        .await
        .context("users.list")?;
    let list = users["items"].as_array().cloned().unwrap_or_default();
    for u in &list {
        detail(&format!(
            "{:<40} {}",
            u["user_principal_name"].as_str().unwrap_or("?"),
            u["display_name"].as_str().unwrap_or("")
        ));
    }
    step(&format!("{} users found", list.len()));

    title("3. one dynamic secret per picked user (default TTL 30m, max TTL 2h)");
    let created = operator
        .command(
            Operation::SecretCreate,
            &json!({
                "connection": "contoso",
                "prefix": "demo",
                "users": ["alice@contoso.onmicrosoft.com", "bob@contoso.onmicrosoft.com",
                          "carol@contoso.onmicrosoft.com"],
                "default_ttl": "30m",
                "max_ttl": "2h",
            }),
        )
        .await
        .context(Operation::SecretCreate.name())?;
    for s in created["created"].as_array().into_iter().flatten() {
        step(&format!(
            "secret {} → {}",
            s["name"].as_str().unwrap_or("?"),
            s["user_principal_name"].as_str().unwrap_or("?")
        ));
    }

    title("4. a developer leases alice's password for 20 minutes");
    let request = json!({ "secret": "demo-alice", "ttl": "20m" });
    let reply = dev
        .command_with_id(Operation::LeaseCreate, &request, "demo-1")
        .await
        .context(Operation::LeaseCreate.name())?;
    let alice = leased(&reply)?;
    step(&format!(
        "lease {} is {}",
        alice.id,
        reply["status"].as_str().unwrap_or("?")
    ));
    detail(&format!("username {}", alice.username));
    detail(&format!("password {}", masked(&alice.password)));
    detail(&format!("expires  {}", when(alice.expires_at)));
    let again = leased(
        &dev.command_with_id(Operation::LeaseCreate, &request, "demo-1")
            .await?,
    )?;
    step(&format!(
        "the same request id again returns the same lease: {}",
        again.id == alice.id
    ));
    match dev
        .command(Operation::LeaseCreate, &json!({ "secret": "demo-alice" }))
        .await
    {
        Err(e) if e.code() == Some(ErrorCode::LeaseConflict) => {
            step("a second lease on alice is refused while this one lives (lease_conflict)")
        }
        other => bail!("expected lease_conflict, got {other:?}"),
    }

    title("5. prove the password at the Entra token endpoint (ROPC)");
    let proof = prove(&http, &base, &alice).await?;
    if proof != SignIn::Accepted {
        bail!("the leased password did not sign in: {proof:?}");
    }
    step("sign-in with the leased password: accepted");

    title("6. renew");
    for (ttl, note) in [("1h", ""), ("5h", ", never past issue time + max TTL")] {
        let renewed = dev
            .command(
                Operation::LeaseRenew,
                &json!({ "lease_id": alice.id, "ttl": ttl }),
            )
            .await
            .context(Operation::LeaseRenew.name())?;
        step(&format!(
            "renewed by {ttl}: expires {} (capped: {}{note})",
            when(time(&renewed["expires_at"])?),
            renewed["capped"]
        ));
    }

    title("7. revoke early");
    let asked = dev
        .command(Operation::LeaseRevoke, &json!({ "lease_id": alice.id }))
        .await
        .context(Operation::LeaseRevoke.name())?;
    step(&format!(
        "lease {} is {}: waiting for Entra to confirm (`leasehold lease revoke --wait`)",
        alice.id,
        asked["lease"]["status"].as_str().unwrap_or("?")
    ));
    let revoked = wait_for_status(&dev, &alice.id, "revoked", Duration::from_secs(60)).await?;
    step(&format!(
        "lease {} is {}: {}",
        alice.id,
        revoked["status"].as_str().unwrap_or("?"),
        crate::client::REVOCATION_CONFIRMED
    ));
    expect_refused(prove(&http, &base, &alice).await?, "the old password")?;

    title("8. a short lease expires on its own");
    let reply = dev
        .command(
            Operation::LeaseCreate,
            &json!({ "secret": "demo-bob", "ttl": "3s" }),
        )
        .await
        .context(Operation::LeaseCreate.name())?;
    let bob = leased(&reply)?;
    step(&format!(
        "lease {} on {} for 3s, expires {}",
        bob.id,
        bob.username,
        when(bob.expires_at)
    ));
    let expired = wait_for_status(&dev, &bob.id, "revoked", Duration::from_secs(60)).await?;
    step(&format!(
        "revoked automatically ({}), {} after its expiry",
        expired["revocation_reason"].as_str().unwrap_or("?"),
        lateness(&expired)
    ));
    expect_refused(prove(&http, &base, &bob).await?, "bob's expired password")?;

    let lease_id = alice.id;
    title(&format!("9. audit history of lease {lease_id}"));
    let history: HistoryPage = operator
        .query_as(Operation::AuditHistory, &json!({ "lease_id": lease_id }))
        .await
        .context("audit.history")?;
    for entry in &history.items {
        detail(&super::print::history_line(entry));
    }

    title("10. who held a working password for alice, and when?");
    // Half-way between the activation and the revocation recorded above.
    let moment = |kind: LeaseEventType, field: &str| {
        history
            .items
            .iter()
            .find(|e| LeaseEventType::parse(&e.event_type) == Some(kind))
            .and_then(|e| time(&e.changes[field]).ok())
    };
    let (from, to) = (
        moment(LeaseEventType::LeaseActivated, "activated_at")
            .context("no activation in the history")?,
        moment(LeaseEventType::LeaseRevoked, "revoked_at")
            .context("no revocation in the history")?,
    );
    let during = from + (to - from) / 2;
    let at: HolderAt = operator
        .query_as(
            Operation::AuditAt,
            &json!({ "user": alice.username, "time": during.to_rfc3339() }),
        )
        .await
        .context("audit.at")?;
    match at.holder {
        Some(holder) => step(&format!(
            "at {}: lease {} requested by {} (valid {} → {})",
            during.format("%H:%M:%S%.3f"),
            holder.lease_id,
            holder.requested_by,
            rfc3339(holder.valid_from),
            holder
                .valid_to
                .map_or_else(|| "still valid".to_string(), rfc3339),
        )),
        None => bail!("audit.at found no holder while the lease was active"),
    }
    let _ = engine;
    Ok(())
}

/// A time as the engine writes it (`2026-11-27T12:01:00.123456Z`).
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The facts of a `lease.create` reply the demo uses.
struct Leased {
    id: String,
    username: String,
    password: String,
    expires_at: DateTime<Utc>,
}

fn leased(reply: &Value) -> anyhow::Result<Leased> {
    let text = |v: &Value, what: &str| -> anyhow::Result<String> {
        Ok(v.as_str()
            .with_context(|| format!("reply without {what}"))?
            .to_string())
    };
    Ok(Leased {
        id: text(&reply["lease"]["lease_id"], "lease id")?,
        username: text(&reply["credential"]["username"], "username")?,
        password: text(&reply["credential"]["password"], "password")?,
        expires_at: time(&reply["lease"]["expires_at"])?,
    })
}

async fn prove(http: &reqwest::Client, base: &str, lease: &Leased) -> anyhow::Result<SignIn> {
    sign_in(
        http,
        base,
        DEMO_TENANT_ID,
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        &lease.username,
        &lease.password,
    )
    .await
}

fn expect_refused(outcome: SignIn, what: &str) -> anyhow::Result<()> {
    match outcome {
        SignIn::Refused { error, code } => {
            let code = code.map(|c| format!(", AADSTS{c}")).unwrap_or_default();
            step(&format!("sign-in with {what}: refused ({error}{code})"));
            Ok(())
        }
        SignIn::Accepted => bail!("{what} still signs in"),
    }
}

async fn wait_for_status(
    client: &ApiClient,
    lease_id: &str,
    status: &str,
    within: Duration,
) -> anyhow::Result<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Ok(reply) = client
            .query(Operation::LeaseGet, &json!({ "lease_id": lease_id }))
            .await
        {
            let lease = reply.get("lease").cloned().unwrap_or(reply);
            if lease["status"] == status {
                return Ok(lease);
            }
        }
        if tokio::time::Instant::now() > deadline {
            bail!("lease {lease_id} did not become {status} within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn time(v: &Value) -> anyhow::Result<DateTime<Utc>> {
    v.as_str()
        .context("missing time")?
        .parse::<DateTime<Utc>>()
        .context("bad time")
}

fn lateness(lease: &Value) -> String {
    match (time(&lease["expires_at"]), time(&lease["revoked_at"])) {
        (Ok(e), Ok(r)) => {
            let ms = (r - e).num_milliseconds().max(0);
            if ms < 1000 {
                format!("{ms}ms")
            } else {
                human(ms / 1000)
            }
        }
        _ => "?".into(),
    }
}
