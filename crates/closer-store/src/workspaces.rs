//! Workspaces: the tenant boundary. A fresh database gets one workspace, its first user and the
//! default playbooks.

use closer_domain::ids::WorkspaceId;
use sea_query::{Order, Query};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result};
use crate::schema::Workspaces;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
}

impl Workspace {
    pub fn workspace_id(&self) -> WorkspaceId {
        WorkspaceId(self.id)
    }
}

/// The first workspace, if the database has one.
pub async fn first(conn: Conn<'_>) -> Result<Option<Workspace>> {
    let statement = Query::select()
        .columns([Workspaces::Id, Workspaces::Name])
        .from(Workspaces::Table)
        .order_by(Workspaces::Id, Order::Asc)
        .limit(1)
        .to_owned();
    conn.fetch_optional(&statement).await
}

/// The ids of every workspace.
pub async fn all_ids(db: &crate::Db) -> Result<Vec<WorkspaceId>> {
    #[derive(FromRow)]
    struct IdRow {
        id: Uuid,
    }
    let mut conn = db.acquire().await?;
    let rows: Vec<IdRow> = conn
        .conn()
        .fetch_all(
            &Query::select()
                .column(Workspaces::Id)
                .from(Workspaces::Table)
                .to_owned(),
        )
        .await?;
    Ok(rows.into_iter().map(|r| WorkspaceId(r.id)).collect())
}

pub async fn insert(conn: Conn<'_>, workspace: &Workspace, now: OffsetDateTime) -> Result<()> {
    let statement = Query::insert()
        .into_table(Workspaces::Table)
        .columns([
            Workspaces::Id,
            Workspaces::Name,
            Workspaces::CreatedAt,
            Workspaces::UpdatedAt,
        ])
        .values_panic([
            workspace.id.into(),
            workspace.name.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}
