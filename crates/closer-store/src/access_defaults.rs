//! The workspace's org-wide access level per record type; types without a row use the
//! built-in defaults.

use closer_domain::access::{AccessDefaults, AccessLevel, RecordType};
use closer_domain::ids::WorkspaceId;
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use sqlx::FromRow;
use time::OffsetDateTime;

use crate::db::{Conn, Result};
use crate::records::label;
use crate::schema::AccessDefaults as Table;

#[derive(FromRow)]
struct Row {
    record_type: String,
    level: String,
}

pub async fn load(conn: Conn<'_>, workspace: WorkspaceId) -> Result<AccessDefaults> {
    let statement = Query::select()
        .columns([Table::RecordType, Table::Level])
        .from(Table::Table)
        .and_where(Expr::col(Table::WorkspaceId).eq(workspace.as_uuid()))
        .to_owned();
    let rows: Vec<Row> = conn.fetch_all(&statement).await?;
    let mut defaults = AccessDefaults::default();
    for row in rows {
        defaults.set(
            label(RecordType::parse, &row.record_type)?,
            label(AccessLevel::parse, &row.level)?,
        );
    }
    Ok(defaults)
}

pub async fn save(
    mut conn: Conn<'_>,
    workspace: WorkspaceId,
    defaults: &AccessDefaults,
    now: OffsetDateTime,
) -> Result<()> {
    for record_type in RecordType::ALL {
        let statement = Query::insert()
            .into_table(Table::Table)
            .columns([
                Table::WorkspaceId,
                Table::RecordType,
                Table::Level,
                Table::CreatedAt,
                Table::UpdatedAt,
            ])
            .values_panic([
                workspace.as_uuid().into(),
                record_type.as_str().into(),
                defaults.level(*record_type).as_str().into(),
                now.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([Table::WorkspaceId, Table::RecordType])
                    .update_columns([Table::Level, Table::UpdatedAt])
                    .to_owned(),
            )
            .to_owned();
        conn.reborrow().execute(&statement).await?;
    }
    Ok(())
}
