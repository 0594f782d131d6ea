//! A Temporary Access Pass secret: every TTL whole minutes within the tenant's policy.

use super::*;

const BOUNDS: TapBounds = TapBounds {
    min_minutes: 60,
    max_minutes: 480,
};
const TAP: CredentialKind = CredentialKind::TemporaryAccessPass { usable_once: true };

fn create_tap(default_ttl: u64, max_ttl: u64, bounds: Option<TapBounds>) -> SecretCommand {
    match create_with(default_ttl, max_ttl) {
        SecretCommand::Create {
            name,
            connection,
            user_object_id,
            user_principal_name,
            display_name,
            default_ttl,
            max_ttl,
            at,
            ..
        } => SecretCommand::Create {
            name,
            connection,
            user_object_id,
            user_principal_name,
            display_name,
            default_ttl,
            max_ttl,
            credential_kind: TAP,
            tap_bounds: bounds,
            at,
        },
        other => other,
    }
}

fn tap_created() -> SecretEvent {
    SecretEvent::SecretCreated {
        name: secret_name("db-admin"),
        connection: connection_name("contoso"),
        user_object_id: user_id(),
        user_principal_name: upn(),
        display_name: "Alice".into(),
        default_ttl: ttl(HOUR),
        max_ttl: ttl(8 * HOUR),
        credential_kind: TAP,
        tap_bounds: Some(BOUNDS),
        created_at: at(0),
    }
}

#[test]
fn a_tap_secret_keeps_the_policy_bounds_it_was_created_under() {
    Fixture::with(())
        .given_no_previous_events()
        .when(create_tap(HOUR, 8 * HOUR, Some(BOUNDS)))
        .then_expect_events(vec![tap_created()]);
}

#[test]
fn a_tap_secret_needs_the_tenant_policy() {
    Fixture::with(())
        .given_no_previous_events()
        .when(create_tap(HOUR, 8 * HOUR, None))
        .then_expect_error(SecretError::TapPolicyUnknown);
}

#[test]
fn a_max_ttl_beyond_the_policy_maximum_is_refused() {
    Fixture::with(())
        .given_no_previous_events()
        .when(create_tap(HOUR, DAY, Some(BOUNDS)))
        .then_expect_error(SecretError::TtlOutsideTapPolicy {
            ttl: ttl(DAY),
            min_minutes: 60,
            max_minutes: 480,
        });
}

#[test]
fn a_lease_shorter_than_the_policy_minimum_is_refused() {
    Fixture::with(())
        .given(vec![tap_created()])
        .when(reserve(1, Some(30 * 60), 10))
        .then_expect_error(SecretError::TtlOutsideTapPolicy {
            ttl: ttl(30 * 60),
            min_minutes: 60,
            max_minutes: 480,
        });
}

#[test]
fn a_lease_of_part_minutes_is_refused() {
    Fixture::with(())
        .given(vec![tap_created()])
        .when(reserve(1, Some(HOUR + 30), 10))
        .then_expect_error(SecretError::TtlOutsideTapPolicy {
            ttl: ttl(HOUR + 30),
            min_minutes: 60,
            max_minutes: 480,
        });
}

#[test]
fn a_lease_within_the_policy_is_reserved() {
    Fixture::with(())
        .given(vec![tap_created()])
        .when(reserve(1, Some(2 * HOUR), 10))
        .then_expect_events(vec![SecretEvent::LeaseReserved {
            lease_id: lease_id(1),
            ttl: ttl(2 * HOUR),
            issued_at: at(10),
            expires_at: at(10 + 2 * HOUR as i64),
            max_expires_at: at(10 + 8 * HOUR as i64),
        }]);
}

#[test]
fn an_update_beyond_the_policy_is_refused() {
    Fixture::with(())
        .given(vec![tap_created()])
        .when(SecretCommand::Update {
            default_ttl: Some(ttl(10 * 60)),
            max_ttl: None,
            connection: None,
            at: at(5),
        })
        .then_expect_error(SecretError::TtlOutsideTapPolicy {
            ttl: ttl(10 * 60),
            min_minutes: 60,
            max_minutes: 480,
        });
}

#[test]
fn the_kind_is_stored_as_before_for_passwords_and_tagged_for_passes() {
    assert_eq!(
        serde_json::to_value(CredentialKind::Password).unwrap(),
        serde_json::json!("password")
    );
    assert_eq!(
        serde_json::to_value(TAP).unwrap(),
        serde_json::json!({"temporary_access_pass": {"usable_once": true}})
    );
}
