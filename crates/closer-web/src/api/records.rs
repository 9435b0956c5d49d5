//! The handlers every record shares (read, patch, delete, restore), declared once per resource.

/// Declares `get`, `patch`, `delete` and `restore` handlers for one resource.
macro_rules! record_handlers {
    (
        tag: $tag:literal,
        path: $path:literal,
        restore_path: $restore_path:literal,
        record: $record:ty,
        id: $id:ident,
        patch: $patch:ty => $patch_fn:path,
        handlers: ($get:ident, $update:ident, $delete:ident, $restore:ident) $(,)?
    ) => {
        #[doc = concat!("Reads one ", $tag, " record.")]
        #[utoipa::path(get, path = $path, tag = $tag,
            params(("id" = String, Path, format = Uuid)),
            responses(
                (status = 200, body = $record, headers(("ETag" = String, description = "The record's version"))),
                (status = 404, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
            ))]
        pub async fn $get(ctx: $crate::app::Ctx, $crate::api::extract::ApiId(id): $crate::api::extract::ApiId)
            -> Result<$crate::api::extract::Tagged<$record>, $crate::api::problem::Problem> {
            Ok($crate::api::extract::Tagged($crate::app::get::<$record>(&ctx, id).await?))
        }

        #[doc = concat!("Changes a ", $tag, " record. Fields left out stay as they are; `null` clears an optional field. Needs `If-Match`.")]
        #[utoipa::path(patch, path = $path, tag = $tag,
            params(("id" = String, Path, format = Uuid),
                   ("If-Match" = String, Header, description = "The ETag of the version being changed (428 without it, 412 when it names another version)")),
            request_body = $patch,
            responses(
                (status = 200, body = $record, headers(("ETag" = String))),
                (status = 400, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 404, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 412, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 415, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 422, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 428, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
            ))]
        pub async fn $update(
            ctx: $crate::app::Ctx,
            $crate::api::extract::ApiId(id): $crate::api::extract::ApiId,
            $crate::api::extract::IfMatch(version): $crate::api::extract::IfMatch,
            $crate::api::extract::ApiJson(patch): $crate::api::extract::ApiJson<$patch>,
        ) -> Result<$crate::api::extract::Tagged<$record>, $crate::api::problem::Problem> {
            Ok($crate::api::extract::Tagged($patch_fn(&ctx, $id(id), &version, &patch).await?))
        }

        #[doc = concat!("Deletes a ", $tag, " record (restorable). Needs `If-Match`.")]
        #[utoipa::path(delete, path = $path, tag = $tag,
            params(("id" = String, Path, format = Uuid),
                   ("If-Match" = String, Header, description = "The ETag of the version being deleted (428 without it, 412 when it names another version)")),
            responses(
                (status = 200, body = $record, description = "The deleted record, with `deleted_at` set"),
                (status = 404, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 412, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 428, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
            ))]
        pub async fn $delete(
            ctx: $crate::app::Ctx,
            $crate::api::extract::ApiId(id): $crate::api::extract::ApiId,
            $crate::api::extract::IfMatch(version): $crate::api::extract::IfMatch,
        ) -> Result<$crate::api::extract::Tagged<$record>, $crate::api::problem::Problem> {
            Ok($crate::api::extract::Tagged($crate::app::remove::<$record>(&ctx, id, &version).await?))
        }

        #[doc = concat!("Restores a deleted ", $tag, " record.")]
        #[utoipa::path(post, path = $restore_path, tag = $tag,
            params(("id" = String, Path, format = Uuid),
                   ("If-Match" = Option<String>, Header, description = "The ETag of the deleted version (optional)")),
            responses(
                (status = 200, body = $record, headers(("ETag" = String))),
                (status = 404, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 409, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 412, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
            ))]
        pub async fn $restore(
            ctx: $crate::app::Ctx,
            $crate::api::extract::ApiId(id): $crate::api::extract::ApiId,
            $crate::api::extract::OptionalIfMatch(version): $crate::api::extract::OptionalIfMatch,
        ) -> Result<$crate::api::extract::Tagged<$record>, $crate::api::problem::Problem> {
            Ok($crate::api::extract::Tagged($crate::app::restore::<$record>(&ctx, id, &version).await?))
        }
    };
}

pub(crate) use record_handlers;

/// Declares the assign handler (new owner and team) of an owned resource.
macro_rules! assign_handler {
    (tag: $tag:literal, path: $path:literal, record: $record:ty, handler: $name:ident $(,)?) => {
        #[doc = concat!("Gives a ", $tag, " record a new owner and team. Needs the assign right: a manager of the record's team, or an admin.")]
        #[utoipa::path(post, path = $path, tag = $tag,
            params(("id" = String, Path, format = Uuid),
                   ("If-Match" = Option<String>, Header, description = "The ETag of the version being reassigned")),
            request_body = $crate::app::admin::AssignRequest,
            responses(
                (status = 200, body = $record, headers(("ETag" = String))),
                (status = 400, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 403, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 404, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 412, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 415, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
                (status = 422, body = $crate::api::problem::ProblemBody, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            ctx: $crate::app::Ctx,
            $crate::api::extract::ApiId(id): $crate::api::extract::ApiId,
            $crate::api::extract::OptionalIfMatch(version): $crate::api::extract::OptionalIfMatch,
            $crate::api::extract::ApiJson(request): $crate::api::extract::ApiJson<$crate::app::admin::AssignRequest>,
        ) -> Result<$crate::api::extract::Tagged<$record>, $crate::api::problem::Problem> {
            Ok($crate::api::extract::Tagged($crate::app::admin::assign::<$record>(&ctx, id, &version, &request).await?))
        }
    };
}

pub(crate) use assign_handler;

/// Which records a list shows: live ones (default) or the deleted ones (the recycle bin).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeletedView {
    #[default]
    Hide,
    Only,
}

impl From<DeletedView> for closer_store::records::Deleted {
    fn from(view: DeletedView) -> Self {
        match view {
            DeletedView::Hide => closer_store::records::Deleted::Hide,
            DeletedView::Only => closer_store::records::Deleted::Only,
        }
    }
}
