//! Column, key and index shapes shared by migrations from Step 7 on (earlier migrations keep
//! their own copies: a landed migration is never edited).

use sea_orm_migration::prelude::*;

pub fn t(name: &str) -> Alias {
    Alias::new(name)
}

/// A random UUID string primary key.
pub fn id() -> ColumnDef {
    ColumnDef::new(t("id"))
        .string_len(36)
        .not_null()
        .primary_key()
        .to_owned()
}

/// A reference to another row's id.
pub fn ref_col(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).string_len(36).not_null().to_owned()
}

pub fn ref_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).string_len(36).null().to_owned()
}

/// A closed set stored by its name.
pub fn name(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).string_len(24).not_null().to_owned()
}

pub fn short(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(t(name))
        .string_len(len)
        .not_null()
        .to_owned()
}

pub fn text(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).text().not_null().to_owned()
}

pub fn text_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).text().null().to_owned()
}

pub fn int(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).integer().not_null().to_owned()
}

pub fn int_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).integer().null().to_owned()
}

pub fn time(name: &str) -> ColumnDef {
    ColumnDef::new(t(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub fn time_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name))
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub fn fk(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(t(from_table), t(from_col))
        .to(t(to_table), t("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(t(table));
    for c in cols {
        idx.col(t(c));
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}
