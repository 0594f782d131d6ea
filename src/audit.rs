//! Reading the event history of an aggregate for people.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// One line per event of lease (or secret) `id`: time, actor, event and facts, oldest
/// first. Sealed values are never shown.
pub async fn history(pool: &PgPool, id: &str) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(
        i64,
        String,
        serde_json::Value,
        serde_json::Value,
        DateTime<Utc>,
    )> = sqlx::query_as(
        "SELECT sequence, event_type, payload, metadata, recorded_at FROM events
              WHERE aggregate_id = $1 ORDER BY sequence",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, event_type, payload, metadata, at)| {
            let actor = metadata["actor"].as_str().unwrap_or("?").to_string();
            let facts = summary(&event_type, &payload[&event_type]);
            format!(
                "#{seq:<2} {} {:<18} {:<26} {facts}",
                at.format("%H:%M:%S%.3f"),
                actor,
                event_type
            )
        })
        .collect())
}

fn summary(event_type: &str, body: &serde_json::Value) -> String {
    let s = |k: &str| body[k].as_str().unwrap_or("").to_string();
    match event_type {
        "LeaseRequested" => format!("user {} ttl {}s", s("user_principal_name"), body["ttl"]),
        "LeaseActivated" => "password set in Entra (sealed)".into(),
        "LeaseRenewed" => format!("expires {} capped {}", s("expires_at"), body["capped"]),
        "LeaseRevocationRequested" => format!("reason {}", s("reason")),
        "LeaseRevoked" => format!("reason {} forced {}", s("reason"), body["forced"]),
        "ActivationAttemptFailed" | "RevocationAttemptFailed" => format!(
            "attempt {} {}",
            body["attempt"],
            body["error"]["kind"].as_str().unwrap_or("")
        ),
        _ => String::new(),
    }
}
