//! One row of a residents spreadsheet: the columns (English and Chinese header names),
//! matching a header row to them, and turning a row's cells into a typed, validated
//! [`ValidRow`] or a [`RowReject`] that names the column and the problem.

use std::fmt;

use compact_str::CompactString;

use thiserror::Error;

use super::date::{Date, age_on};
use super::id_number::IdNumber;
use super::person::{
    Gender, Ownership, Relation, ResidenceStatus, birth_and_gender, validate_name,
};
use super::phone::Phone;
use super::tags::{TagDef, derived_tags, lookup, split_tags};

/// The columns of the import (and export) format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Community,
    Grid,
    Building,
    Unit,
    Room,
    Name,
    Gender,
    BirthDate,
    IdNumber,
    Phone,
    Relation,
    ResidenceStatus,
    Tags,
    AreaM2,
    Ownership,
}

impl Column {
    /// In the order an exported file lists them.
    pub const ALL: [Column; 15] = [
        Column::Community,
        Column::Grid,
        Column::Building,
        Column::Unit,
        Column::Room,
        Column::Name,
        Column::Gender,
        Column::BirthDate,
        Column::IdNumber,
        Column::Phone,
        Column::Relation,
        Column::ResidenceStatus,
        Column::Tags,
        Column::AreaM2,
        Column::Ownership,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Column::Community => "community",
            Column::Grid => "grid",
            Column::Building => "building",
            Column::Unit => "unit",
            Column::Room => "room",
            Column::Name => "name",
            Column::Gender => "gender",
            Column::BirthDate => "birth_date",
            Column::IdNumber => "id_number",
            Column::Phone => "phone",
            Column::Relation => "relation",
            Column::ResidenceStatus => "residence_status",
            Column::Tags => "tags",
            Column::AreaM2 => "area_m2",
            Column::Ownership => "ownership",
        }
    }

    /// The Chinese header a spreadsheet in China uses.
    pub fn label_zh(self) -> &'static str {
        self.aliases()[1]
    }

    /// Accepted header names (compared after [`normalise_header`]); the code first,
    /// then the usual Chinese name.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Community => &["community", "社区", "社区名称", "所属社区"],
            Column::Grid => &["grid", "网格", "所属网格", "网格名称"],
            Column::Building => &["building", "楼栋", "楼号", "楼栋号", "栋"],
            Column::Unit => &["unit", "单元", "单元号"],
            Column::Room => &["room", "房号", "房间", "房间号", "门牌号"],
            Column::Name => &["name", "姓名"],
            Column::Gender => &["gender", "性别", "sex"],
            Column::BirthDate => &["birth_date", "出生日期", "birthdate", "dateofbirth"],
            Column::IdNumber => &[
                "id_number",
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "idnumber",
                "idno",
            ],
            Column::Phone => &[
                "phone",
                "电话",
                "联系电话",
                "手机",
                "手机号",
                "手机号码",
                "mobile",
                "tel",
            ],
            Column::Relation => &["relation", "与户主关系", "relationship", "关系"],
            Column::ResidenceStatus => &["residence_status", "居住状态", "status", "人口类型"],
            Column::Tags => &["tags", "标签"],
            Column::AreaM2 => &["area_m2", "建筑面积", "area", "面积"],
            Column::Ownership => &["ownership", "产权", "产权性质", "产权类型"],
        }
    }

    /// Must be present in the header row.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::Community
                | Column::Grid
                | Column::Building
                | Column::Unit
                | Column::Room
                | Column::Name
                | Column::IdNumber
        )
    }

    fn index(self) -> usize {
        Column::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// `ID Number` → `idnumber`, `\u{feff}身份证号（必填）` → `身份证号`: case, spaces,
/// `_`/`-`, a byte-order mark and a parenthesised hint do not matter.
pub fn normalise_header(raw: &str) -> String {
    let s = raw.trim_start_matches('\u{feff}');
    let s = s.split(['(', '（', '[', '【']).next().unwrap_or("");
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*' | ':' | '：'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("the file is empty: the first row must name the columns")]
    Empty,
    #[error("missing required column(s): {0}")]
    Missing(String),
    #[error("the column {0} appears twice in the header row")]
    Duplicate(String),
}

/// Where each known column sits in a file's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    positions: [Option<usize>; 15],
}

impl HeaderMap {
    /// Matches a header row; unknown columns are ignored.
    pub fn from_header<S: AsRef<str>>(cells: &[S]) -> Result<HeaderMap, HeaderError> {
        if cells.iter().all(|c| c.as_ref().trim().is_empty()) {
            return Err(HeaderError::Empty);
        }
        let mut positions = [None; 15];
        for (i, cell) in cells.iter().enumerate() {
            let norm = normalise_header(cell.as_ref());
            let Some(col) = Column::ALL
                .iter()
                .find(|c| c.aliases().iter().any(|a| normalise_header(a) == norm))
            else {
                continue;
            };
            let slot = &mut positions[col.index()];
            if slot.is_some() {
                return Err(HeaderError::Duplicate(describe(*col)));
            }
            *slot = Some(i);
        }
        let missing: Vec<String> = Column::ALL
            .iter()
            .filter(|c| c.required() && positions[c.index()].is_none())
            .map(|c| describe(*c))
            .collect();
        if missing.is_empty() {
            Ok(HeaderMap { positions })
        } else {
            Err(HeaderError::Missing(missing.join(", ")))
        }
    }

    pub fn position(&self, col: Column) -> Option<usize> {
        self.positions[col.index()]
    }

    /// The trimmed cell of `col` in `row` ("" when absent).
    pub fn cell<'a, S: AsRef<str>>(&self, row: &'a [S], col: Column) -> &'a str {
        self.position(col)
            .and_then(|i| row.get(i))
            .map_or("", |c| c.as_ref().trim())
    }
}

fn describe(c: Column) -> String {
    format!("{} ({})", c.code(), c.label_zh())
}

/// Why a row was not imported: the column at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReject {
    pub column: &'static str,
    pub message: String,
}

impl RowReject {
    pub fn new(column: Column, message: impl fmt::Display) -> RowReject {
        RowReject {
            column: column.code(),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for RowReject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.column, self.message)
    }
}

/// A row that passed every check, with typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub community: CompactString,
    pub grid: CompactString,
    pub building: CompactString,
    pub unit: CompactString,
    pub room: CompactString,
    pub name: CompactString,
    pub gender: Gender,
    pub birth_date: Date,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
    pub relation: Relation,
    pub status: ResidenceStatus,
    /// Codes of the assigned (not age-derived) tags, sorted, without repeats.
    pub tags: Vec<String>,
    /// Floor area in hundredths of a square metre.
    pub area_centi: Option<i64>,
    pub ownership: Ownership,
}

fn place(h: &HeaderMap, row: &[impl AsRef<str>], col: Column) -> Result<CompactString, RowReject> {
    let v = h.cell(row, col);
    if v.is_empty() {
        return Err(RowReject::new(col, "is empty"));
    }
    if v.len() > 100 && v.chars().count() > 100 {
        return Err(RowReject::new(col, "is longer than 100 characters"));
    }
    Ok(place_text(v))
}

/// A place cell as the ledger names the place (what a reader of the file must match).
pub fn place_text(v: &str) -> CompactString {
    crate::ledger::person::single_spaced(v)
}

/// Validates one data row against `catalogue` (the active tags) on `today`.
pub fn validate_row<S: AsRef<str>>(
    h: &HeaderMap,
    row: &[S],
    catalogue: &[TagDef],
    today: Date,
) -> Result<ValidRow, RowReject> {
    let community = place(h, row, Column::Community)?;
    let grid = place(h, row, Column::Grid)?;
    let building = place(h, row, Column::Building)?;
    let unit = place(h, row, Column::Unit)?;
    let room = place(h, row, Column::Room)?;
    let name =
        validate_name(h.cell(row, Column::Name)).map_err(|e| RowReject::new(Column::Name, e))?;
    let id_raw = h.cell(row, Column::IdNumber);
    if id_raw.is_empty() {
        return Err(RowReject::new(Column::IdNumber, "is empty"));
    }
    let id_number = IdNumber::parse(id_raw).map_err(|e| RowReject::new(Column::IdNumber, e))?;
    let typed = |col| Some(h.cell(row, col)).filter(|v| !v.is_empty());
    let (birth_date, gender) = birth_and_gender(
        Some(&id_number),
        typed(Column::BirthDate),
        typed(Column::Gender),
        today,
    )
    .map_err(|e| {
        let col = match e.field() {
            "id_number" => Column::IdNumber,
            "birth_date" => Column::BirthDate,
            _ => Column::Gender,
        };
        RowReject::new(col, e)
    })?;
    let phone_raw = h.cell(row, Column::Phone);
    let phone = if phone_raw.is_empty() {
        None
    } else {
        Some(Phone::parse(phone_raw).map_err(|e| RowReject::new(Column::Phone, e))?)
    };
    let relation = parse_or(h, row, Column::Relation, Relation::Other, Relation::parse)?;
    let status = parse_or(
        h,
        row,
        Column::ResidenceStatus,
        ResidenceStatus::Registered,
        ResidenceStatus::parse,
    )?;
    let ownership = parse_or(
        h,
        row,
        Column::Ownership,
        Ownership::Owner,
        Ownership::parse,
    )?;
    let tags = parse_tags(h.cell(row, Column::Tags), catalogue, birth_date, today)?;
    let area_centi = parse_area(h.cell(row, Column::AreaM2))?;
    Ok(ValidRow {
        community,
        grid,
        building,
        unit,
        room,
        name,
        gender,
        birth_date,
        id_number,
        phone,
        relation,
        status,
        tags,
        area_centi,
        ownership,
    })
}

fn parse_or<S: AsRef<str>, T, E: fmt::Display>(
    h: &HeaderMap,
    row: &[S],
    col: Column,
    default: T,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, RowReject> {
    let raw = h.cell(row, col);
    if raw.is_empty() {
        Ok(default)
    } else {
        parse(raw).map_err(|e| RowReject::new(col, e))
    }
}

/// Known tags only; a typed age-derived tag is ignored when the age agrees and
/// rejected when it contradicts the birth date.
pub fn parse_tags(
    cell: &str,
    catalogue: &[TagDef],
    birth: Date,
    today: Date,
) -> Result<Vec<String>, RowReject> {
    let derived = derived_tags(birth, today);
    let mut out: Vec<String> = Vec::new();
    for t in split_tags(cell) {
        let def = lookup(catalogue, &t)
            .ok_or_else(|| RowReject::new(Column::Tags, format!("'{t}' is not a known tag")))?;
        if def.derived {
            if !derived.contains(&def.code.as_str()) {
                return Err(RowReject::new(
                    Column::Tags,
                    format!(
                        "'{t}' is computed from the birth date and does not hold (age {})",
                        age_on(birth, today)
                    ),
                ));
            }
            continue;
        }
        out.push(def.code.clone());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `85`, `85.5`, `85.50 ㎡`, `85.5平方米` → hundredths of a square metre.
pub fn parse_area(raw: &str) -> Result<Option<i64>, RowReject> {
    let mut s = raw.trim();
    for unit in ["平方米", "平米", "㎡", "m²", "m2", "M2"] {
        if let Some(rest) = s.strip_suffix(unit) {
            s = rest.trim_end();
        }
    }
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        RowReject::new(
            Column::AreaM2,
            format!("'{raw}' is not a number of square metres"),
        )
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return if s.starts_with('-') {
            Err(RowReject::new(Column::AreaM2, "must not be negative"))
        } else {
            Err(bad())
        };
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac_trim = frac.trim_end_matches('0');
    if frac_trim.len() > 2 {
        return Err(RowReject::new(
            Column::AreaM2,
            format!("'{raw}' has more than 2 decimals"),
        ));
    }
    if whole.len() > 9 {
        return Err(RowReject::new(
            Column::AreaM2,
            format!("'{raw}' is too large"),
        ));
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = format!("{frac_trim:0<2}").parse().map_err(|_| bad())?;
    Ok(Some(w * 100 + f))
}

/// `8550` → `85.5`, `8500` → `85`.
pub fn format_area(centi: i64) -> String {
    let (w, f) = (centi / 100, centi % 100);
    match f {
        0 => w.to_string(),
        f if f % 10 == 0 => format!("{w}.{}", f / 10),
        f => format!("{w}.{f:02}"),
    }
}

#[cfg(test)]
mod tests;
