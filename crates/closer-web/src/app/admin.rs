//! Administration: users, teams and the org-wide access defaults, plus what every user manages
//! for themselves (their password, their API tokens) and the assign action on owned records.
//! Every change here is audited like any record change.

use closer_domain::ValidationErrors;
use closer_domain::access::{AccessDefaults, Action, Role};
use closer_domain::audit::AuditAction;
use closer_domain::ids::{TeamId, UserId};
use closer_domain::record::Ownership;
use closer_domain::text::{self, NAME_MAX};
use closer_domain::user::{Language, Preferences, TeamMembership, UserDraft, UserFields, UserPatch, UserView};
use closer_domain::zone::Zone;
use closer_store::teams::{self, Team};
use closer_store::{access_defaults, audit, sessions, tokens, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{self, check_password, hash_password};
use super::resources::{Assignable, References};
use super::{AppError, AppResult, Ctx, Expected, begin_change, finish_change, new_id, now};

pub(crate) fn require_admin(ctx: &Ctx) -> AppResult<()> {
    if ctx.principal.is_admin() && ctx.principal.writes() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only an administrator may do this".into()))
    }
}

/// A user as shown, with the memberships of `memberships` that are theirs.
fn user_view(user: users::User, memberships: &[teams::Membership]) -> AppResult<UserView> {
    let role = Role::parse(&user.role).map_err(AppError::Conflict)?;
    let teams = memberships
        .iter()
        .filter(|m| m.user_id == user.id)
        .map(|m| TeamMembership {
            team_id: TeamId(m.team_id),
            is_manager: m.is_manager,
        })
        .collect();
    Ok(UserView {
        id: user.user_id(),
        email: user.email,
        display_name: user.display_name,
        role,
        disabled: user.disabled_at.is_some(),
        teams,
        language: user.language.as_deref().and_then(|code| Language::parse(code).ok()),
        time_zone: user.time_zone,
    })
}

async fn view(ctx: &Ctx, user: users::User) -> AppResult<UserView> {
    let mut conn = ctx.db.acquire().await?;
    let memberships = teams::memberships(conn.conn(), ctx.workspace, Some(user.user_id()), None).await?;
    user_view(user, &memberships)
}

/// Every user of the workspace (any signed-in user may list them, to pick owners and assignees).
pub async fn list_users(ctx: &Ctx) -> AppResult<Vec<UserView>> {
    let mut conn = ctx.db.acquire().await?;
    let all = users::list(conn.conn(), ctx.workspace).await?;
    let memberships = teams::memberships(conn.conn(), ctx.workspace, None, None).await?;
    all.into_iter().map(|user| user_view(user, &memberships)).collect()
}

pub async fn get_user(ctx: &Ctx, id: UserId) -> AppResult<UserView> {
    let mut conn = ctx.db.acquire().await?;
    let user = users::get(conn.conn(), ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "user",
            id: id.as_uuid(),
        })?;
    drop(conn);
    view(ctx, user).await
}

fn password_error(message: String) -> AppError {
    ValidationErrors::single("password", message).into()
}

/// A generated first password: 20 random hex digits (80 bits), easy to type once and change.
fn generated_password() -> AppResult<String> {
    Ok(auth::random_secret()?[..20].to_owned())
}

/// A new user, and the generated password when the draft named none (shown once).
pub async fn create_user(ctx: &Ctx, draft: &UserDraft) -> AppResult<(UserView, Option<String>)> {
    require_admin(ctx)?;
    let fields = draft.parse()?;
    let (password, generated) = match &draft.password {
        Some(password) => (password.clone(), None),
        None => {
            let password = generated_password()?;
            (password.clone(), Some(password))
        }
    };
    check_password(&password, &[&fields.email, &fields.display_name]).map_err(password_error)?;
    let hash = hash_password(&password).await?;
    let user = insert_user(ctx, &fields, &hash).await?;
    Ok((view(ctx, user).await?, generated))
}

async fn insert_user(ctx: &Ctx, fields: &UserFields, hash: &str) -> AppResult<users::User> {
    let at = now();
    let user = users::User {
        id: new_id(),
        email: fields.email.clone(),
        display_name: fields.display_name.clone(),
        role: fields.role.as_str().to_owned(),
        disabled_at: None,
        language: None,
        time_zone: None,
    };
    let mut tx = ctx.begin().await?;
    if users::by_email(tx.conn(), ctx.workspace, &user.email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user with the e-mail {} exists already",
            user.email
        )));
    }
    users::insert(tx.conn(), ctx.workspace, &user, Some(hash), at).await?;
    let shown = serde_json::json!({ "email": user.email, "display_name": user.display_name, "role": user.role });
    let entries = ctx.audit_change(at, "user", user.id, AuditAction::Create, None, &shown);
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(user)
}

/// The number of active admins other than `except`.
async fn other_admins(ctx: &Ctx, except: UserId) -> AppResult<usize> {
    let mut conn = ctx.db.acquire().await?;
    Ok(users::list(conn.conn(), ctx.workspace)
        .await?
        .iter()
        .filter(|u| u.id != except.as_uuid() && u.role == "admin" && u.disabled_at.is_none())
        .count())
}

pub async fn patch_user(ctx: &Ctx, id: UserId, patch: &UserPatch) -> AppResult<UserView> {
    require_admin(ctx)?;
    let mut conn = ctx.db.acquire().await?;
    let current = users::get(conn.conn(), ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "user",
            id: id.as_uuid(),
        })?;
    drop(conn);
    let role = Role::parse(&current.role).map_err(AppError::Conflict)?;
    let fields = patch.apply(&UserFields {
        email: current.email.clone(),
        display_name: current.display_name.clone(),
        role,
    })?;
    let disabled = patch.disabled.unwrap_or(current.disabled_at.is_some());
    let stays_admin = fields.role == Role::Admin && !disabled;
    if role == Role::Admin && !stays_admin && other_admins(ctx, id).await? == 0 {
        return Err(AppError::Conflict(
            "the workspace needs at least one active administrator".into(),
        ));
    }
    let at = now();
    let next = users::User {
        id: current.id,
        email: fields.email,
        display_name: fields.display_name,
        role: fields.role.as_str().to_owned(),
        disabled_at: if disabled {
            current.disabled_at.or(Some(at))
        } else {
            None
        },
        language: current.language.clone(),
        time_zone: current.time_zone.clone(),
    };
    let mut tx = ctx.begin().await?;
    if next.email != current.email && users::by_email(tx.conn(), ctx.workspace, &next.email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user with the e-mail {} exists already",
            next.email
        )));
    }
    users::update(tx.conn(), ctx.workspace, &next, at).await?;
    if disabled {
        // Disabling is final for every credential issued so far, even if the user comes back.
        sessions::delete_for_user(tx.conn(), ctx.workspace, id).await?;
        tokens::revoke_all_for_user(tx.conn(), ctx.workspace, id, at).await?;
    }
    let shown = |u: &users::User| serde_json::json!({ "email": u.email, "display_name": u.display_name, "role": u.role, "disabled": u.disabled_at.is_some() });
    let entries = ctx.audit_change(
        at,
        "user",
        id.as_uuid(),
        AuditAction::Update,
        Some(&shown(&current)),
        &shown(&next),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    view(ctx, next).await
}

async fn store_password(ctx: &Ctx, user: UserId, hash: &str) -> AppResult<()> {
    let at = now();
    let mut tx = ctx.begin().await?;
    if !users::set_password(tx.conn(), ctx.workspace, user, hash, at).await? {
        return Err(AppError::NotFound {
            entity: "user",
            id: user.as_uuid(),
        });
    }
    // A new password ends every session, including the one that set it.
    sessions::delete_for_user(tx.conn(), ctx.workspace, user).await?;
    let redacted = |text: &str| serde_json::json!({ "password": text });
    let entries = ctx.audit_change(
        at,
        "user",
        user.as_uuid(),
        AuditAction::Update,
        Some(&redacted("(old)")),
        &redacted("(changed)"),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(())
}

/// A user sets their own preferences (today: the language of the web application).
pub async fn set_own_preferences(ctx: &Ctx, preferences: &Preferences) -> AppResult<UserView> {
    if ctx.principal.scope == closer_domain::access::TokenScope::Read {
        return Err(AppError::Forbidden(
            "a read-only token cannot change preferences".into(),
        ));
    }
    let id = ctx.actor();
    let mut conn = ctx.db.acquire().await?;
    let current = users::get(conn.conn(), ctx.workspace, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "user",
            id: id.as_uuid(),
        })?;
    drop(conn);
    let time_zone = match preferences.time_zone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(
            Zone::named(name)
                .map_err(|m| ValidationErrors::single("time_zone", m))?
                .name()
                .to_owned(),
        ),
    };
    let next = users::User {
        language: preferences.language.map(|l| l.as_str().to_owned()),
        time_zone,
        ..current.clone()
    };
    if next.language == current.language && next.time_zone == current.time_zone {
        return view(ctx, next).await;
    }
    let at = now();
    let mut tx = ctx.begin().await?;
    users::update(tx.conn(), ctx.workspace, &next, at).await?;
    let shown = |u: &users::User| serde_json::json!({ "language": u.language, "time_zone": u.time_zone });
    let entries = ctx.audit_change(
        at,
        "user",
        id.as_uuid(),
        AuditAction::Update,
        Some(&shown(&current)),
        &shown(&next),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    view(ctx, next).await
}

/// Sets a user's password (generated when none is given, and returned once).
pub async fn reset_password(ctx: &Ctx, id: UserId, password: Option<&str>) -> AppResult<Option<String>> {
    require_admin(ctx)?;
    let user = get_user(ctx, id).await?;
    let (password, generated) = match password {
        Some(p) => (p.to_owned(), None),
        None => {
            let p = generated_password()?;
            (p.clone(), Some(p))
        }
    };
    check_password(&password, &[&user.email, &user.display_name]).map_err(password_error)?;
    store_password(ctx, id, &hash_password(&password).await?).await?;
    Ok(generated)
}

/// A user changes their own password, proving they know the current one.
pub async fn change_own_password(ctx: &Ctx, current: &str, new: &str) -> AppResult<()> {
    if ctx.principal.scope == closer_domain::access::TokenScope::Read {
        return Err(AppError::Forbidden("a read-only token cannot change a password".into()));
    }
    let me = get_user(ctx, ctx.actor()).await?;
    let mut conn = ctx.db.acquire().await?;
    let stored = users::password_hash(conn.conn(), ctx.workspace, ctx.actor()).await?;
    drop(conn);
    if !auth::password_matches(current, stored).await {
        return Err(ValidationErrors::single("current_password", "is not your current password").into());
    }
    check_password(new, &[&me.email, &me.display_name]).map_err(|m| ValidationErrors::single("new_password", m))?;
    store_password(ctx, ctx.actor(), &hash_password(new).await?).await
}

/// A team as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<TeamMemberView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamMemberView {
    pub user_id: UserId,
    pub is_manager: bool,
}

/// A new team or a new name for one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamDraft {
    #[schema(value_type = closer_domain::text::NameText)]
    pub name: String,
}

/// A member's place in a team.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberDraft {
    /// Managers see and edit the team's records and may reassign them.
    #[serde(default)]
    pub is_manager: bool,
}

pub async fn list_teams(ctx: &Ctx) -> AppResult<Vec<TeamView>> {
    let mut conn = ctx.db.acquire().await?;
    let all = teams::list(conn.conn(), ctx.workspace).await?;
    let memberships = teams::memberships(conn.conn(), ctx.workspace, None, None).await?;
    Ok(all
        .into_iter()
        .map(|team| TeamView {
            id: TeamId(team.id),
            members: memberships
                .iter()
                .filter(|m| m.team_id == team.id)
                .map(|m| TeamMemberView {
                    user_id: UserId(m.user_id),
                    is_manager: m.is_manager,
                })
                .collect(),
            name: team.name,
        })
        .collect())
}

pub async fn get_team(ctx: &Ctx, id: TeamId) -> AppResult<TeamView> {
    list_teams(ctx)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound {
            entity: "team",
            id: id.as_uuid(),
        })
}

fn team_name(draft: &TeamDraft) -> AppResult<String> {
    text::required(&draft.name, NAME_MAX).map_err(|m| ValidationErrors::single("name", m).into())
}

pub async fn create_team(ctx: &Ctx, draft: &TeamDraft) -> AppResult<TeamView> {
    require_admin(ctx)?;
    let team = Team {
        id: new_id(),
        name: team_name(draft)?,
    };
    let at = now();
    let mut tx = ctx.begin().await?;
    if teams::list(tx.conn(), ctx.workspace)
        .await?
        .iter()
        .any(|t| t.name == team.name)
    {
        return Err(AppError::Conflict(format!("a team named {} exists already", team.name)));
    }
    teams::insert(tx.conn(), ctx.workspace, &team, at).await?;
    let entries = ctx.audit_change(
        at,
        "team",
        team.id,
        AuditAction::Create,
        None,
        &serde_json::json!({ "name": team.name }),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    get_team(ctx, TeamId(team.id)).await
}

pub async fn rename_team(ctx: &Ctx, id: TeamId, draft: &TeamDraft) -> AppResult<TeamView> {
    require_admin(ctx)?;
    let before = get_team(ctx, id).await?;
    let name = team_name(draft)?;
    let at = now();
    let mut tx = ctx.begin().await?;
    if teams::list(tx.conn(), ctx.workspace)
        .await?
        .iter()
        .any(|t| t.name == name && t.id != id.as_uuid())
    {
        return Err(AppError::Conflict(format!("a team named {name} exists already")));
    }
    teams::rename(tx.conn(), ctx.workspace, id, &name, at).await?;
    let entries = ctx.audit_change(
        at,
        "team",
        id.as_uuid(),
        AuditAction::Update,
        Some(&serde_json::json!({ "name": before.name })),
        &serde_json::json!({ "name": name }),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    get_team(ctx, id).await
}

/// Adds a user to a team, or changes whether they manage it.
pub async fn set_member(ctx: &Ctx, team: TeamId, user: UserId, draft: &MemberDraft) -> AppResult<TeamView> {
    require_admin(ctx)?;
    get_team(ctx, team).await?;
    get_user(ctx, user).await?;
    let at = now();
    let mut tx = ctx.begin().await?;
    teams::set_member(tx.conn(), ctx.workspace, team, user, draft.is_manager, at).await?;
    let entries = ctx.audit_change(
        at,
        "team_member",
        team.as_uuid(),
        AuditAction::Update,
        None,
        &serde_json::json!({ "user_id": user, "is_manager": draft.is_manager }),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    get_team(ctx, team).await
}

pub async fn remove_member(ctx: &Ctx, team: TeamId, user: UserId) -> AppResult<TeamView> {
    require_admin(ctx)?;
    let at = now();
    let mut tx = ctx.begin().await?;
    if !teams::remove_member(tx.conn(), ctx.workspace, team, user).await? {
        return Err(AppError::NotFound {
            entity: "team member",
            id: user.as_uuid(),
        });
    }
    let entries = ctx.audit_change(
        at,
        "team_member",
        team.as_uuid(),
        AuditAction::Delete,
        None,
        &serde_json::json!({ "user_id": user }),
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    get_team(ctx, team).await
}

/// Replaces the org-wide access defaults.
pub async fn set_access_defaults(ctx: &Ctx, defaults: &AccessDefaults) -> AppResult<AccessDefaults> {
    require_admin(ctx)?;
    let at = now();
    let mut tx = ctx.begin().await?;
    let before = access_defaults::load(tx.conn(), ctx.workspace).await?;
    access_defaults::save(tx.conn(), ctx.workspace, defaults, at).await?;
    let entries = ctx.audit_change(
        at,
        "access_defaults",
        ctx.workspace.as_uuid(),
        AuditAction::Update,
        Some(&before),
        defaults,
    );
    audit::insert(tx.conn(), ctx.workspace, &entries).await?;
    tx.commit().await?;
    Ok(*defaults)
}

/// A new owner (and team) for a record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub owner_id: UserId,
    /// The record's team; left out, the new owner's first team; `null`, no team.
    #[serde(default, deserialize_with = "closer_domain::validation::patch::nullable")]
    pub team_id: Option<Option<TeamId>>,
}

/// Gives a record a new owner and team: needs the assign right (managers of the record's team,
/// admins).
pub async fn assign<R: Assignable>(ctx: &Ctx, id: Uuid, expected: &Expected, request: &AssignRequest) -> AppResult<R> {
    let (mut tx, current) = begin_change::<R>(ctx, id, expected, Action::Assign).await?;
    let mut refs = References::new();
    refs.user(tx.conn(), ctx.workspace, "owner_id", Some(request.owner_id))
        .await?;
    let memberships = teams::memberships(tx.conn(), ctx.workspace, Some(request.owner_id), None).await?;
    let team_id = match request.team_id {
        None => memberships.first().map(|m| TeamId(m.team_id)),
        Some(None) => None,
        Some(Some(team)) => {
            if teams::get(tx.conn(), ctx.workspace, team).await?.is_none() {
                refs.missing("team_id", format!("no such team: {team}"));
            }
            Some(team)
        }
    };
    refs.merge(Ok(()))?;
    let mut next = current.clone();
    next.set_ownership(Ownership {
        owner_id: request.owner_id,
        team_id,
    });
    finish_change(ctx, tx, &current, next, AuditAction::Update).await
}
