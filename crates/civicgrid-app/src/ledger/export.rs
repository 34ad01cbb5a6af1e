//! Exporting the ledger to a spreadsheet in the import format, personal data masked
//! (ID number and phone partly hidden, birth date as year and month), and every cell
//! that a spreadsheet would run as a formula neutralised.

use civicgrid_domain::ledger::id_number::IdNumber;
use civicgrid_domain::ledger::import::{Column, format_area};
use civicgrid_domain::ledger::natural::natural_cmp_all;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::ledger::import::rows::{self as bulk, ExportRow};
use civicgrid_store::ledger::pii;
use civicgrid_store::platform::org as org_repo;
use civicgrid_store::prefix_end;

use crate::authz::{Change, record, require_somewhere};
use crate::{App, AppError, AppResult};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// From a file name's extension or a `format=` value.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        let s = s.trim().to_lowercase();
        if s == "csv" || s.ends_with(".csv") {
            Some(ExportFormat::Csv)
        } else if s == "xlsx" || s.ends_with(".xlsx") {
            Some(ExportFormat::Xlsx)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// A finished export.
#[derive(Debug, Clone)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// prefixed with `'`, so a spreadsheet shows it as text instead of running it.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

impl App {
    /// The residents of `scope` (a node id; by default every subtree where the actor
    /// may export), masked, as a CSV or XLSX file. Audited with the row count.
    pub async fn export_residents(
        &self,
        actor: &Actor,
        scope: Option<i64>,
        format: ExportFormat,
    ) -> AppResult<Export> {
        require_somewhere(actor, Permission::ExportLedger)?;
        let mut conn = self.db.read().await?;
        let paths: Vec<OrgPath> = match scope {
            Some(id) => {
                let node = crate::platform::org::node_in_sight(
                    &mut conn,
                    actor,
                    Permission::ExportLedger,
                    id,
                )
                .await?;
                vec![node.path]
            }
            None => match actor.scopes(Permission::ExportLedger) {
                Some(p) => p,
                None => org_repo::roots(&mut conn)
                    .await?
                    .into_iter()
                    .map(|n| n.path)
                    .collect(),
            },
        };
        let mut rows: Vec<ExportRow> = Vec::new();
        for p in &paths {
            rows.extend(bulk::export_rows(&mut conn, p.as_str(), &prefix_end(p.as_str())).await?);
        }
        drop(conn);
        let keys = self.config.field_keys.clone();
        let n = rows.len();
        let bytes = tokio::task::spawn_blocking(move || {
            let mut rows = rows;
            sort_rows(&mut rows);
            let cells: Vec<Vec<String>> = rows.iter().map(|r| masked_cells(&keys, r)).collect();
            match format {
                ExportFormat::Csv => Ok(to_csv(&cells)),
                ExportFormat::Xlsx => to_xlsx(&cells),
            }
        })
        .await
        .map_err(|e| AppError::Internal(Box::new(e)))??;
        let mut tx = self.db.begin_write().await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.export",
                target_type: "export",
                target_id: format.extension().to_owned(),
                scope: paths.first().filter(|_| paths.len() == 1),
                reason: None,
                details: serde_json::json!({ "rows": n, "format": format.extension() }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(Export { bytes, rows: n })
    }
}

/// Communities, grids, buildings, units and rooms in natural order (`2` before `10`,
/// `101` before `1001`, `3栋` before `12栋`) — neither backend's SQL orders numbers
/// inside text, so the order is made here. The sort is stable: the residents of a room
/// keep the store's order.
fn sort_rows(rows: &mut [ExportRow]) {
    fn place(r: &ExportRow) -> [&str; 5] {
        [&r.community, &r.grid, &r.building, &r.unit, &r.room]
    }
    rows.sort_by(|a, b| natural_cmp_all(&place(a), &place(b)));
}

fn masked_cells(keys: &civicgrid_store::crypto::FieldKeys, r: &ExportRow) -> Vec<String> {
    let id = r
        .id_number_enc
        .as_deref()
        .and_then(|v| pii::open_id_number(keys, v, r.id_number_idx.as_deref()).ok())
        .and_then(|p| IdNumber::parse(&p).ok())
        .map_or_else(String::new, |i| i.masked());
    let phone = r
        .phone_enc
        .as_deref()
        .and_then(|v| pii::open_phone(keys, v, r.phone_idx.as_deref()).ok())
        .and_then(|p| Phone::parse(&p).ok())
        .map_or_else(String::new, |p| p.masked());
    let birth = format!("{:04}-{:02}", r.birth_ym / 100, r.birth_ym % 100);
    [
        r.community.clone(),
        r.grid.clone(),
        r.building.clone(),
        r.unit.clone(),
        r.room.clone(),
        r.name.clone(),
        r.gender.clone(),
        birth,
        id,
        phone,
        r.relation.clone(),
        r.residence_status.clone(),
        r.tags.clone(),
        r.area_centi.map(format_area).unwrap_or_default(),
        r.ownership.clone(),
    ]
    .iter()
    .map(|c| neutralise(c))
    .collect()
}

fn header() -> Vec<&'static str> {
    Column::ALL.iter().map(|c| c.code()).collect()
}

fn to_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(header());
        for r in rows {
            let _ = w.write_record(r);
        }
        let _ = w.flush();
    }
    out
}

fn to_xlsx(rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    if rows.len() >= 1_048_575 {
        return Err(AppError::invalid(
            "format",
            "an XLSX sheet holds at most 1,048,576 rows; export CSV or a smaller scope",
        ));
    }
    let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(Box::new(e));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header().iter().enumerate() {
        sheet.write_string(0, c as u16, *h).map_err(internal)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string(r as u32 + 1, c as u16, v)
                    .map_err(internal)?;
            }
        }
    }
    book.save_to_buffer().map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+86"), "'+86");
        assert_eq!(neutralise("-3"), "'-3");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("张三"), "张三");
        assert_eq!(neutralise(""), "");
    }

    fn row(building: &str, unit: &str, room: &str, name: &str) -> ExportRow {
        ExportRow {
            community: "HG".into(),
            grid: "HG-G1".into(),
            building: building.into(),
            unit: unit.into(),
            room: room.into(),
            name: name.into(),
            gender: "male".into(),
            birth_ym: 198001,
            id_number_enc: None,
            id_number_idx: None,
            phone_enc: None,
            phone_idx: None,
            relation: "head".into(),
            residence_status: "registered".into(),
            tags: String::new(),
            area_centi: None,
            ownership: "owner".into(),
        }
    }

    #[test]
    fn rows_follow_the_natural_order_of_places() {
        // As the store returns them: text order.
        let mut rows = vec![
            row("12栋", "1", "101", "a"),
            row("3栋", "1", "1001", "b"),
            row("3栋", "1", "101", "c"),
            row("3栋", "1", "101", "d"),
            row("3栋", "10", "2", "e"),
            row("3栋", "2", "10", "f"),
            row("3栋", "2", "9", "g"),
        ];
        sort_rows(&mut rows);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        // 3栋 before 12栋; unit 2 before 10; room 9 before 10, 101 before 1001; the
        // residents of one room (c, d) in the order they came.
        assert_eq!(names, ["c", "d", "b", "g", "f", "e", "a"]);
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(ExportFormat::parse("out.CSV"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse("xlsx"), Some(ExportFormat::Xlsx));
        assert_eq!(ExportFormat::parse("a.pdf"), None);
    }
}
