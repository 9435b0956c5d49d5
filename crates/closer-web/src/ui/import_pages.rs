//! Data in and out from the web app: a file is previewed, then imported with its progress shown
//! (the page refreshes itself while the import runs), its errors listed and downloadable, and
//! the import reverted; exports and the duplicate finder are a click away.

use askama::Template;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closer_domain::ids::ImportId;
use closer_domain::import::{ImportKind, ImportMode, ImportStatus};
use closer_store::PageRequest;
use uuid::Uuid;

use super::{Chrome, FormValues, Viewer, error_page, refusal_message, render, see_other};
use crate::app::importer::{self, ImportFile, ImportRequest, ImportSettings, ImportView, Preview, Started};
use crate::app::imports::TextEncoding;
use crate::app::{AppError, AppResult};

/// How long the page waits for an import to finish before it shows its progress instead.
const WAIT_ON_PAGE: std::time::Duration = std::time::Duration::from_secs(3);
/// Imports listed on the page.
const RECENT_IMPORTS: u32 = 20;

struct Recent {
    href: String,
    file_name: String,
    kind: &'static str,
    status: &'static str,
    summary: String,
    when: String,
}

#[derive(Template)]
#[template(path = "data.html")]
struct DataPage {
    chrome: Chrome,
    kinds: Vec<(&'static str, &'static str)>,
    modes: Vec<(&'static str, &'static str)>,
    kind: String,
    mode: String,
    phone_prefix: String,
    currency: String,
    recent: Vec<Recent>,
    preview: Option<PreviewView>,
    refusal: Option<String>,
}

struct PreviewView {
    file_name: String,
    encoding: String,
    delimiter: String,
    source: &'static str,
    columns: Vec<(String, String)>,
    /// Each row's number, values in the order of `fields`, and errors.
    fields: Vec<String>,
    rows: Vec<(i64, Vec<String>, String)>,
}

impl PreviewView {
    fn of(file_name: String, preview: Preview) -> PreviewView {
        let mut fields: Vec<String> = Vec::new();
        for column in &preview.columns {
            if let Some(field) = column.field {
                let name = field.as_str().to_owned();
                if !fields.contains(&name) {
                    fields.push(name);
                }
            }
        }
        let rows = preview
            .rows
            .into_iter()
            .map(|row| {
                let values = fields
                    .iter()
                    .map(|f| {
                        row.values
                            .iter()
                            .find(|(field, _)| field.as_str() == f)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                let errors = row
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.column.as_deref().unwrap_or("-"), e.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                (row.row, values, errors)
            })
            .collect();
        PreviewView {
            file_name,
            encoding: match preview.shape.encoding {
                TextEncoding::Utf8 => "UTF-8",
                TextEncoding::Utf16le => "UTF-16 LE",
                TextEncoding::Utf16be => "UTF-16 BE",
                TextEncoding::Gb18030 => "GB18030",
            }
            .to_owned(),
            delimiter: match preview.shape.delimiter.as_str() {
                "\t" => "tab".to_owned(),
                other => other.to_owned(),
            },
            source: preview.source.as_str(),
            columns: preview
                .columns
                .into_iter()
                .map(|c| {
                    (
                        c.header,
                        c.field.map_or_else(|| "—".to_owned(), |f| f.as_str().to_owned()),
                    )
                })
                .collect(),
            fields,
            rows,
        }
    }
}

fn kind_key(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::People => "nav.people",
        ImportKind::Organisations => "nav.organisations",
        ImportKind::Deals => "imports.deals",
        ImportKind::Notes => "imports.notes",
    }
}

fn status_key(status: ImportStatus) -> &'static str {
    match status {
        ImportStatus::Running => "imports.running",
        ImportStatus::Finished => "imports.finished",
        ImportStatus::Reverted => "imports.reverted",
    }
}

fn summary(chrome: &Chrome, view: &ImportView) -> String {
    format!(
        "{} {} · {} {} · {} {} · {} {}",
        view.created,
        chrome.text("imports.created"),
        view.updated,
        chrome.text("imports.updated"),
        view.skipped,
        chrome.text("imports.skipped"),
        view.failed,
        chrome.text("imports.failed"),
    )
}

async fn data_page(
    viewer: Viewer,
    sent: &FormValues,
    preview: Option<PreviewView>,
    refusal: Option<String>,
    status: StatusCode,
) -> Response {
    let page = PageRequest {
        after: None,
        limit: RECENT_IMPORTS,
    };
    let imports = match importer::list(&viewer.ctx, page).await {
        Ok(imports) => imports,
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let recent = imports
        .into_iter()
        .map(|import| {
            let view = importer::view_of(import, Vec::new());
            Recent {
                href: format!("/data/imports/{}", view.id),
                kind: chrome.text(kind_key(view.kind)),
                status: chrome.text(status_key(view.status)),
                summary: summary(&chrome, &view),
                when: chrome.day_and_time(view.created_at),
                file_name: view.file_name,
            }
        })
        .collect();
    let kinds = ImportKind::ALL
        .iter()
        .map(|k| (k.as_str(), chrome.text(kind_key(*k))))
        .collect();
    let modes = ImportMode::ALL
        .iter()
        .map(|m| {
            let key = match m {
                ImportMode::Create => "imports.mode_create",
                ImportMode::Update => "imports.mode_update",
                ImportMode::CreateOrUpdate => "imports.mode_create_or_update",
            };
            (m.as_str(), chrome.text(key))
        })
        .collect();
    let or = |value: &str, default: &str| {
        if value.is_empty() {
            default.to_owned()
        } else {
            value.to_owned()
        }
    };
    render(
        &DataPage {
            kinds,
            modes,
            kind: or(sent.get("kind"), "people"),
            mode: or(sent.get("mode"), "create_or_update"),
            phone_prefix: sent.get("phone_prefix").to_owned(),
            currency: sent.get("currency").to_owned(),
            recent,
            preview,
            refusal,
            chrome,
        },
        status,
    )
}

pub async fn show(viewer: Viewer) -> Response {
    data_page(viewer, &FormValues::default(), None, None, StatusCode::OK).await
}

/// The form's fields and its file.
struct Upload {
    fields: FormValues,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        fields: FormValues::default(),
        file_name: String::new(),
        bytes: Vec::new(),
    };
    while let Some(part) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = part.name().unwrap_or("").to_owned();
        if name == "file" {
            upload.file_name = part.file_name().unwrap_or("upload.csv").to_owned();
            upload.bytes = part.bytes().await.map_err(|e| e.body_text())?.to_vec();
        } else {
            let value = part.text().await.map_err(|e| e.body_text())?;
            upload.fields.0.push((name, value));
        }
    }
    Ok(upload)
}

/// Previews or starts the import of the uploaded file.
pub async fn upload(viewer: Viewer, multipart: Multipart) -> Response {
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => {
            return data_page(
                viewer,
                &FormValues::default(),
                None,
                Some(message),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if let Some(refused) = viewer.refuse_forged(upload.fields.get("csrf_token")) {
        return refused;
    }
    let sent = upload.fields;
    let refuse = |message: String, status| (Some(message), status);
    let parsed = (ImportKind::parse(sent.get("kind")), ImportMode::parse(sent.get("mode")));
    let (Ok(kind), Ok(mode)) = parsed else {
        let (refusal, status) = refuse(
            viewer.chrome.text("imports.choose").to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return data_page(viewer, &sent, None, refusal, status).await;
    };
    if upload.bytes.is_empty() {
        let (refusal, status) = refuse(
            viewer.chrome.text("imports.no_file").to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return data_page(viewer, &sent, None, refusal, status).await;
    }
    let settings = ImportSettings {
        phone_prefix: Some(sent.get("phone_prefix").trim().to_owned()).filter(|p| !p.is_empty()),
        currency: Some(sent.get("currency").trim().to_uppercase()).filter(|c| !c.is_empty()),
        ..ImportSettings::default()
    };
    let file = ImportFile::Bytes(upload.bytes.into());
    if sent.get("action") == "preview" {
        return match importer::preview(kind, &settings, file).await {
            Ok(preview) => {
                let preview = PreviewView::of(upload.file_name, preview);
                data_page(viewer, &sent, Some(preview), None, StatusCode::OK).await
            }
            Err(error) => refused(viewer, &sent, error).await,
        };
    }
    let request = ImportRequest {
        kind,
        mode,
        settings,
        file_name: upload.file_name,
        resume: None,
    };
    match importer::start(&viewer.ctx, request, file, WAIT_ON_PAGE).await {
        Ok(Started::Finished(id) | Started::Running(id)) => see_other(format!("/data/imports/{id}")),
        Err(error) => refused(viewer, &sent, error).await,
    }
}

async fn refused(viewer: Viewer, sent: &FormValues, error: AppError) -> Response {
    match refusal_message(&viewer.chrome, &error) {
        Some((status, message)) => data_page(viewer, sent, None, Some(message), status).await,
        None => crate::api::problem::Problem::from(error).into_response(),
    }
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    view: ImportView,
    kind: &'static str,
    status: &'static str,
    running: bool,
    reverted: bool,
    skipped_because: String,
    refusal: Option<String>,
}

async fn import_page(viewer: Viewer, id: Uuid, refusal: Option<(StatusCode, String)>) -> Response {
    let view = match importer::view(&viewer.ctx, ImportId(id)).await {
        Ok(view) => view,
        Err(AppError::NotFound { .. }) => {
            return error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.not_found");
        }
        Err(e) => return crate::api::problem::Problem::from(e).into_response(),
    };
    let chrome = viewer.chrome;
    let (status, refusal) = match refusal {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let skipped_because = view
        .skipped_because
        .iter()
        .map(|(reason, count)| format!("{reason}: {count}"))
        .collect::<Vec<_>>()
        .join(" · ");
    render(
        &ImportPage {
            kind: chrome.text(kind_key(view.kind)),
            status: chrome.text(status_key(view.status)),
            running: view.status == ImportStatus::Running,
            reverted: view.status == ImportStatus::Reverted,
            skipped_because,
            refusal,
            view,
            chrome,
        },
        status,
    )
}

pub async fn show_import(viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    import_page(viewer, id, None).await
}

/// Removes what the import created.
pub async fn revert(
    viewer: Viewer,
    Path(id): Path<Uuid>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let sent = FormValues(fields);
    if let Some(refused) = viewer.refuse_forged(sent.get("csrf_token")) {
        return refused;
    }
    let outcome: AppResult<_> = importer::revert(&viewer.ctx, ImportId(id)).await;
    match outcome {
        Ok(_) => see_other(format!("/data/imports/{id}")),
        Err(AppError::NotFound { .. }) => error_page(&viewer.chrome, StatusCode::NOT_FOUND, "error.not_found"),
        Err(error) => match refusal_message(&viewer.chrome, &error) {
            Some(refusal) => import_page(viewer, id, Some(refusal)).await,
            None => crate::api::problem::Problem::from(error).into_response(),
        },
    }
}
