//! What Pact clients say of components and environments beyond Treaty's
//! model: a pacticipant's display name, main branch and repository, and an
//! environment's display name and production flag.

use sqlx::Row;

use crate::{Store, StoreError, Written};

/// A component as Pact clients describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacticipantDetails {
    /// A name for people.
    pub display_name: Option<String>,
    /// The branch `mainBranch` selectors mean.
    pub main_branch: Option<String>,
    /// Where its code is.
    pub repository_url: Option<String>,
}

impl Store {
    /// Sets what Pact clients say of component `id` (which must exist).
    pub async fn put_pacticipant_details(
        &self,
        id: &str,
        d: &PacticipantDetails,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        sqlx::query("INSERT INTO pacticipant_details (component_id, display_name, main_branch, repository_url) VALUES ($1, $2, $3, $4) ON CONFLICT (component_id) DO UPDATE SET display_name = $2, main_branch = $3, repository_url = $4")
            .bind(id)
            .bind(d.display_name.as_deref())
            .bind(d.main_branch.as_deref())
            .bind(d.repository_url.as_deref())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What Pact clients said of component `id`; empty when nothing.
    pub async fn pacticipant_details(&self, id: &str) -> Result<PacticipantDetails, StoreError> {
        let row = sqlx::query("SELECT display_name, main_branch, repository_url FROM pacticipant_details WHERE component_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(PacticipantDetails {
                display_name: r.try_get("display_name")?,
                main_branch: r.try_get("main_branch")?,
                repository_url: r.try_get("repository_url")?,
            })
        })
        .transpose()
        .map(Option::unwrap_or_default)
    }

    /// Sets an environment's display name and production flag (the Pact
    /// Broker's), registering the environment if needed.
    pub async fn put_environment_details(
        &self,
        id: &str,
        display_name: Option<&str>,
        production: bool,
        now: i64,
    ) -> Result<Written, StoreError> {
        let (_turn, mut tx) = self.write_tx().await?;
        let created = sqlx::query(
            "INSERT INTO environments (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        sqlx::query("INSERT INTO environment_details (environment_id, display_name, production) VALUES ($1, $2, $3) ON CONFLICT (environment_id) DO UPDATE SET display_name = $2, production = $3")
            .bind(id)
            .bind(display_name)
            .bind(i64::from(production))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(if created {
            Written::Created
        } else {
            Written::Unchanged
        })
    }

    /// An environment's display name and production flag, when set.
    pub async fn environment_details(
        &self,
        id: &str,
    ) -> Result<Option<(Option<String>, bool)>, StoreError> {
        let row = sqlx::query(
            "SELECT display_name, production FROM environment_details WHERE environment_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                r.try_get("display_name")?,
                r.try_get::<i64, _>("production")? != 0,
            ))
        })
        .transpose()
    }
}
