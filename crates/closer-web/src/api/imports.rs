//! Importing people and organisations from CSV files: preview, import (resumable), progress,
//! the error report and revert.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use closer_domain::ids::ImportId;
use closer_domain::import::{Field, ImportKind, ImportMode, Source};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiId, ApiQuery, PageQuery};
use super::problem::{Problem, ProblemBody};
use crate::app::Ctx;
use crate::app::importer::{
    self, ImportFile, ImportRequest, ImportSettings, ImportView, Preview, RevertReport, Started,
};

/// The largest file the API takes; larger ones go through `closer import`.
pub const IMPORT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// How long a request waits for its import to finish before answering 202 (the import goes on;
/// follow it at `/imports/{id}`).
const WAIT_FOR_IMPORT: Duration = Duration::from_secs(40);

/// How a file is to be read and imported.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// What the file holds: `people` or `organisations`.
    pub kind: ImportKind,
    /// `create` (rows matching a record are skipped), `update` (rows matching none are
    /// skipped) or `create_or_update` (the default). Rows are matched by the source's id, tax
    /// id, e-mail, phone and (organisations) web domain.
    pub mode: Option<ImportMode>,
    /// The system the file comes from (`closer`, `salesforce`, `hubspot`, `pipedrive`,
    /// `suitecrm`, `odoo`, `generic`); told from the headers when absent.
    pub source: Option<Source>,
    /// Columns mapped by hand, as a JSON object of header → field (or `null` to leave a column
    /// alone), e.g. `{"Full name":"name","Notes":null}`.
    pub mapping: Option<String>,
    /// The calling code (`+86`) put before phone numbers written without one.
    pub phone_prefix: Option<String>,
    /// Deals: the currency (ISO 4217, e.g. `CNY`) of amounts in rows without a currency column.
    pub currency: Option<String>,
    /// Deals: the file's stage names mapped to stage keys, as JSON, over the names Closer knows,
    /// e.g. `{"Verbal yes":"b2b_company_contract"}`.
    pub stages: Option<String>,
    /// The file's name, kept with the import.
    pub file_name: Option<String>,
    /// An import that stopped part-way (status `running`): it goes on after its last row
    /// written, given the same file.
    pub resume: Option<uuid::Uuid>,
}

impl ImportQuery {
    fn settings(&self) -> Result<ImportSettings, Problem> {
        let mapping = match &self.mapping {
            None => Default::default(),
            Some(text) => {
                serde_json::from_str::<std::collections::BTreeMap<String, Option<Field>>>(text).map_err(|e| {
                    Problem::field(
                        "mapping",
                        format!("must be a JSON object of column header to field name or null: {e}"),
                    )
                })?
            }
        };
        Ok(ImportSettings {
            source: self.source,
            mapping,
            phone_prefix: self.phone_prefix.clone(),
            currency: self.currency.clone(),
            stages: match &self.stages {
                None => Default::default(),
                Some(text) => serde_json::from_str(text).map_err(|e| {
                    Problem::field(
                        "stages",
                        format!("must be a JSON object of stage name to stage key: {e}"),
                    )
                })?,
            },
        })
    }
}

fn file_of(headers: &HeaderMap, body: axum::body::Bytes) -> Result<ImportFile, Problem> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/csv");
    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ![
        "text/csv",
        "text/plain",
        "application/csv",
        "application/octet-stream",
        "text/tab-separated-values",
    ]
    .contains(&essence.as_str())
    {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the file as text/csv",
        ));
    }
    if body.is_empty() {
        return Err(Problem::field("file", "the file is empty"));
    }
    Ok(ImportFile::Bytes(body.to_vec().into()))
}

/// Reads a file's beginning as an import would: its encoding (UTF-8, UTF-16, GB18030),
/// delimiter and header row, the source it comes from, how each column maps, and its first 20
/// rows with the values read and the errors found. Nothing is written.
#[utoipa::path(post, path = "/imports/preview", tag = "imports", params(ImportQuery),
    request_body(description = "The CSV file", content(("text/csv"))),
    responses((status = 200, body = Preview),
              (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "The file is larger than 64 MiB"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "The file cannot be read, or the mapping is wrong")))]
pub async fn preview_import(
    _ctx: Ctx,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Preview>, Problem> {
    let settings = query.settings()?;
    let file = file_of(&headers, body)?;
    Ok(Json(importer::preview(query.kind, &settings, file).await?))
}

/// Imports people or organisations from a CSV file. Each row is matched to the records already
/// there by its natural keys and created, updated or skipped as `mode` says; a row that cannot
/// be imported is reported (row, column, reason) and the others go on. Rows are written 500 at
/// a time, each batch with the import's progress, so an import that stops part-way resumes with
/// `resume` and the same file, without duplicates. People may name where they work
/// (organisation name, domain or tax id): the organisation is found, or created.
/// Answers 201 with the finished import, or 202 when it takes longer than 40 seconds (it goes
/// on: follow it at `/imports/{id}`).
#[utoipa::path(post, path = "/imports", tag = "imports", params(ImportQuery),
    request_body(description = "The CSV file", content(("text/csv"))),
    responses((status = 201, body = ImportView, description = "The import, finished; created + updated + skipped + failed = rows_read"),
              (status = 202, body = ImportView, description = "The import, still running"),
              (status = 403, body = ProblemBody, content_type = "application/problem+json"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "No such import to resume"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "The import to resume is not running"),
              (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "The file is larger than 64 MiB"),
              (status = 415, body = ProblemBody, content_type = "application/problem+json"),
              (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "The file cannot be read, the mapping is wrong, or it is not the file to resume")))]
pub async fn create_import(
    ctx: Ctx,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let request = ImportRequest {
        kind: query.kind,
        mode: query.mode.unwrap_or(ImportMode::CreateOrUpdate),
        settings: query.settings()?,
        file_name: query.file_name.clone().unwrap_or_else(|| "upload.csv".into()),
        resume: query.resume.map(ImportId),
    };
    let file = file_of(&headers, body)?;
    // The import runs on its own: a client that stops waiting does not stop it.
    let (status, view) = match importer::start(&ctx, request, file, WAIT_FOR_IMPORT).await? {
        Started::Finished(id) => (StatusCode::CREATED, importer::view(&ctx, id).await?),
        Started::Running(id) => (StatusCode::ACCEPTED, importer::view(&ctx, id).await?),
    };
    let location = format!("/api/v1/imports/{}", view.id);
    Ok((status, [(header::LOCATION, location)], Json(view)).into_response())
}

/// Imports, newest first: your own (an administrator sees everyone's).
#[utoipa::path(get, path = "/imports", tag = "imports", params(PageQuery),
    responses((status = 200, body = Vec<ImportView>)))]
pub async fn list_imports(ctx: Ctx, ApiQuery(query): ApiQuery<PageQuery>) -> Result<Json<Vec<ImportView>>, Problem> {
    let imports = importer::list(&ctx, super::extract::page_request(query.after, query.limit)?).await?;
    Ok(Json(
        imports
            .into_iter()
            .map(|import| importer::view_of(import, Vec::new()))
            .collect(),
    ))
}

/// An import: where it stands (follow a long one here), its counts and its first 100 errors.
#[utoipa::path(get, path = "/imports/{id}", tag = "imports",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ImportView),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get_import(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<ImportView>, Problem> {
    Ok(Json(importer::view(&ctx, ImportId(id)).await?))
}

/// Every failed row of an import as CSV: `row` (as a spreadsheet numbers it, the header being
/// row 1), `column` and `reason`.
#[utoipa::path(get, path = "/imports/{id}/errors", tag = "imports",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, content_type = "text/csv", body = String, description = "row, column, reason"),
              (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
pub async fn import_errors(ctx: Ctx, ApiId(id): ApiId) -> Result<Response, Problem> {
    let stream = importer::error_report(ctx, ImportId(id)).await?;
    Ok(super::csv_download(&format!("import-{id}-errors.csv"), stream))
}

/// What a revert did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reverted {
    pub import: ImportView,
    pub report: RevertReport,
}

/// Reverts an import: every record it created (people, organisations, employments) is deleted
/// (restorable, audited) and nothing else; records it updated keep their changes.
#[utoipa::path(post, path = "/imports/{id}/revert", tag = "imports",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Reverted),
              (status = 404, body = ProblemBody, content_type = "application/problem+json"),
              (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "Already reverted")))]
pub async fn revert_import(ctx: Ctx, ApiId(id): ApiId) -> Result<Json<Reverted>, Problem> {
    let (import, report) = importer::revert(&ctx, ImportId(id)).await?;
    Ok(Json(Reverted {
        import: importer::view_of(import, Vec::new()),
        report,
    }))
}
