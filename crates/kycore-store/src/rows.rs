//! Multi-row inserts for the rows a unit of work appends (applicants, cases, checks, events,
//! audit entries), so a whole group-commit batch writes them in a few statements instead of
//! one per row.
//!
//! Rows go out in chunks of fixed sizes, so only a handful of distinct statements exist per
//! table and each stays in the driver's prepared-statement cache.

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

fn insert_sql<R: AppendRow>(rows: usize) -> String {
    let width = R::COLUMNS.split(',').count();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let placeholders: Vec<String> =
                (1..=width).map(|c| format!("${}", r * width + c)).collect();
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

pub(crate) async fn insert_all<R: AppendRow>(
    conn: &mut AnyConnection,
    mut rows: &[R],
) -> Result<(), StoreError> {
    for size in CHUNK_SIZES {
        while rows.len() >= size {
            let (chunk, rest) = rows.split_at(size);
            // The SQL is built only from our constant table and column names and numbered
            // placeholders; every value is bound.
            let sql = insert_sql::<R>(size);
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                query = row.bind(query);
            }
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
}
