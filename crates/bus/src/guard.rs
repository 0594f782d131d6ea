//! Checking, before serving, that a stranger cannot speak leasehold's API.
//!
//! leasehold trusts the actor token of a request subject only because NATS lets each
//! user publish under its own name. A server that accepts anonymous clients with full
//! rights (the default `nats-server -js`) lets anyone be `admin`. The engine therefore
//! connects once without credentials and tries what an outsider would.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::{NatsEndpoint, Subjects};

/// How long the probe waits for the server's verdict on each publish.
const VERDICT_WAIT: Duration = Duration::from_secs(3);

/// What an anonymous client may do on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnonymousAccess {
    /// The server refuses to let it in.
    Refused(String),
    /// It gets in but may publish neither requests nor JetStream API calls.
    Confined,
    /// It may speak the API: serving would trust whatever actor it claims.
    Open(String),
}

/// Connects to `endpoint`'s servers without any login (and without a client
/// certificate) and tries to publish a command, a command as each of `admins` and a
/// JetStream API call. The admins' subjects matter on their own: a server whose
/// `no_auth_user` is an admin confines strangers to exactly that admin's rights.
pub async fn check_anonymous_refused(
    endpoint: &NatsEndpoint,
    subjects: &Subjects,
    admins: &[String],
) -> AnonymousAccess {
    let stranger = NatsEndpoint {
        tls: crate::NatsTls {
            cert_file: None,
            key_file: None,
            ..endpoint.tls.clone()
        },
        ..endpoint.clone()
    };
    let (options, servers) = match stranger.options("leasehold-anonymous-probe", true).await {
        Ok(found) => found,
        Err(e) => return AnonymousAccess::Refused(e.to_string()),
    };
    let (tx, mut events) = mpsc::unbounded_channel();
    let options = options.event_callback(move |event| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(event.to_string().to_lowercase());
        }
    });
    let client = match options.connect(servers).await {
        Ok(client) => client,
        Err(e) => return AnonymousAccess::Refused(e.to_string()),
    };
    let mut owned = vec![subjects.command("anonymous-probe", "probe")];
    owned.extend(admins.iter().map(|admin| subjects.command(admin, "probe")));
    owned.push("$JS.API.INFO".to_string());
    let probes: Vec<&str> = owned.iter().map(String::as_str).collect();
    for &subject in &probes {
        if client
            .publish(subject.to_string(), "".into())
            .await
            .is_err()
        {
            return AnonymousAccess::Refused("the server closed the connection".into());
        }
    }
    if client.flush().await.is_err() {
        return AnonymousAccess::Refused("the server closed the connection".into());
    }
    let mut denied = Vec::new();
    let deadline = tokio::time::Instant::now() + VERDICT_WAIT;
    while denied.len() < probes.len() {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                for &subject in &probes {
                    let wanted = format!("permissions violation for publish to \"{subject}\"")
                        .to_lowercase();
                    if event.contains(&wanted) && !denied.contains(&subject) {
                        denied.push(subject);
                    }
                }
            }
            _ => break,
        }
    }
    drop(client);
    match probes.iter().find(|p| !denied.contains(p)) {
        None => AnonymousAccess::Confined,
        Some(allowed) => AnonymousAccess::Open(format!(
            "a client without credentials connected to {} and may publish to {allowed}",
            endpoint.shown()
        )),
    }
}
