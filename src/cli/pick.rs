//! `secret create --pick`: in a terminal, a checkbox list (space toggles, `a` toggles
//! all, Enter confirms); with piped input, a numbered list and one line such as `1,3,5-7`.

use std::io::{BufRead, Write};

use serde_json::Value;

use super::exit::CliError;
use super::output::text;
use super::users::table;

/// Shows `users` numbered on `prompt_to`, reads one selection line from `input` and
/// returns the UPNs picked, in list order.
pub fn pick(
    users: &[Value],
    input: &mut impl BufRead,
    prompt_to: &mut impl Write,
) -> Result<Vec<String>, CliError> {
    if users.is_empty() {
        return Err(CliError::usage(
            "the tenant has no users to pick from (check --search)",
        ));
    }
    write!(prompt_to, "{}", table(users, true).render())?;
    write!(prompt_to, "pick users (e.g. 1,3,5-7 or all), then Enter: ")?;
    prompt_to.flush()?;
    let mut line = String::new();
    input.read_line(&mut line)?;
    let picked = parse_selection(&line, users.len()).map_err(|e| {
        CliError::usage(format!(
            "{e}; give numbers from the list such as 1,3,5-7 (or all)"
        ))
    })?;
    Ok(picked
        .into_iter()
        .map(|i| text(&users[i], "user_principal_name"))
        .collect())
}

/// Shows `users` as a checkbox list on the terminal and returns the UPNs ticked, in
/// list order. Escape cancels.
pub fn pick_interactively(users: &[Value]) -> Result<Vec<String>, CliError> {
    if users.is_empty() {
        return Err(CliError::usage(
            "the tenant has no users to pick from (check --search)",
        ));
    }
    let items: Vec<String> = table(users, false)
        .render()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    let picked = dialoguer::MultiSelect::new()
        .with_prompt("pick users (space toggles, a toggles all, Enter confirms)")
        .items(&items)
        .report(false)
        .interact_opt()
        .map_err(|e| CliError::usage(format!("cannot read the terminal: {e}")))?;
    match picked {
        None => Err(CliError::usage("cancelled; no secret created")),
        Some(picked) if picked.is_empty() => Err(CliError::usage(
            "nothing picked (space ticks a user, Enter confirms)",
        )),
        Some(picked) => Ok(picked
            .into_iter()
            .map(|i| text(&users[i], "user_principal_name"))
            .collect()),
    }
}

/// Parses `1,3,5-7` (commas or spaces; `all`) into sorted, distinct zero-based indexes
/// below `n`.
pub fn parse_selection(line: &str, n: usize) -> Result<Vec<usize>, String> {
    let line = line.trim();
    if line.eq_ignore_ascii_case("all") || line == "*" {
        return Ok((0..n).collect());
    }
    let mut picked = Vec::new();
    for part in line.split([',', ' ', '\t']).filter(|p| !p.is_empty()) {
        let number = |s: &str| -> Result<usize, String> {
            match s.trim().parse::<usize>() {
                Ok(k) if (1..=n).contains(&k) => Ok(k - 1),
                _ => Err(format!("{s:?} is not a number from 1 to {n}")),
            }
        };
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (number(from)?, number(to)?);
                if from > to {
                    return Err(format!("range {part:?} runs backwards"));
                }
                picked.extend(from..=to);
            }
            None => picked.push(number(part)?),
        }
    }
    if picked.is_empty() {
        return Err("nothing picked".to_string());
    }
    picked.sort_unstable();
    picked.dedup();
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selections_accept_lists_ranges_and_all() {
        assert_eq!(parse_selection("1,3,5-7\n", 8), Ok(vec![0, 2, 4, 5, 6]));
        assert_eq!(parse_selection(" 2 1 2 ", 3), Ok(vec![0, 1]));
        assert_eq!(parse_selection("all", 3), Ok(vec![0, 1, 2]));
        assert!(parse_selection("", 3).is_err());
        assert!(parse_selection("0", 3).is_err());
        assert!(parse_selection("4", 3).is_err());
        assert!(parse_selection("3-1", 3).is_err());
        assert!(parse_selection("x", 3).is_err());
    }

    #[test]
    fn picks_upns_from_piped_input() {
        let users = vec![
            json!({"user_principal_name": "a@x", "display_name": "A"}),
            json!({"user_principal_name": "b@x", "display_name": "B"}),
            json!({"user_principal_name": "c@x", "display_name": "C"}),
        ];
        let mut shown = Vec::new();
        let picked = pick(&users, &mut "3,1\n".as_bytes(), &mut shown).expect("pick");
        assert_eq!(picked, ["a@x", "c@x"]);
        let shown = String::from_utf8(shown).expect("utf8");
        assert!(shown.contains("2  b@x"), "{shown}");
    }
}
