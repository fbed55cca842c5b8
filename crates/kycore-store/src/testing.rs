//! Test support (feature `test-support`): a fresh, isolated database per test.
//!
//! SQLite always; PostgreSQL too when `KYCORE_TEST_DATABASE_URL` is set, each test in a
//! schema of its own so concurrent and repeated runs never see each other's rows.

use std::path::PathBuf;

use sqlx::{Connection, Executor};

use crate::Backend;

pub const POSTGRES_ENV: &str = "KYCORE_TEST_DATABASE_URL";

/// One isolated database. Dropping it removes a SQLite file; call [`TestDatabase::cleanup`]
/// to drop a PostgreSQL schema.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    schema: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let path: PathBuf = dir.path().join("kycore.db");
        TestDatabase {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: Backend::Sqlite,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// A new schema in the PostgreSQL database named by `KYCORE_TEST_DATABASE_URL`.
    pub async fn postgres(base: &str) -> Self {
        sqlx::any::install_default_drivers();
        let schema = format!(
            "kycore_test_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let mut conn = sqlx::AnyConnection::connect(base)
            .await
            .unwrap_or_else(|e| panic!("cannot reach {POSTGRES_ENV}: {e}"));
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .unwrap_or_else(|e| panic!("create schema: {e}"));
        let separator = if base.contains('?') { '&' } else { '?' };
        TestDatabase {
            // The schema names the connections too, so a test can find (and cut) its own.
            url: format!(
                "{base}{separator}options=-c%20search_path%3D{schema}&application_name={schema}"
            ),
            backend: Backend::Postgres,
            schema: Some((base.to_owned(), schema)),
            _dir: None,
        }
    }

    /// Every backend this run tests: SQLite, plus PostgreSQL when configured.
    pub async fn all() -> Vec<TestDatabase> {
        let mut databases = vec![TestDatabase::sqlite()];
        if let Ok(base) = std::env::var(POSTGRES_ENV) {
            databases.push(TestDatabase::postgres(&base).await);
        }
        databases
    }

    /// The PostgreSQL schema of this database (also its connections' `application_name`).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_ref().map(|(_, schema)| schema.as_str())
    }

    pub async fn cleanup(self) {
        if let Some((base, schema)) = &self.schema
            && let Ok(mut conn) = sqlx::AnyConnection::connect(base).await
        {
            let _ = conn
                .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await;
        }
    }
}
