use cqrs_es::test::TestFramework;
use cqrs_es::{Aggregate, DomainEvent};

use super::*;
use crate::test_support::{at, connection_name, sealed, secret_name};
use crate::Cloud;

type Fixture = TestFramework<Connection>;

fn created() -> ConnectionEvent {
    ConnectionEvent::ConnectionCreated {
        name: connection_name("contoso"),
        tenant_id: "contoso.onmicrosoft.com".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        client_secret: sealed("v1"),
        cloud: Cloud::Global,
        created_at: at(0),
    }
}

fn create() -> ConnectionCommand {
    ConnectionCommand::Create {
        name: connection_name("contoso"),
        tenant_id: "contoso.onmicrosoft.com".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        client_secret: sealed("v1"),
        cloud: Cloud::Global,
        at: at(0),
    }
}

fn deleted() -> ConnectionEvent {
    ConnectionEvent::ConnectionDeleted { deleted_at: at(5) }
}

#[test]
fn create_records_connection() {
    Fixture::with(())
        .given_no_previous_events()
        .when(create())
        .then_expect_events(vec![created()]);
}

#[test]
fn create_twice_is_already_exists() {
    Fixture::with(())
        .given(vec![created()])
        .when(create())
        .then_expect_error(ConnectionError::AlreadyExists);
}

#[test]
fn create_after_delete_is_already_exists() {
    Fixture::with(())
        .given(vec![created(), deleted()])
        .when(create())
        .then_expect_error(ConnectionError::AlreadyExists);
}

#[test]
fn rotate_secret_records_new_secret() {
    Fixture::with(())
        .given(vec![created()])
        .when(ConnectionCommand::RotateSecret {
            client_secret: sealed("v2"),
            at: at(10),
        })
        .then_expect_events(vec![ConnectionEvent::ConnectionSecretRotated {
            client_secret: sealed("v2"),
            rotated_at: at(10),
        }]);
}

#[test]
fn rotate_on_missing_or_deleted_is_not_found() {
    let rotate = || ConnectionCommand::RotateSecret {
        client_secret: sealed("v2"),
        at: at(10),
    };
    Fixture::with(())
        .given_no_previous_events()
        .when(rotate())
        .then_expect_error(ConnectionError::NotFound);
    Fixture::with(())
        .given(vec![created(), deleted()])
        .when(rotate())
        .then_expect_error(ConnectionError::NotFound);
}

#[test]
fn delete_without_dependents() {
    Fixture::with(())
        .given(vec![created()])
        .when(ConnectionCommand::Delete {
            dependents: vec![],
            at: at(5),
        })
        .then_expect_events(vec![deleted()]);
}

#[test]
fn delete_with_dependents_is_in_use() {
    let secrets = vec![secret_name("db-admin"), secret_name("ops")];
    Fixture::with(())
        .given(vec![created()])
        .when(ConnectionCommand::Delete {
            dependents: secrets.clone(),
            at: at(5),
        })
        .then_expect_error(ConnectionError::InUse { secrets });
}

#[test]
fn delete_twice_or_missing_is_not_found() {
    let delete = || ConnectionCommand::Delete {
        dependents: vec![],
        at: at(6),
    };
    Fixture::with(())
        .given(vec![created(), deleted()])
        .when(delete())
        .then_expect_error(ConnectionError::NotFound);
    Fixture::with(())
        .given_no_previous_events()
        .when(delete())
        .then_expect_error(ConnectionError::NotFound);
}

#[test]
fn state_tracks_rotation_and_deletion() {
    let mut connection = Connection::default();
    assert!(!connection.is_live());
    connection.apply(created());
    connection.apply(ConnectionEvent::ConnectionSecretRotated {
        client_secret: sealed("v2"),
        rotated_at: at(9),
    });
    let details = connection.details().unwrap();
    assert_eq!(details.client_secret, sealed("v2"));
    assert_eq!(details.rotated_at, Some(at(9)));
    assert!(connection.is_live());
    connection.apply(deleted());
    assert!(connection.is_deleted() && !connection.is_live());
}

#[test]
fn events_round_trip_and_are_named_after_variants() {
    let events = [
        (created(), "ConnectionCreated"),
        (
            ConnectionEvent::ConnectionSecretRotated {
                client_secret: sealed("v2"),
                rotated_at: at(1),
            },
            "ConnectionSecretRotated",
        ),
        (deleted(), "ConnectionDeleted"),
    ];
    for (event, name) in events {
        assert_eq!(event.event_type(), name);
        assert_eq!(event.event_version(), "1");
        let json = serde_json::to_value(&event).unwrap();
        assert!(json.get(name).is_some(), "externally tagged: {json}");
        assert_eq!(
            serde_json::from_value::<ConnectionEvent>(json).unwrap(),
            event
        );
    }
    assert_eq!(Connection::TYPE, "Connection");
}

#[test]
fn in_use_message_names_the_secrets() {
    let err = ConnectionError::InUse {
        secrets: vec![secret_name("db-admin"), secret_name("ops")],
    };
    assert!(err.to_string().contains("db-admin, ops"), "{err}");
}

#[test]
fn cloud_serde_is_kind_tagged() {
    assert_eq!(Cloud::default(), Cloud::Global);
    assert_eq!(
        serde_json::to_value(Cloud::Global).unwrap(),
        serde_json::json!({"kind": "global"})
    );
    assert_eq!(
        serde_json::to_value(Cloud::UsGovDod).unwrap(),
        serde_json::json!({"kind": "us_gov_dod"})
    );
    let custom = Cloud::Custom {
        login_url: "http://127.0.0.1:9000".into(),
        graph_url: "http://127.0.0.1:9001".into(),
    };
    let json = serde_json::to_value(&custom).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "custom", "login_url": "http://127.0.0.1:9000", "graph_url": "http://127.0.0.1:9001"})
    );
    assert_eq!(serde_json::from_value::<Cloud>(json).unwrap(), custom);
}

#[test]
fn sealed_debug_hides_ciphertext() {
    let blob = sealed("v1");
    let debug = format!("{blob:?}");
    assert_eq!(debug, "Sealed { key_id: \"key-v1\", .. }");
    assert!(!debug.contains("CIPHERTEXT"));
    assert!(!format!("{:?}", created()).contains("CIPHERTEXT"));
    let json = serde_json::to_string(&blob).unwrap();
    assert_eq!(serde_json::from_str::<crate::Sealed>(&json).unwrap(), blob);
}
