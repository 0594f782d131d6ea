//! `secret.create|update|delete`.

use std::collections::HashSet;

use leasehold_api::{ErrorCode, FailedUser, Operation, SecretsCreated};
use leasehold_domain::{ConnectionName, EntraObjectId, SecretName, Ttl, UserPrincipalName};
use serde_json::{json, Value};

use super::input::{decode, opt_ttl, ByName, CreateSecrets, UpdateSecret};
use super::{forbidden, graph_error, views, CommandService, Request};
use crate::{CommandError, NewSecret};

/// Default lease TTL of a new secret: one hour.
const DEFAULT_TTL_SECS: u64 = 3600;
/// Default max lease TTL of a new secret: one day.
const DEFAULT_MAX_TTL_SECS: u64 = 86_400;
/// Users per `secret.create` request.
const MAX_USERS: usize = 100;

impl CommandService {
    pub(super) async fn create_secrets(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: CreateSecrets = decode(req.payload)?;
        let connection =
            ConnectionName::parse(&input.connection).map_err(|e| e.with_field("connection"))?;
        SecretName::parse(&input.prefix).map_err(|e| e.with_field("prefix"))?;
        if input.users.is_empty() || input.users.len() > MAX_USERS {
            return Err(CommandError::invalid_request(format!(
                "users must list 1 to {MAX_USERS} users (object ids or UPNs)"
            )));
        }
        let default_ttl = opt_ttl(&input.default_ttl, "default_ttl")?;
        let max_ttl = opt_ttl(&input.max_ttl, "max_ttl")?;
        // Refuse before looking anyone up, so the answer does not tell which users exist.
        let prefix = format!("{}-", input.prefix);
        if !self.admission.policy().may_on_prefix(
            req.actor.as_str(),
            Operation::SecretCreate.name(),
            &prefix,
        ) {
            return Err(forbidden(
                self,
                req,
                Operation::SecretCreate,
                Some(&format!("{prefix}*")),
            ));
        }
        let creds = self.commands.credentials(&connection).await?;
        let kind = self
            .choose_kind(&creds, input.credential_kind, input.usable_once)
            .await?;
        let default_ttl = match default_ttl.or(kind.default_ttl) {
            Some(ttl) => ttl,
            None => Ttl::from_secs(DEFAULT_TTL_SECS).map_err(CommandError::from)?,
        };
        let max_ttl = match max_ttl.or(kind.max_ttl) {
            Some(ttl) => ttl,
            None => Ttl::from_secs(DEFAULT_MAX_TTL_SECS).map_err(CommandError::from)?,
        };
        let mut taken = HashSet::new();
        let mut created = Vec::new();
        let mut failed = Vec::new();
        let mut warnings = Vec::new();
        let mut grants = None;
        for user in &input.users {
            let outcome = async {
                let found = self
                    .graph
                    .get_user(&creds, user)
                    .await
                    .map_err(|e| graph_error("user lookup failed", &e))?;
                let object_id = EntraObjectId::parse(&found.id)?;
                let upn = UserPrincipalName::parse(&found.user_principal_name)?;
                if let Some(existing) = self.secret_of_user(&object_id).await? {
                    return Err(CommandError::new(
                        ErrorCode::AlreadyExists,
                        format!("user {upn} already has dynamic secret {existing}"),
                        json!({ "secret": existing, "user_principal_name": upn }),
                    ));
                }
                let name = self
                    .free_name(&input.prefix, upn.as_str(), &mut taken)
                    .await?;
                self.authorize(req, Operation::SecretCreate, Some(name.as_str()))?;
                if let Some(w) = self
                    .directory_role_warning(&creds, &found.id, upn.as_str(), &mut grants)
                    .await
                {
                    warnings.push(w);
                }
                let new = NewSecret {
                    name,
                    connection: connection.clone(),
                    user_object_id: object_id,
                    display_name: found.display_name.unwrap_or_else(|| upn.to_string()),
                    user_principal_name: upn,
                    default_ttl,
                    max_ttl,
                    credential_kind: kind.kind,
                    tap_bounds: kind.bounds,
                };
                self.commands.create_secret(new, &req.meta()).await
            }
            .await;
            match outcome {
                Ok(done) => created.extend(views::secret_view(&done.state)),
                Err(e) if input.users.len() == 1 => return Err(e),
                Err(e) => failed.push(FailedUser {
                    user: user.clone(),
                    error: e.into(),
                }),
            }
        }
        Ok(views::value(&SecretsCreated {
            created,
            failed,
            warnings,
        }))
    }

    pub(super) async fn update_secret(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: UpdateSecret = decode(req.payload)?;
        let name = SecretName::parse(&input.name).map_err(|e| e.with_field("name"))?;
        self.authorize(req, Operation::SecretUpdate, Some(name.as_str()))?;
        let connection = input
            .connection
            .as_deref()
            .map(|c| ConnectionName::parse(c).map_err(|e| e.with_field("connection")))
            .transpose()?;
        let done = self
            .commands
            .update_secret(
                &name,
                opt_ttl(&input.default_ttl, "default_ttl")?,
                opt_ttl(&input.max_ttl, "max_ttl")?,
                connection,
                &req.meta(),
            )
            .await?;
        Ok(views::secret(&done.state))
    }

    pub(super) async fn delete_secret(&self, req: &Request<'_>) -> Result<Value, CommandError> {
        let input: ByName = decode(req.payload)?;
        let name = SecretName::parse(&input.name).map_err(|e| e.with_field("name"))?;
        self.authorize(req, Operation::SecretDelete, Some(name.as_str()))?;
        let (done, revoked) = self.commands.delete_secret(&name, &req.meta()).await?;
        let Some(mut view) = views::secret_view(&done.state) else {
            return Err(CommandError::not_found("secret", name.as_str()));
        };
        view.revoked_lease_id = Some(revoked.map(|id| id.to_string()));
        Ok(views::value(&view))
    }

    /// The live secret already made for this Entra user, if any (one per user).
    async fn secret_of_user(&self, user: &EntraObjectId) -> Result<Option<String>, CommandError> {
        let ids = self
            .commands
            .store()
            .secrets_of_user(user)
            .await
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        for id in ids {
            if !self.commands.secrets.load(&id).await?.is_deleted() {
                return Ok(Some(id.to_string()));
            }
        }
        Ok(None)
    }

    /// `<prefix>-<user slug>`, with `-2`, `-3` … when the name is taken.
    async fn free_name(
        &self,
        prefix: &str,
        upn: &str,
        taken: &mut HashSet<String>,
    ) -> Result<SecretName, CommandError> {
        let local = upn.split('@').next().unwrap_or(upn);
        let mut slug: String = local
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                c @ ('a'..='z' | '0'..='9') => c,
                _ => '-',
            })
            .collect();
        slug = slug.trim_matches('-').to_string();
        while slug.contains("--") {
            slug = slug.replace("--", "-");
        }
        if slug.is_empty() {
            slug = "user".into();
        }
        for n in 1..1000 {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            let room = 64usize.saturating_sub(prefix.len() + 1 + suffix.len());
            let base: String = slug.chars().take(room).collect();
            let candidate = format!("{prefix}-{}{suffix}", base.trim_end_matches('-'));
            let name = SecretName::parse(&candidate).map_err(|e| e.with_field("prefix"))?;
            if taken.contains(&candidate) {
                continue;
            }
            let existing = self.commands.secrets.load(&name).await?;
            if existing.definition().is_none() {
                taken.insert(candidate);
                return Ok(name);
            }
        }
        Err(CommandError::invalid_request(
            "no free secret name for this user",
        ))
    }
}
