use super::*;
use crate::test_support::{at, t0};

#[test]
fn parse_accepts_human_and_bare_forms() {
    let table = [
        ("1", 1),
        ("3600", 3600),
        ("90s", 90),
        ("30m", 1800),
        ("1h", 3600),
        ("1h30m", 5400),
        ("2d", 172_800),
        ("1d2h3m4s", 93_784),
        ("1h0m", 3600),
        ("90m", 5400),
        (" 15m ", 900),
        ("3650d", Ttl::MAX_SECS),
        ("315360000", Ttl::MAX_SECS),
    ];
    for (input, secs) in table {
        let ttl = Ttl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(ttl.as_secs(), secs, "{input}");
    }
}

#[test]
fn parse_rejects_bad_input() {
    for bad in [
        "",
        " ",
        "0",
        "0s",
        "0h0m",
        "-5",
        "-5s",
        "99999999999999999999",
        "99999999999999999999s",
        "18446744073709551615d",
        "315360001",
        "3651d",
        "10y",
        "1w",
        "h",
        "1h30",
        "30m1h",
        "1h1h",
        "1h 30m",
        "1.5h",
        "+5",
        "1H",
        "five",
    ] {
        let err = Ttl::parse(bad).expect_err(bad);
        assert!(err.is_ttl());
        assert_eq!(err.field(), "ttl");
    }
}

#[test]
fn from_secs_bounds() {
    assert!(Ttl::from_secs(0).is_err());
    assert_eq!(Ttl::from_secs(1).unwrap().as_secs(), 1);
    assert_eq!(Ttl::from_secs(Ttl::MAX_SECS).unwrap(), Ttl::MAX);
    assert!(Ttl::from_secs(Ttl::MAX_SECS + 1).is_err());
}

#[test]
fn display_is_compact_and_reparses() {
    for (secs, text) in [
        (1, "1s"),
        (90, "1m30s"),
        (3600, "1h"),
        (5400, "1h30m"),
        (86_400, "1d"),
        (93_784, "1d2h3m4s"),
    ] {
        let ttl = Ttl::from_secs(secs).unwrap();
        assert_eq!(ttl.to_string(), text);
        assert_eq!(Ttl::parse(text).unwrap(), ttl);
    }
}

#[test]
fn serde_is_u64_seconds() {
    let ttl = Ttl::from_secs(5400).unwrap();
    assert_eq!(serde_json::to_string(&ttl).unwrap(), "5400");
    assert_eq!(serde_json::from_str::<Ttl>("5400").unwrap(), ttl);
    assert!(serde_json::from_str::<Ttl>("0").is_err());
    assert!(serde_json::from_str::<Ttl>("315360001").is_err());
    assert!(serde_json::from_str::<Ttl>("\"1h\"").is_err());
}

#[test]
fn duration_and_after() {
    let ttl = Ttl::from_secs(90).unwrap();
    assert_eq!(ttl.as_duration(), chrono::Duration::seconds(90));
    assert_eq!(ttl.after(t0()), at(90));
    assert_eq!(
        Ttl::MAX.after(DateTime::<Utc>::MAX_UTC),
        DateTime::<Utc>::MAX_UTC
    );
}

#[test]
fn try_from_string_and_ordering() {
    assert_eq!(Ttl::try_from("1h".to_string()).unwrap().as_secs(), 3600);
    assert!(Ttl::try_from(0u64).is_err());
    assert!(Ttl::from_secs(60).unwrap() < Ttl::from_secs(61).unwrap());
}
