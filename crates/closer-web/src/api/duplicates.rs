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
