//! Multi-row inserts for the rows a unit of work appends (applicants, cases, checks, events,
//! audit entries), so a unit writes them in a few statements instead of one per row.
//!
//! Rows go out in chunks of fixed sizes, so only a handful of distinct statements exist per
//! table and each stays in the driver's prepared-statement cache. On SQLite a unit's rows can
//! also go out as one script of statements numbered across ([`Script`]), sent in a single
//! hand-off to the driver's thread.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use crate::StoreError;

const CHUNK_SIZES: [usize; 4] = [64, 16, 4, 1];

/// A row type that can be appended with a multi-row INSERT.
pub(crate) trait AppendRow: Sync {
    const TABLE: &'static str;
    /// The table's column list, comma-separated: the same `columns!()` its SELECTs use, so
    /// the two can never disagree.
    const COLUMNS: &'static str;
    fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments>;
}

fn width<R: AppendRow>() -> usize {
    R::COLUMNS.split(',').count()
}

/// `INSERT … VALUES` for `rows` rows, placeholders numbered from `$first`.
fn insert_sql_from<R: AppendRow>(rows: usize, first: usize) -> String {
    let width = width::<R>();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let placeholders: Vec<String> = (0..width)
                .map(|c| format!("${}", first + r * width + c))
                .collect();
            format!("({})", placeholders.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        R::TABLE,
        R::COLUMNS,
        tuples.join(", ")
    )
}

fn insert_sql<R: AppendRow>(rows: usize) -> String {
    insert_sql_from::<R>(rows, 1)
}

/// SQL statements run as one script, their placeholders numbered across the script (SQLite
/// binds `$n` by its number in every statement of a multi-statement query).
#[derive(Default)]
pub(crate) struct Script {
    sql: String,
    params: usize,
}

impl Script {
    /// Adds the insert of `rows`, if any.
    pub(crate) fn insert<R: AppendRow>(&mut self, rows: &[R]) {
        if rows.is_empty() {
            return;
        }
        self.sql
            .push_str(&insert_sql_from::<R>(rows.len(), self.params + 1));
        self.sql.push_str("; ");
        self.params += rows.len() * width::<R>();
    }

    /// Adds statements without parameters.
    pub(crate) fn then(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    pub(crate) fn params(&self) -> usize {
        self.params
    }

    /// The query; the caller binds every row in the order they were added.
    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments> {
        // Built only from our constant table and column names, numbered placeholders and
        // constant statements; every value is bound.
        sqlx::query(sqlx::AssertSqlSafe(self.sql.clone()))
    }
}

/// Binds `rows` to `query` in order.
pub(crate) fn bind_rows<'q, R: AppendRow>(
    mut query: Query<'q, Any, AnyArguments>,
    rows: &'q [R],
) -> Query<'q, Any, AnyArguments> {
    for row in rows {
        query = row.bind(query);
    }
    query
}

pub(crate) async fn insert_all<R: AppendRow>(
    conn: &mut AnyConnection,
    rows: &[R],
) -> Result<(), StoreError> {
    insert_all_then(conn, rows, "").await
}

/// Inserts `rows` in multi-row statements, each ending with `suffix` (an `ON CONFLICT …`
/// clause of our own).
pub(crate) async fn insert_all_then<R: AppendRow>(
    conn: &mut AnyConnection,
    mut rows: &[R],
    suffix: &'static str,
) -> Result<(), StoreError> {
    for size in CHUNK_SIZES {
        while rows.len() >= size {
            let (chunk, rest) = rows.split_at(size);
            // The SQL is built only from our constant table and column names, numbered
            // placeholders and our constant suffix; every value is bound.
            let sql = insert_sql::<R>(size) + suffix;
            let query = bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), chunk);
            query.execute(&mut *conn).await?;
            rows = rest;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair;

    impl AppendRow for Pair {
        const TABLE: &'static str = "t";
        const COLUMNS: &'static str = "a, b";
        fn bind<'q>(&'q self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
            query
        }
    }

    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            insert_sql::<Pair>(2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn a_script_numbers_placeholders_across_its_statements() {
        let mut script = Script::default();
        script.insert(&[Pair, Pair]);
        script.insert::<Pair>(&[]);
        script.insert(&[Pair]);
        script.then("RELEASE SAVEPOINT unit");
        assert_eq!(
            script.sql,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4); \
             INSERT INTO t (a, b) VALUES ($5, $6); RELEASE SAVEPOINT unit"
        );
        assert_eq!(script.params(), 6);
    }
}
