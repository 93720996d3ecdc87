//! Components and the interfaces they produce.

use sqlx::Row;

use crate::facts::{remember, remembered};
use crate::write::finish_insert;
use crate::{Store, StoreError, Written};

/// Something a team builds and deploys: a service, an app, a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The component's id.
    pub id: String,
    /// The team that owns it.
    pub team: String,
}

/// An API or data contract, as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceRecord {
    /// The interface's id.
    pub id: String,
    /// The producer component.
    pub component: String,
    /// The schema format's name, as the server wrote it (e.g. `openapi`);
    /// the store does not interpret it.
    pub kind: String,
    /// The compatibility policy's name, as the server wrote it (e.g.
    /// `backward`); the store does not interpret it.
    pub compatibility: String,
    /// For protobuf interfaces, which wire compatibility is judged on
    /// (e.g. `wire_json`), as the server wrote it; `None` for the default.
    pub proto_category: Option<String>,
}

/// An interface with the team that owns its producer component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedInterface {
    /// The interface as registered.
    pub interface: InterfaceRecord,
    /// The team owning the producer component.
    pub team: String,
}

pub(crate) const INTERFACE_SELECT: &str = "SELECT i.id AS id, i.component_id AS component_id, i.kind AS kind, i.compatibility AS compatibility, i.proto_category AS proto_category, c.team_id AS team_id FROM interfaces i JOIN components c ON c.id = i.component_id";

impl Store {
    /// Registers a component of `team`. Registering it again for the same
    /// team changes nothing; for another team it is a conflict.
    pub async fn create_component(
        &self,
        id: &str,
        team: &str,
        now: i64,
    ) -> Result<Written, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(existing) = component_in(&mut tx, id).await? {
            return repeated_component(id, team, &existing);
        }
        let inserted =
            sqlx::query("INSERT INTO components (id, team_id, created_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(team)
                .bind(now)
                .execute(&mut *tx)
                .await;
        let stored_answer = async || {
            let mut conn = self.pool.acquire().await?;
            let existing = component_in(&mut conn, id).await?;
            Ok(existing.map(|c| repeated_component(id, team, &c)))
        };
        finish_insert(tx, inserted, stored_answer, || format!("component `{id}`")).await
    }

    /// The component with this id, if registered.
    pub async fn component(&self, id: &str) -> Result<Option<Component>, StoreError> {
        if let Some(c) = remembered(&self.facts.components, id) {
            return Ok(Some(c));
        }
        let mut conn = self.pool.acquire().await?;
        let found = component_in(&mut conn, id).await?;
        if let Some(c) = &found {
            remember(&self.facts.components, id.to_owned(), c.clone());
        }
        Ok(found)
    }

    /// Components after `after` in id order, at most `limit`.
    pub async fn components(&self, after: &str, limit: i64) -> Result<Vec<Component>, StoreError> {
        let rows =
            sqlx::query("SELECT id, team_id FROM components WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(component_row).collect()
    }

    /// Registers an interface. The same registration again changes
    /// nothing; another one under the same id is a conflict.
    pub async fn create_interface(
        &self,
        record: &InterfaceRecord,
        now: i64,
    ) -> Result<Written, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        if let Some(existing) = interface_in(&mut tx, &record.id).await? {
            return repeated_interface(record, &existing);
        }
        let inserted = sqlx::query("INSERT INTO interfaces (id, component_id, kind, compatibility, proto_category, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&record.id)
            .bind(&record.component)
            .bind(&record.kind)
            .bind(&record.compatibility)
            .bind(record.proto_category.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await;
        let stored_answer = async || {
            let mut conn = self.pool.acquire().await?;
            let existing = interface_in(&mut conn, &record.id).await?;
            Ok(existing.map(|i| repeated_interface(record, &i)))
        };
        finish_insert(tx, inserted, stored_answer, || {
            format!("interface `{}`", record.id)
        })
        .await
    }

    /// The interface with this id and its owning team, if registered.
    pub async fn interface(&self, id: &str) -> Result<Option<OwnedInterface>, StoreError> {
        if let Some(i) = remembered(&self.facts.interfaces, id) {
            return Ok(Some(i));
        }
        let mut conn = self.pool.acquire().await?;
        let found = interface_in(&mut conn, id).await?;
        if let Some(i) = &found {
            remember(&self.facts.interfaces, id.to_owned(), i.clone());
        }
        Ok(found)
    }

    /// Interfaces after `after` in id order, at most `limit`.
    pub async fn interfaces(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<OwnedInterface>, StoreError> {
        let rows = sqlx::query(&format!(
            "{INTERFACE_SELECT} WHERE i.id > $1 ORDER BY i.id LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(owned_interface).collect()
    }

    /// The interfaces a component produces.
    pub async fn interfaces_of(&self, component: &str) -> Result<Vec<OwnedInterface>, StoreError> {
        let rows = sqlx::query(&format!(
            "{INTERFACE_SELECT} WHERE i.component_id = $1 ORDER BY i.id"
        ))
        .bind(component)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(owned_interface).collect()
    }
}

fn component_row(r: &sqlx::any::AnyRow) -> Result<Component, StoreError> {
    Ok(Component {
        id: r.try_get("id")?,
        team: r.try_get("team_id")?,
    })
}

pub(crate) fn owned_interface(r: &sqlx::any::AnyRow) -> Result<OwnedInterface, StoreError> {
    Ok(OwnedInterface {
        interface: InterfaceRecord {
            id: r.try_get("id")?,
            component: r.try_get("component_id")?,
            kind: r.try_get("kind")?,
            compatibility: r.try_get("compatibility")?,
            proto_category: r.try_get("proto_category")?,
        },
        team: r.try_get("team_id")?,
    })
}

/// The answer to registering component `id` for `team` when `existing`
/// is already registered: nothing to do for the same team, a conflict
/// naming the owner for another.
fn repeated_component(id: &str, team: &str, existing: &Component) -> Result<Written, StoreError> {
    if existing.team == team {
        Ok(Written::Unchanged)
    } else {
        Err(StoreError::Conflict(format!(
            "component `{id}` already exists, owned by team `{}`",
            existing.team
        )))
    }
}

/// The answer to registering `record` when `existing` has its id: nothing
/// to do if they are the same, a conflict otherwise.
fn repeated_interface(
    record: &InterfaceRecord,
    existing: &OwnedInterface,
) -> Result<Written, StoreError> {
    if existing.interface == *record {
        Ok(Written::Unchanged)
    } else {
        Err(StoreError::Conflict(format!(
            "interface `{}` already exists with other settings",
            record.id
        )))
    }
}

async fn component_in(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<Component>, StoreError> {
    let row = sqlx::query("SELECT id, team_id FROM components WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(component_row).transpose()
}

/// The interface `id` as `conn` sees it (inside a transaction, uncached).
pub(crate) async fn interface_in(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<OwnedInterface>, StoreError> {
    let row = sqlx::query(&format!("{INTERFACE_SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(owned_interface).transpose()
}
