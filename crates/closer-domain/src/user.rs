//! Users as administrators manage them: sign-in e-mail, display name, role, disabled or not.
//! Passwords are checked and hashed by the sign-in layer, never here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Role;
use crate::contact::EmailAddress;
use crate::ids::{TeamId, UserId};
use crate::text::{self, NAME_MAX, NameText};
use crate::validation::{Validation, ValidationErrors, patch};

/// A new user, as an administrator sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDraft {
    /// The sign-in e-mail (stored in lower case).
    #[schema(value_type = EmailAddress)]
    pub email: String,
    #[schema(value_type = NameText)]
    pub display_name: String,
    pub role: Role,
    /// The first password; left out, one is generated and returned once.
    pub password: Option<String>,
}

/// Changes to a user. Passwords change through their own routes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(value_type = EmailAddress, nullable = false)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(value_type = NameText, nullable = false)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    /// `true` ends every session and token of the user at once.
    #[serde(default, deserialize_with = "patch::required")]
    #[schema(nullable = false)]
    pub disabled: Option<bool>,
}

/// A user's checked identity fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// Checks a sign-in e-mail and stores it in lower case (sign-in is case-insensitive).
pub fn parse_login_email(raw: &str) -> Result<String, String> {
    EmailAddress::parse(raw).map(|e| e.as_str().to_lowercase())
}

impl UserDraft {
    pub fn parse(&self) -> Result<UserFields, ValidationErrors> {
        let mut check = Validation::new();
        let email = check.check("email", parse_login_email(&self.email));
        let display_name = check.check("display_name", text::required(&self.display_name, NAME_MAX));
        check.finish(|| {
            Some(UserFields {
                email: email?,
                display_name: display_name?,
                role: self.role,
            })
        })
    }
}

impl UserPatch {
    pub fn apply(&self, current: &UserFields) -> Result<UserFields, ValidationErrors> {
        let mut check = Validation::new();
        let email = match &self.email {
            Some(raw) => check.check("email", parse_login_email(raw)),
            None => Some(current.email.clone()),
        };
        let display_name = match &self.display_name {
            Some(raw) => check.check("display_name", text::required(raw, NAME_MAX)),
            None => Some(current.display_name.clone()),
        };
        check.finish(|| {
            Some(UserFields {
                email: email?,
                display_name: display_name?,
                role: self.role.unwrap_or(current.role),
            })
        })
    }
}

/// One team a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TeamMembership {
    pub team_id: TeamId,
    pub is_manager: bool,
}

crate::string_enum!(
    /// The languages the web application speaks: English and Simplified Chinese.
    Language { En => "en", Zh => "zh" }
);

/// What users choose for themselves.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The language of the web application; null follows the browser's `Accept-Language`.
    #[serde(default)]
    pub language: Option<Language>,
    /// The IANA time zone you live in (`Asia/Shanghai`): meetings are typed and shown, and your
    /// day begins, on its clocks. Null is UTC.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub teams: Vec<TeamMembership>,
    /// The language the user chose; null follows the browser.
    pub language: Option<Language>,
    /// The IANA time zone the user lives in; null is UTC.
    pub time_zone: Option<String>,
}
