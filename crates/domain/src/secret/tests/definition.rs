use super::*;

#[test]
fn create_records_all_fields() {
    Fixture::with(())
        .given_no_previous_events()
        .when(create_with(HOUR, DAY))
        .then_expect_events(vec![created()]);
}

#[test]
fn create_with_default_equal_to_max_is_fine() {
    let events = Fixture::with(())
        .given_no_previous_events()
        .when(create_with(DAY, DAY))
        .inspect_result()
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[test]
fn create_with_default_above_max_is_rejected() {
    Fixture::with(())
        .given_no_previous_events()
        .when(create_with(DAY, HOUR))
        .then_expect_error(SecretError::DefaultTtlExceedsMax {
            default: ttl(DAY),
            max: ttl(HOUR),
        });
}

#[test]
fn create_twice_or_after_delete_is_already_exists() {
    Fixture::with(())
        .given(vec![created()])
        .when(create_with(HOUR, DAY))
        .then_expect_error(SecretError::AlreadyExists);
    Fixture::with(())
        .given(vec![created(), deleted(None)])
        .when(create_with(HOUR, DAY))
        .then_expect_error(SecretError::AlreadyExists);
}

#[test]
fn update_records_resulting_values() {
    Fixture::with(())
        .given(vec![created()])
        .when(SecretCommand::Update {
            default_ttl: Some(ttl(2 * HOUR)),
            max_ttl: None,
            connection: Some(connection_name("fabrikam")),
            at: at(7),
        })
        .then_expect_events(vec![SecretEvent::SecretUpdated {
            default_ttl: ttl(2 * HOUR),
            max_ttl: ttl(DAY),
            connection: connection_name("fabrikam"),
            updated_at: at(7),
        }]);
}

#[test]
fn update_with_nothing_changed_is_a_no_op() {
    for (default_ttl, max_ttl, connection) in [
        (None, None, None),
        (
            Some(ttl(HOUR)),
            Some(ttl(DAY)),
            Some(connection_name("contoso")),
        ),
    ] {
        Fixture::with(())
            .given(vec![created()])
            .when(SecretCommand::Update {
                default_ttl,
                max_ttl,
                connection,
                at: at(7),
            })
            .then_expect_events(vec![]);
    }
}

#[test]
fn update_checks_resulting_ttls() {
    // Lowering only the max below the existing default is caught too.
    Fixture::with(())
        .given(vec![created()])
        .when(SecretCommand::Update {
            default_ttl: None,
            max_ttl: Some(ttl(60)),
            connection: None,
            at: at(7),
        })
        .then_expect_error(SecretError::DefaultTtlExceedsMax {
            default: ttl(HOUR),
            max: ttl(60),
        });
}

#[test]
fn update_missing_or_deleted_is_not_found() {
    let update = || SecretCommand::Update {
        default_ttl: Some(ttl(60)),
        max_ttl: None,
        connection: None,
        at: at(7),
    };
    Fixture::with(())
        .given_no_previous_events()
        .when(update())
        .then_expect_error(SecretError::NotFound);
    Fixture::with(())
        .given(vec![created(), deleted(None)])
        .when(update())
        .then_expect_error(SecretError::NotFound);
}

#[test]
fn delete_without_live_lease() {
    Fixture::with(())
        .given(vec![created()])
        .when(SecretCommand::Delete { at: at(50) })
        .then_expect_events(vec![deleted(None)]);
}

#[test]
fn delete_with_live_lease_records_it() {
    Fixture::with(())
        .given(vec![created(), reserved(1, 10)])
        .when(SecretCommand::Delete { at: at(50) })
        .then_expect_events(vec![deleted(Some(1))]);
}

#[test]
fn delete_twice_or_missing_is_not_found() {
    Fixture::with(())
        .given(vec![created(), deleted(None)])
        .when(SecretCommand::Delete { at: at(60) })
        .then_expect_error(SecretError::NotFound);
    Fixture::with(())
        .given_no_previous_events()
        .when(SecretCommand::Delete { at: at(60) })
        .then_expect_error(SecretError::NotFound);
}
