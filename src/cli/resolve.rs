//! Lease ids by a unique prefix: `leasehold lease get 0193a6a2` finds the one lease
//! (among those the actor may see) whose id starts so.

use leasehold_api::Operation;
use serde_json::json;

use super::context::Api;
use super::exit::CliError;

/// Length of a hyphenated UUID.
const FULL: usize = 36;
/// Where a UUID has its version digit (7 for every lease id).
const VERSION_AT: usize = 14;

/// `given` when it is a whole lease id, else the one lease id it is a prefix of.
pub async fn lease_id(api: &Api, given: &str) -> Result<String, CliError> {
    if given.len() == FULL {
        return Ok(given.to_string());
    }
    let prefix = given.to_ascii_lowercase();
    let Some(below) = lowest_with_prefix(&prefix) else {
        return Err(CliError::usage(format!(
            "{given:?} is not a lease id nor the start of one; give the id (or its first \
             characters) as `leasehold lease list` shows it"
        )));
    };
    // Ids sort as text; every lease id that starts with the prefix comes after `below`,
    // one after the other: two rows tell whether it is unique.
    let reply = api
        .query(
            Operation::LeaseList,
            json!({ "after": below, "limit": 2, "order": "ascending" }),
        )
        .await?;
    let found: Vec<&str> = reply["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["lease_id"].as_str())
        .filter(|id| id.starts_with(&prefix))
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => Err(CliError::refused(
            "not_found",
            format!(
                "no lease you may see has an id starting with {given}; list them with \
                 `leasehold lease list`"
            ),
            json!({ "kind": "lease", "id": given }),
        )),
        several => Err(CliError::usage(format!(
            "{given} is the start of more than one lease id ({}, …); give more characters",
            several.join(", ")
        ))),
    }
}

/// The smallest lease id (UUID v7, hyphenated) that `prefix` may start, minus nothing:
/// `prefix` filled with `0`s, with the version digit 7. `None` if `prefix` cannot start a
/// lease id.
fn lowest_with_prefix(prefix: &str) -> Option<String> {
    const SHAPE: &str = "00000000-0000-7000-0000-000000000000";
    if prefix.is_empty() || prefix.len() >= FULL {
        return None;
    }
    for (i, (c, s)) in prefix.chars().zip(SHAPE.chars()).enumerate() {
        let fits = match s {
            '-' => c == '-',
            _ if i == VERSION_AT => c == '7',
            _ => c.is_ascii_hexdigit(),
        };
        if !fits {
            return None;
        }
    }
    Some(format!("{prefix}{}", &SHAPE[prefix.len()..]))
}

#[cfg(test)]
mod tests {
    use super::lowest_with_prefix;

    #[test]
    fn prefixes_become_the_lowest_lease_id_they_start() {
        assert_eq!(
            lowest_with_prefix("0193a6a2").as_deref(),
            Some("0193a6a2-0000-7000-0000-000000000000")
        );
        assert_eq!(
            lowest_with_prefix("0193a6a2-7c1e-7d").as_deref(),
            Some("0193a6a2-7c1e-7d00-0000-000000000000")
        );
        assert_eq!(lowest_with_prefix("0193a6a2-7c1e-6"), None, "not v7");
        assert_eq!(lowest_with_prefix("xyz"), None);
        assert_eq!(lowest_with_prefix("0193a6a2x"), None);
        assert_eq!(lowest_with_prefix(""), None);
    }
}
