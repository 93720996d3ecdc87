//! A grouped write as data: the statements it runs, in order, with their
//! arguments. Writes that only run statements (no read whose answer
//! decides what comes next) are described this way so that a group of
//! them costs SQLite a handful of round trips to its connection's thread
//! instead of a few per write: each write goes over as one text, its
//! savepoint, its statements and the savepoint's release together (see
//! `group_commit`). On PostgreSQL the statements run one after the other
//! in the write's own transaction.

use std::fmt::Write as _;

/// One argument of a statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
}

/// One statement, its parameters numbered from `$1` in the order of
/// [`Statement::args`].
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    sql: &'static str,
    args: Vec<Arg>,
}

impl Statement {
    pub(crate) fn new(sql: &'static str) -> Statement {
        Statement {
            sql,
            args: Vec::new(),
        }
    }

    pub(crate) fn text(mut self, value: impl Into<String>) -> Statement {
        self.args.push(Arg::Text(value.into()));
        self
    }

    pub(crate) fn maybe_text(mut self, value: Option<impl Into<String>>) -> Statement {
        self.args.push(Arg::MaybeText(value.map(Into::into)));
        self
    }

    pub(crate) fn int(mut self, value: i64) -> Statement {
        self.args.push(Arg::Int(value));
        self
    }

    /// The statement ready to run on its own.
    pub(crate) fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        bind(sqlx::query(self.sql), &self.args)
    }
}

fn bind<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: impl IntoIterator<Item = &'q Arg>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(v) => query.bind(v.as_str()),
            Arg::MaybeText(v) => query.bind(v.as_deref()),
            Arg::Int(v) => query.bind(*v),
        };
    }
    query
}

/// The name of the savepoint each write of a group runs under.
pub(crate) const SAVEPOINT: &str = "queued_write";

/// The text and arguments that run each write's statements under a
/// savepoint of its own, the writes one after the other, as one
/// multi-statement text (SQLite only: PostgreSQL takes one statement per
/// prepared text). Each statement's `$n` is renumbered after the
/// parameters of the statements before it. Groups of the same writes give
/// the same text, which the connection keeps prepared.
pub(crate) fn savepointed<'w>(
    writes: impl IntoIterator<Item = &'w [Statement]>,
) -> (String, Vec<&'w Arg>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    for statements in writes {
        let _ = write!(sql, "SAVEPOINT {SAVEPOINT}; ");
        for s in statements {
            shift_parameters(s.sql, args.len(), &mut sql);
            sql.push_str("; ");
            args.extend(s.args.iter());
        }
        let _ = write!(sql, "RELEASE SAVEPOINT {SAVEPOINT}; ");
    }
    (sql, args)
}

/// A query of `sql` with `args` bound in order.
pub(crate) fn query_of<'q>(
    sql: &'q str,
    args: &[&'q Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    bind(sqlx::query(sql), args.iter().copied())
}

/// Appends `sql` to `out` with every parameter `$n` written `$(n + by)`.
/// The texts are the store's own: no `$` followed by a digit stands
/// anywhere but in a parameter.
fn shift_parameters(sql: &str, by: usize, out: &mut String) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => {
                let _ = write!(out, "{}", n + by);
            }
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::{Statement, savepointed, shift_parameters};

    #[test]
    fn parameters_are_renumbered_after_the_ones_before() {
        let mut out = String::new();
        shift_parameters("SELECT $1, $2, $1, '$.a', $10", 3, &mut out);
        assert_eq!(out, "SELECT $4, $5, $4, '$.a', $13");
        let mut out = String::new();
        shift_parameters("SELECT 1", 3, &mut out);
        assert_eq!(out, "SELECT 1");
    }

    #[test]
    fn a_write_runs_under_its_savepoint_with_its_arguments_in_order() {
        let first = [
            Statement::new("INSERT INTO a VALUES ($1, $2)")
                .text("x")
                .int(1),
            Statement::new("UPDATE b SET n = $1").int(2),
        ];
        let second = [Statement::new("DELETE FROM c WHERE id = $1").text("y")];
        let (sql, args) = savepointed([&first[..], &second[..]]);
        assert_eq!(
            sql,
            "SAVEPOINT queued_write; INSERT INTO a VALUES ($1, $2); UPDATE b SET n = $3; RELEASE SAVEPOINT queued_write; \
             SAVEPOINT queued_write; DELETE FROM c WHERE id = $4; RELEASE SAVEPOINT queued_write; "
        );
        assert_eq!(args.len(), 4);
    }
}
