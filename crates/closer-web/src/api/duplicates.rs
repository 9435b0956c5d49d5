//! The duplicate finder.

use axum::Json;
use closer_domain::party::PartyKind;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::ApiQuery;
use super::problem::{Problem, ProblemBody};
use crate::app::duplicates::{self, Duplicates};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// `person` or `organisation`.
    pub kind: PartyKind,
}

/// Likely duplicates over the whole workspace, as pairs with their reasons: people sharing an
/// e-mail or a phone, or with similar names at the same organisation; organisations sharing a
/// tax id, web domain, e-mail, phone or name. Only pairs whose both records you may see; at
/// most 500, most reasons first.
#[utoipa::path(get, path = "/duplicates", tag = "imports", params(DuplicatesQuery),
    responses((status = 200, body = Duplicates),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn find_duplicates(
    ctx: crate::app::Ctx,
    ApiQuery(query): ApiQuery<DuplicatesQuery>,
) -> Result<Json<Duplicates>, Problem> {
    Ok(Json(duplicates::find(&ctx, query.kind).await?))
}

/// What a record about to be made holds.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// `person` or `organisation`.
    pub kind: PartyKind,
    /// The name (organisations are matched by name too).
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// An organisation's web address or domain.
    pub website: Option<String>,
    pub tax_id: Option<String>,
}

/// Before making a person or an organisation: the records you may see that it would duplicate
/// (same e-mail or phone; for organisations also same web domain, tax id or name), with why.
/// Values that are not valid are passed over.
#[utoipa::path(get, path = "/duplicates/check", tag = "imports", params(CheckQuery),
    responses((status = 200, body = Vec<duplicates::DuplicateMatch>),
              (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn check_duplicates(
    ctx: crate::app::Ctx,
    ApiQuery(query): ApiQuery<CheckQuery>,
) -> Result<Json<Vec<duplicates::DuplicateMatch>>, Problem> {
    let candidate = duplicates::Candidate {
        name: query.name,
        emails: query.email.into_iter().collect(),
        phones: query.phone.into_iter().collect(),
        website: query.website,
        tax_id: query.tax_id,
    };
    Ok(Json(duplicates::check(&ctx, query.kind, &candidate).await?))
}
