//! What every mutable table shares: the record stamps, keyset pages, soft delete and restore,
//! and the optimistic version check.

use closer_domain::ids::WorkspaceId;
use closer_domain::record::RecordMeta;
use sea_query::{Alias, DynIden, Expr, ExprTrait, IntoIden, Order, Query, SelectStatement};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, Result, StoreError};

/// Largest page a list returns.
pub const PAGE_MAX: u32 = 200;

/// A keyset page request: the rows after `after` in id order (ids are time-ordered UUIDv7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { after: None, limit: 50 }
    }
}

/// One page of a list and the cursor for the next one (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in id order.
    pub(crate) fn from_rows(mut items: Vec<T>, page: PageRequest, id: impl Fn(&T) -> Uuid) -> Self {
        let limit = page.limit as usize;
        let next_after = if items.len() > limit {
            items.truncate(limit);
            items.last().map(&id)
        } else {
            None
        };
        Page { items, next_after }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

/// Which rows a list shows with respect to soft deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deleted {
    /// Only live rows (the default).
    #[default]
    Hide,
    /// Only deleted rows (the recycle bin).
    Only,
}

/// Limits a select to one workspace, a deletion view and a keyset page, in stable id order.
pub(crate) fn scope_page(
    select: &mut SelectStatement,
    table: impl IntoIden + Copy,
    workspace: WorkspaceId,
    deleted: Deleted,
    page: PageRequest,
) {
    let col = |name: &str| Expr::col((table, Alias::new(name)));
    select.and_where(col("workspace_id").eq(workspace.as_uuid()));
    match deleted {
        Deleted::Hide => select.and_where(col("deleted_at").is_null()),
        Deleted::Only => select.and_where(col("deleted_at").is_not_null()),
    };
    if let Some(after) = page.after {
        select.and_where(col("id").gt(after));
    }
    select
        .order_by((table, Alias::new("id")), Order::Asc)
        .limit(u64::from(page.limit) + 1);
}

/// The stamps columns every mutable row carries, as decoded from a row.
pub(crate) fn meta(
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    deleted_at: Option<OffsetDateTime>,
) -> RecordMeta {
    RecordMeta {
        version,
        created_at,
        updated_at,
        deleted_at,
    }
}

fn column(name: &str) -> DynIden {
    Alias::new(name).into_iden()
}

/// Inserts a record row: its workspace, id and stamps, and the record's own `values`.
pub(crate) async fn insert_record<C: IntoIden>(
    conn: Conn<'_>,
    table: impl IntoIden,
    workspace: WorkspaceId,
    id: Uuid,
    meta: &RecordMeta,
    values: Vec<(C, Expr)>,
) -> Result<()> {
    let mut row: Vec<(DynIden, Expr)> = vec![
        (column("workspace_id"), workspace.as_uuid().into()),
        (column("id"), id.into()),
        (column("version"), meta.version.into()),
        (column("created_at"), meta.created_at.into()),
        (column("updated_at"), meta.updated_at.into()),
    ];
    row.extend(values.into_iter().map(|(name, value)| (name.into_iden(), value)));
    let (columns, exprs): (Vec<_>, Vec<_>) = row.into_iter().unzip();
    let statement = Query::insert()
        .into_table(table)
        .columns(columns)
        .values(exprs)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// Rows a multi-row insert carries at most: well under SQLite's 32,766 parameters for tables of
/// up to 30 columns.
const ROWS_PER_INSERT: usize = 1_000;

/// A record row to insert: its id, its stamps and its own values.
pub(crate) type RecordRow<'m, C> = (Uuid, &'m RecordMeta, Vec<(C, Expr)>);

/// Inserts many record rows of one table, as few statements as the parameter limits allow:
/// each row is (id, stamps, values), every row with the same columns in the same order.
pub(crate) async fn insert_records<C: IntoIden + Clone>(
    mut conn: Conn<'_>,
    table: impl IntoIden + Clone,
    workspace: WorkspaceId,
    rows: Vec<RecordRow<'_, C>>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut statement: Option<sea_query::InsertStatement> = None;
        for (id, meta, values) in rows.by_ref().take(ROWS_PER_INSERT) {
            let mut row: Vec<(DynIden, Expr)> = vec![
                (column("workspace_id"), workspace.as_uuid().into()),
                (column("id"), id.into()),
                (column("version"), meta.version.into()),
                (column("created_at"), meta.created_at.into()),
                (column("updated_at"), meta.updated_at.into()),
            ];
            row.extend(values.into_iter().map(|(name, value)| (name.into_iden(), value)));
            let (columns, exprs): (Vec<_>, Vec<_>) = row.into_iter().unzip();
            statement
                .get_or_insert_with(|| Query::insert().into_table(table.clone()).columns(columns).to_owned())
                .values(exprs)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        if let Some(statement) = statement {
            conn.reborrow().execute(&statement).await?;
        }
    }
    Ok(())
}

/// Writes a record's `values` and new stamps if the row is still at `expected_version`.
/// Returns false when it is not (someone else changed it first).
pub(crate) async fn update_record<C: IntoIden>(
    conn: Conn<'_>,
    table: impl IntoIden,
    workspace: WorkspaceId,
    id: Uuid,
    meta: &RecordMeta,
    expected_version: i64,
    values: Vec<(C, Expr)>,
) -> Result<bool> {
    let statement = Query::update()
        .table(table)
        .values(values)
        .value(column("version"), meta.version)
        .value(column("updated_at"), meta.updated_at)
        .and_where(Expr::col(column("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(column("id")).eq(id))
        .and_where(Expr::col(column("version")).eq(expected_version))
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// Writes only a record's new version and stamps: for records whose fields never change once
/// written (deleted or restored through the generic machinery).
pub(crate) async fn update_stamps(
    conn: Conn<'_>,
    table: impl IntoIden,
    workspace: WorkspaceId,
    id: Uuid,
    meta: &RecordMeta,
    expected_version: i64,
) -> Result<bool> {
    update_record(
        conn,
        table,
        workspace,
        id,
        meta,
        expected_version,
        Vec::<(DynIden, Expr)>::new(),
    )
    .await
}

/// Tables whose rows are soft-deleted and restored through the generic functions below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTable {
    Parties,
    Employments,
    Deals,
    Notes,
    Tasks,
    Stakeholders,
    DealTeamMembers,
    Meetings,
    Products,
    Quotes,
    Approvals,
    Promotions,
    PromotionCampaigns,
    Contracts,
    Invoices,
    Payments,
    Interactions,
    Endorsements,
    IntroRequests,
    DoNotCall,
    Consents,
    CallCampaigns,
    CallAttempts,
}

impl RecordTable {
    fn name(self) -> &'static str {
        match self {
            RecordTable::Parties => "parties",
            RecordTable::Employments => "employments",
            RecordTable::Deals => "deals",
            RecordTable::Notes => "notes",
            RecordTable::Tasks => "tasks",
            RecordTable::Stakeholders => "stakeholders",
            RecordTable::DealTeamMembers => "deal_team_members",
            RecordTable::Meetings => "meetings",
            RecordTable::Products => "products",
            RecordTable::Quotes => "quotes",
            RecordTable::Approvals => "approvals",
            RecordTable::Promotions => "promotions",
            RecordTable::PromotionCampaigns => "promotion_campaigns",
            RecordTable::Contracts => "contracts",
            RecordTable::Invoices => "invoices",
            RecordTable::Payments => "payments",
            RecordTable::Interactions => "interactions",
            RecordTable::Endorsements => "endorsements",
            RecordTable::IntroRequests => "intro_requests",
            RecordTable::DoNotCall => "do_not_call",
            RecordTable::Consents => "consents",
            RecordTable::CallCampaigns => "call_campaigns",
            RecordTable::CallAttempts => "call_attempts",
        }
    }
}

/// Marks a row deleted (`deleted_at = Some`) or restores it (`None`), bumping its version, only if
/// it still has `expected_version`. Returns false when the row changed meanwhile.
pub async fn set_deleted(
    conn: Conn<'_>,
    table: RecordTable,
    workspace: WorkspaceId,
    id: Uuid,
    expected_version: i64,
    deleted_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<bool> {
    let statement = Query::update()
        .table(Alias::new(table.name()))
        .value(Alias::new("deleted_at"), deleted_at)
        .value(Alias::new("updated_at"), now)
        .value(Alias::new("version"), expected_version + 1)
        .and_where(Expr::col(Alias::new("workspace_id")).eq(workspace.as_uuid()))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .and_where(Expr::col(Alias::new("version")).eq(expected_version))
        .to_owned();
    Ok(conn.execute(&statement).await? == 1)
}

/// Decodes a stored enum label, reporting a corrupt row instead of panicking.
/// A value stored as JSON text. Serialising the model's own types does not fail.
pub(crate) fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Decodes `what`, stored as JSON text.
pub(crate) fn from_json_text<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn label<T>(parse: impl Fn(&str) -> std::result::Result<T, String>, text: &str) -> Result<T> {
    parse(text).map_err(StoreError::Corrupt)
}

/// Decodes a stored optional enum label.
pub(crate) fn optional_label<T>(
    parse: impl Fn(&str) -> std::result::Result<T, String>,
    text: Option<&str>,
) -> Result<Option<T>> {
    text.map(|t| label(&parse, t)).transpose()
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
pub(crate) fn like_contains(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The text a search matches against: lower-cased, with phone numbers also as bare digits.
pub(crate) fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::new();
    for part in parts {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&part.to_lowercase());
    }
    text
}

/// Turns what a user typed into the needle for [`search_text`]: lower case, and for something
/// that looks like a phone number, only its digits (so "138 0013" finds "+8613800138000").
pub fn search_needle(query: &str) -> Option<String> {
    let trimmed = query.trim();
    if trimmed.is_empty() {
        return None;
    }
    let phone_like = trimmed.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && trimmed.chars().filter(char::is_ascii_digit).count() >= 3;
    Some(if phone_like {
        trimmed.chars().filter(char::is_ascii_digit).collect()
    } else {
        trimmed.to_lowercase()
    })
}
