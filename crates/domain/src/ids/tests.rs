use uuid::Uuid;

use super::*;
use crate::test_support::lease_id;

#[test]
fn secret_name_accepts_slugs() {
    for ok in ["a", "db-admin", "x1", "0", "a-b-c", &"a".repeat(64)] {
        let name = SecretName::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(name.as_str(), ok);
        assert_eq!(name.to_string(), ok);
    }
}

#[test]
fn secret_name_rejects_non_slugs() {
    let long = "a".repeat(65);
    for bad in [
        "", "-a", "a-", "-", "A", "Admin", "a.b", "a*", "a>", "*", ">", "a b", " a", "a\n", "a_b",
        "é", "ä-b", "a/b", "a:b", &long,
    ] {
        let err = SecretName::parse(bad).expect_err(bad);
        assert_eq!(err.field(), "secret name");
    }
}

#[test]
fn connection_name_uses_same_rules() {
    assert!(ConnectionName::parse("contoso-prod").is_ok());
    for bad in ["", "Contoso", "a.b", "a*", "a>", "-a", "a-", "a b"] {
        let err = ConnectionName::parse(bad).expect_err(bad);
        assert_eq!(err.field(), "connection name");
    }
}

#[test]
fn names_round_trip_through_serde_as_plain_strings() {
    let name = SecretName::parse("db-admin").unwrap();
    let json = serde_json::to_string(&name).unwrap();
    assert_eq!(json, "\"db-admin\"");
    assert_eq!(serde_json::from_str::<SecretName>(&json).unwrap(), name);
    assert!(serde_json::from_str::<SecretName>("\"Bad.Name\"").is_err());
    assert!(serde_json::from_str::<ConnectionName>("\"a>\"").is_err());
    assert_eq!(
        ConnectionName::try_from("c1".to_string()).unwrap().as_str(),
        "c1"
    );
}

#[test]
fn lease_id_accepts_v7_and_normalises_case() {
    let id = lease_id(1);
    let upper = id.to_string().to_uppercase();
    let parsed = LeaseId::parse(&upper).unwrap();
    assert_eq!(parsed, id);
    assert_eq!(parsed.to_string(), id.to_string().to_lowercase());
    assert_eq!(LeaseId::from_uuid(id.as_uuid()).unwrap(), id);
    assert_eq!(Uuid::from(id), id.as_uuid());
}

#[test]
fn lease_id_rejects_v4_and_garbage() {
    let v4 = Uuid::new_v4();
    let err = LeaseId::from_uuid(v4).unwrap_err();
    assert!(err.reason().contains("v7"), "{err}");
    assert!(LeaseId::parse(&v4.to_string()).is_err());
    let simple = lease_id(2).as_uuid().simple().to_string();
    for bad in [
        "",
        "not-a-uuid",
        &simple,
        "{00000000-0000-7000-8000-000000000000}",
    ] {
        assert!(LeaseId::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn lease_id_serde_is_a_string() {
    let id = lease_id(3);
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{id}\""));
    assert_eq!(serde_json::from_str::<LeaseId>(&json).unwrap(), id);
    let v4 = format!("\"{}\"", Uuid::new_v4());
    assert!(serde_json::from_str::<LeaseId>(&v4).is_err());
}

#[test]
fn entra_object_id_parses_guids_lowercase() {
    let id = EntraObjectId::parse("6F1C2B3A-0D4E-4F5A-9B8C-7D6E5F4A3B2C").unwrap();
    assert_eq!(id.as_str(), "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c");
    for bad in [
        "",
        "6f1c2b3a0d4e4f5a9b8c7d6e5f4a3b2c",
        "{6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c}",
        "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2g",
        "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2",
        "6f1c2b3a_0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c ",
    ] {
        assert!(EntraObjectId::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn upn_parse_table() {
    for ok in [
        "a@b",
        "alice@contoso.com",
        "first.last@contoso.onmicrosoft.com",
        "x_y-z'q@sub.example-domain.org",
        "ext_user#EXT#@contoso.onmicrosoft.com",
    ] {
        let upn = UserPrincipalName::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(upn.as_str(), ok);
    }
    let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(60));
    let long_local = format!("{}@contoso.com", "a".repeat(65));
    for bad in [
        "",
        "ab",
        "alice",
        "@contoso.com",
        "alice@",
        "a@b@c",
        "al ice@contoso.com",
        "alice@contoso.com\n",
        "alice\t@contoso.com",
        "älice@contoso.com",
        "alice@cöntoso.com",
        "a*@contoso.com",
        "a>@contoso.com",
        "alice@contoso_com",
        "alice@.contoso.com",
        "alice@contoso.com.",
        &long,
        &long_local,
    ] {
        let err = UserPrincipalName::parse(bad).expect_err(bad);
        assert_eq!(err.field(), "user principal name");
    }
}

#[test]
fn actor_parse_table() {
    for ok in [
        "alice",
        "Alice_01",
        "svc-ci",
        "system:scheduler",
        "system:revoker-2",
    ] {
        assert_eq!(Actor::parse(ok).unwrap().as_str(), ok);
    }
    for bad in [
        "",
        "a.b",
        "a*",
        "a>",
        "a b",
        "ä",
        "system:",
        "system:Scheduler",
        "system:a.b",
        "other:x",
        &"a".repeat(65),
    ] {
        assert!(Actor::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_person_is_a_lower_case_sign_in_name_that_no_subject_token_can_spell() {
    for ok in [
        "alice@contoso.onmicrosoft.com",
        "o'brien+ops@example.co.uk",
        "a.b-c_d%e@x-y.z",
    ] {
        let actor = Actor::parse(ok).unwrap();
        assert!(actor.is_person() && !actor.is_system(), "{ok}");
    }
    assert!(!Actor::parse("alice").unwrap().is_person());
    for bad in [
        "Alice@contoso.com",
        "alice@localhost",
        "alice@",
        "@contoso.com",
        "alice@contoso..com",
        "alice@con toso.com",
        "alice@@contoso.com",
        "a@b@contoso.com",
        "alice@contoso.com.",
        &format!("{}@{}.com", "a".repeat(64), "b".repeat(45)),
    ] {
        assert!(Actor::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn actor_system_is_marked_and_always_reparses() {
    let scheduler = Actor::system("scheduler");
    assert_eq!(scheduler.as_str(), "system:scheduler");
    assert!(scheduler.is_system());
    assert!(!Actor::parse("alice").unwrap().is_system());
    for odd in ["Worker.1", "", "--", "x y"] {
        let actor = Actor::system(odd);
        assert!(actor.is_system());
        assert_eq!(Actor::parse(actor.as_str()).unwrap(), actor, "{odd}");
    }
}

#[test]
fn parse_error_truncates_echoed_input() {
    let huge = "X".repeat(10_000);
    let err = SecretName::parse(&huge).unwrap_err();
    assert!(err.value().chars().count() <= 65);
    assert!(err.to_string().len() < 200, "{err}");
    assert!(err.to_string().contains("secret name"));
}
