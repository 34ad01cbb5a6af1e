//! The situation report as a workbook: a summary sheet (one row per community and a
//! total), the households needing help, the materials issued and the incident log, with
//! the reader's words for every heading. Cells are written as text or numbers, never as
//! formulas.

use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::sitrep::Figures;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::sitrep::SectionView;
use crate::page::PageCtx;

fn internal(e: XlsxError) -> AppError {
    AppError::Internal(Box::new(e))
}

/// A row of cells: text or a number.
enum Cell<'a> {
    Text(&'a str),
    Number(i64),
}

fn row(sheet: &mut Worksheet, r: u32, cells: &[Cell]) -> Result<(), XlsxError> {
    for (c, cell) in (0_u16..).zip(cells) {
        match cell {
            Cell::Text(t) => sheet.write_string(r, c, *t)?,
            Cell::Number(n) => sheet.write_number(r, c, *n as f64)?,
        };
    }
    Ok(())
}

fn headings(
    ctx: &PageCtx,
    sheet: &mut Worksheet,
    bold: &Format,
    keys: &[&str],
) -> Result<(), XlsxError> {
    for (c, k) in (0_u16..).zip(keys) {
        sheet.write_string_with_format(0, c, ctx.t(k), bold)?;
        sheet.set_column_width(c, 14)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The figures of a summary row, after its first three cells.
fn figure_cells(f: &Figures) -> Vec<Cell<'static>> {
    let mut out = vec![
        Cell::Number(f.targeted),
        Cell::Number(f.checked),
        Cell::Number(f.percent_checked()),
        Cell::Number(f.needing_help),
        Cell::Number(f.unreached),
        Cell::Number(f.left()),
    ];
    out.extend(f.needs.iter().map(|(_, n)| Cell::Number(*n)));
    out.extend([
        Cell::Number(f.materials_waiting),
        Cell::Number(f.materials_on_the_way),
        Cell::Number(f.materials_delivered),
        Cell::Number(f.urgent_open),
    ]);
    out
}

pub(super) fn workbook(
    ctx: &PageCtx,
    sections: &[SectionView],
    total: &Figures,
) -> Result<Vec<u8>, AppError> {
    build(ctx, sections, total).map_err(internal)
}

fn build(ctx: &PageCtx, sections: &[SectionView], total: &Figures) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();

    let sheet = book
        .add_worksheet()
        .set_name(ctx.t("sitrep-sheet-summary"))?;
    let mut keys = vec![
        "sitrep-community",
        "emergency-kind",
        "sitrep-what",
        "sitrep-targeted",
        "sitrep-checked",
        "sitrep-percent",
        "sitrep-needing-help",
        "sitrep-unreached",
        "sitrep-left",
    ];
    let need_keys: Vec<String> = total
        .needs
        .iter()
        .map(|(n, _)| format!("check-need-{}", n.code()))
        .collect();
    keys.extend(need_keys.iter().map(String::as_str));
    keys.extend([
        "sitrep-materials-waiting",
        "sitrep-materials-on-the-way",
        "sitrep-materials-delivered",
        "sitrep-urgent-open",
    ]);
    headings(ctx, sheet, &bold, &keys)?;
    let mut r = 1;
    for s in sections {
        let kind = ctx.tk(
            "emergency-kind-",
            if s.drill { "drill" } else { "emergency" },
        );
        let mut cells = vec![
            Cell::Text(&s.community),
            Cell::Text(&kind),
            Cell::Text(&s.what),
        ];
        cells.extend(figure_cells(&s.f));
        row(sheet, r, &cells)?;
        r += 1;
    }
    let all = ctx.t("sitrep-total");
    let mut cells = vec![Cell::Text(&all), Cell::Text(""), Cell::Text("")];
    cells.extend(figure_cells(total));
    row(sheet, r, &cells)?;

    let sheet = book.add_worksheet().set_name(ctx.t("sitrep-sheet-help"))?;
    headings(
        ctx,
        sheet,
        &bold,
        &[
            "sitrep-community",
            "sitrep-address",
            "sitrep-needs",
            "sitrep-checked-at",
        ],
    )?;
    let mut r = 1;
    for s in sections {
        for (address, needs, when) in &s.needing_help {
            let cells = [
                Cell::Text(&s.community),
                Cell::Text(address),
                Cell::Text(needs),
                Cell::Text(when),
            ];
            row(sheet, r, &cells)?;
            r += 1;
        }
    }

    let sheet = book
        .add_worksheet()
        .set_name(ctx.t("sitrep-sheet-materials"))?;
    headings(
        ctx,
        sheet,
        &bold,
        &[
            "sitrep-community",
            "sitrep-item",
            "sitrep-unit",
            "sitrep-quantity",
            "sitrep-households",
        ],
    )?;
    let mut r = 1;
    for s in sections {
        for (item, unit, quantity, households) in &s.issued {
            let cells = [
                Cell::Text(&s.community),
                Cell::Text(item),
                Cell::Text(unit),
                Cell::Number(*quantity),
                Cell::Number(*households),
            ];
            row(sheet, r, &cells)?;
            r += 1;
        }
    }

    let sheet = book
        .add_worksheet()
        .set_name(ctx.t("sitrep-sheet-incidents"))?;
    headings(
        ctx,
        sheet,
        &bold,
        &[
            "sitrep-community",
            "sitrep-when",
            "sitrep-incident-kind",
            "sitrep-incident",
        ],
    )?;
    sheet.set_column_width(3, 60)?;
    let mut r = 1;
    for s in sections {
        for (when, kind, text) in &s.incidents {
            let cells = [
                Cell::Text(&s.community),
                Cell::Text(when),
                Cell::Text(kind),
                Cell::Text(text),
            ];
            row(sheet, r, &cells)?;
            r += 1;
        }
    }
    book.save_to_buffer()
}
