//! Reading a residents file: CSV in UTF-8 (with or without a byte-order mark) or
//! GB18030 (as Excel in China saves it), or the first sheet of an XLSX workbook.
//! Rows come out as text cells with the spreadsheet's own row numbers.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use civicgrid_domain::ledger::import_row::{Column, HeaderMap, RowReject, place_text};

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// `.xlsx` by name, or a ZIP signature; anything else is read as CSV.
pub fn detect(file_name: &str, bytes: &[u8]) -> Format {
    if file_name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        Format::Xlsx
    } else {
        Format::Csv
    }
}

/// Text of a CSV file: a UTF-8 byte-order mark means UTF-8; valid UTF-8 is UTF-8;
/// anything else is decoded as GB18030.
pub fn decode_csv(bytes: Vec<u8>) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 (BOM)");
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, "UTF-8"),
        Err(e) => {
            let bytes = e.into_bytes();
            let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// One data row: its spreadsheet row number, its cells as text, and a problem the
/// reader found already (a number that cannot be an ID number).
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub cells: PackedCells,
    pub problem: Option<RowReject>,
}

/// A row's cells in one buffer: two allocations instead of one per cell, for every
/// row of a million-row file, freed on another thread than made them.
#[derive(Debug, Clone)]
pub struct PackedCells {
    text: String,
    ends: Vec<usize>,
}

impl PackedCells {
    pub fn pack<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> PackedCells {
        Self::pack_sized(cells, 0)
    }

    /// [`Self::pack`] into text of `bytes` reserved up front (the cells' total length,
    /// where known: a row's text then is one allocation, not one per doubling).
    pub fn pack_sized<S: AsRef<str>>(
        cells: impl IntoIterator<Item = S>,
        bytes: usize,
    ) -> PackedCells {
        let mut text = String::with_capacity(bytes);
        let mut ends = Vec::with_capacity(16);
        for c in cells {
            text.push_str(c.as_ref());
            ends.push(text.len());
        }
        PackedCells { text, ends }
    }

    /// The cells, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| self.text.get(start..end).unwrap_or_default())
    }

    pub fn unpack(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

/// Distinct place pairs in the order first seen. Cells are looked up as they are
/// written, without a copy; only a pair not seen before is copied and normalised.
#[derive(Default)]
struct PlacesSeen {
    order: Vec<(String, String)>,
    known: foldhash::HashSet<(String, String)>,
    /// community cell → grid cells, as written (trimmed)
    written: foldhash::HashMap<String, foldhash::HashSet<String>>,
}

impl PlacesSeen {
    fn see(&mut self, community: &str, grid: &str) {
        let (community, grid) = (community.trim(), grid.trim());
        if community.is_empty() || grid.is_empty() {
            return;
        }
        if let Some(grids) = self.written.get(community)
            && grids.contains(grid)
        {
            return;
        }
        self.written
            .entry(community.to_owned())
            .or_default()
            .insert(grid.to_owned());
        let pair = (place_text(community).into(), place_text(grid).into());
        if self.known.insert(pair.clone()) {
            self.order.push(pair);
        }
    }
}

/// The rows of a file after its header.
pub enum Rows {
    Csv {
        reader: csv::Reader<Cursor<Vec<u8>>>,
        record: csv::StringRecord,
        total: u64,
        /// Byte offset and line number where the last record ended.
        end: usize,
        line: u64,
    },
    Xlsx {
        range: calamine::Range<Data>,
        next: usize,
        first_row: u64,
        id_col: Option<usize>,
        birth_col: Option<usize>,
    },
}

/// An opened file: the header matched to the columns, and the rows to come.
pub struct Opened {
    pub header: Vec<String>,
    pub map: HeaderMap,
    pub rows: Rows,
    pub encoding: &'static str,
}

/// Opens a file and reads its header row; a file-level problem is the error.
pub fn open(bytes: Vec<u8>, format: Format) -> Result<Opened, String> {
    match format {
        Format::Csv => open_csv(bytes),
        Format::Xlsx => open_xlsx(bytes),
    }
}

fn open_csv(bytes: Vec<u8>) -> Result<Opened, String> {
    let (text, encoding) = decode_csv(bytes);
    let total = text.len() as u64;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(text.into_bytes()));
    let mut record = csv::StringRecord::new();
    let header: Vec<String> = loop {
        match reader.read_record(&mut record) {
            Ok(false) => {
                return Err("the file is empty: the first row must name the columns".into());
            }
            Ok(true) if record.iter().all(|c| c.trim().is_empty()) => continue,
            Ok(true) => break record.iter().map(str::to_owned).collect(),
            Err(e) => return Err(format!("the file is not readable CSV: {e}")),
        }
    };
    let consumed = reader.position().byte() as usize;
    let header_lines = newlines(&reader.get_ref().get_ref()[..consumed.min(total as usize)]);
    let map = HeaderMap::from_header(&header).map_err(|e| e.to_string())?;
    Ok(Opened {
        header,
        map,
        rows: Rows::Csv {
            end: reader.position().byte() as usize,
            line: 1 + header_lines,
            reader,
            record,
            total,
        },
        encoding,
    })
}

fn open_xlsx(bytes: Vec<u8>) -> Result<Opened, String> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("the file is not a readable XLSX workbook: {e}"))?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(format!("the first sheet is not readable: {e}")),
        None => return Err("the workbook has no sheet".into()),
    };
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r)) + 1;
    let header: Vec<String> = match range.rows().next() {
        Some(cells) => cells.iter().map(|c| cell_text(c, false)).collect(),
        None => return Err("the file is empty: the first row must name the columns".into()),
    };
    let map = HeaderMap::from_header(&header).map_err(|e| e.to_string())?;
    let id_col = map.position(Column::IdNumber);
    let birth_col = map.position(Column::BirthDate);
    Ok(Opened {
        header,
        map,
        rows: Rows::Xlsx {
            range,
            next: 1,
            first_row,
            id_col,
            birth_col,
        },
        encoding: "XLSX",
    })
}

/// A date typed into a cell without a date format: Excel's day number.
fn serial_date(v: &Data) -> String {
    let n = match v {
        Data::Int(i) => *i as f64,
        Data::Float(f) => *f,
        _ => return String::new(),
    };
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30);
    match base {
        Some(b) if (1.0..=80_000.0).contains(&n) => b
            .checked_add_days(chrono::Days::new(n as u64))
            .map_or_else(|| n.to_string(), |d| d.to_string()),
        _ => cell_text(v, false),
    }
}

fn newlines(b: &[u8]) -> u64 {
    b.iter().filter(|c| **c == b'\n').count() as u64
}

/// A cell as text: whole numbers without a decimal point, dates as YYYY-MM-DD.
fn cell_text(c: &Data, _in_id_col: bool) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) => t.date().to_string(),
            None => d.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

const NUMERIC_ID: &str = "is stored as a number in the spreadsheet, which keeps only 15 \
     significant digits, so the ID number has lost digits; format the column as text and \
     enter the numbers again";

impl Rows {
    /// The next data row, skipping rows that are entirely blank.
    pub fn next_row(&mut self) -> Option<Result<RawRow, String>> {
        match self {
            Rows::Csv {
                reader,
                record,
                end,
                line,
                ..
            } => loop {
                let read = reader.read_record(record);
                let new_end = reader.position().byte() as usize;
                let text = reader.get_ref().get_ref();
                let span = &text[(*end).min(text.len())..new_end.min(text.len())];
                // Line breaks before the record belong to the previous lines.
                let lead = span
                    .iter()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .count();
                let start_line = *line + newlines(&span[..lead]);
                *line = start_line + newlines(&span[lead..]);
                *end = new_end;
                match read {
                    Ok(false) => return None,
                    Ok(true) if record.iter().all(|c| c.trim().is_empty()) => continue,
                    Ok(true) => {
                        let line = start_line;
                        return Some(Ok(RawRow {
                            line,
                            cells: PackedCells::pack_sized(record.iter(), record.as_slice().len()),
                            problem: None,
                        }));
                    }
                    Err(e) => return Some(Err(format!("the file is not readable CSV: {e}"))),
                }
            },
            Rows::Xlsx {
                range,
                next,
                first_row,
                id_col,
                birth_col,
            } => loop {
                let width = range.width();
                let i = *next;
                if i >= range.height() {
                    return None;
                }
                *next += 1;
                let cells: Vec<&Data> = (0..width)
                    .map(|c| range.get((i, c)).unwrap_or(&Data::Empty))
                    .collect();
                if cells.iter().all(|c| matches!(c, Data::Empty)) {
                    continue;
                }
                let problem = id_col.and_then(|col| match cells.get(col) {
                    Some(Data::Int(_) | Data::Float(_)) => {
                        Some(RowReject::new(Column::IdNumber, NUMERIC_ID))
                    }
                    _ => None,
                });
                let cells = PackedCells::pack(cells.iter().enumerate().map(|(c, v)| match v {
                    Data::Int(_) | Data::Float(_) if Some(c) == *birth_col => serial_date(v),
                    _ => cell_text(v, false),
                }));
                return Some(Ok(RawRow {
                    line: *first_row + i as u64,
                    cells,
                    problem,
                }));
            },
        }
    }

    /// Every (community, grid) pair the rows still to come name, once each, in the
    /// order they first appear; blank cells are left out. Reads ahead without moving
    /// the rows on: one pass over the text, no row validated.
    pub fn places_ahead(&self, map: &HeaderMap) -> Vec<(String, String)> {
        let (Some(c_col), Some(g_col)) =
            (map.position(Column::Community), map.position(Column::Grid))
        else {
            return Vec::new();
        };
        let mut places = PlacesSeen::default();
        match self {
            Rows::Csv { reader, end, .. } => {
                let text = reader.get_ref().get_ref();
                let rest = text.get(*end..).unwrap_or_default();
                if !rest.contains(&b'"') {
                    // No quoted cell: a line break ends a row and a comma a cell.
                    let last = c_col.max(g_col);
                    let breaks = memchr::memchr2_iter(b'\n', b'\r', rest);
                    let mut start = 0;
                    for stop in breaks.chain(std::iter::once(rest.len())) {
                        let line = rest.get(start..stop).unwrap_or_default();
                        start = stop + 1;
                        let (mut community, mut grid) = ("", "");
                        for (i, cell) in line.split(|b| *b == b',').take(last + 1).enumerate() {
                            let text = std::str::from_utf8(cell).unwrap_or_default();
                            if i == c_col {
                                community = text;
                            }
                            if i == g_col {
                                grid = text;
                            }
                        }
                        places.see(community, grid);
                    }
                    return places.order;
                }
                let mut ahead = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(rest);
                let mut record = csv::ByteRecord::new();
                while let Ok(true) = ahead.read_byte_record(&mut record) {
                    let cell = |i| {
                        record
                            .get(i)
                            .and_then(|b| std::str::from_utf8(b).ok())
                            .unwrap_or_default()
                    };
                    places.see(cell(c_col), cell(g_col));
                }
            }
            Rows::Xlsx { range, next, .. } => {
                for row in range.rows().skip(*next) {
                    let cell =
                        |i: usize| row.get(i).map(|c| cell_text(c, false)).unwrap_or_default();
                    places.see(&cell(c_col), &cell(g_col));
                }
            }
        }
        places.order
    }

    /// (done, total) in the file's own unit (bytes of CSV, rows of XLSX).
    pub fn progress(&self) -> (u64, u64) {
        match self {
            Rows::Csv { reader, total, .. } => (reader.position().byte(), *total),
            Rows::Xlsx { range, next, .. } => (*next as u64, range.height() as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_cells_come_back_as_they_were() {
        let cells: Vec<String> = vec!["张三".into(), String::new(), "=1+1".into(), "3".into()];
        let packed = PackedCells::pack(&cells);
        assert_eq!(packed.unpack(), cells);
        assert_eq!(packed.iter().nth(2), Some("=1+1"));
        assert!(PackedCells::pack(Vec::<String>::new()).unpack().is_empty());
    }

    #[test]
    fn places_ahead_names_each_pair_once_without_moving_the_rows() {
        let rows = [
            "社区,网格,楼栋,单元,房号,姓名,身份证号",
            "HG,HG-01,1,1,101,甲,",
            "HG,HG-01,1,1,101,乙,",
            ",,,,,,",
            "HG , HG-02 ,1,1,101,丙,",
            "湖光  社区,HG-01,1,1,101,丁,",
            "HG,,1,1,101,戊,",
            "HG,HG-01,1,1,101,己,",
        ];
        let csv = rows.join("\r\n");
        let pair = |c: &str, g: &str| (c.to_owned(), g.to_owned());
        let want = vec![
            pair("HG", "HG-01"),
            pair("HG", "HG-02"),
            pair("湖光 社区", "HG-01"),
        ];
        // Without quotes the lines are split as they are; with them, read as CSV.
        let quoted = csv.clone() + "\r\n\"HG\",\"HG-03\r\n\",1,1,101,\"庚,辛\",";
        let mut with_quotes = want.clone();
        with_quotes.push(pair("HG", "HG-03"));
        for (text, want) in [(quoted, with_quotes), (csv.clone(), want)] {
            let opened = open(text.as_bytes().to_vec(), Format::Csv).unwrap();
            assert_eq!(opened.rows.places_ahead(&opened.map), want, "{text}");
        }
        let mut opened = open(csv.as_bytes().to_vec(), Format::Csv).unwrap();
        // The rows themselves are still all to come.
        let first = opened.rows.next_row().unwrap().unwrap();
        assert_eq!((first.line, first.cells.iter().nth(5)), (2, Some("甲")));
    }

    #[test]
    fn encodings_are_detected() {
        let (t, e) = decode_csv("\u{feff}姓名".as_bytes().to_vec());
        assert_eq!((t.as_str(), e), ("姓名", "UTF-8 (BOM)"));
        let (t, e) = decode_csv("姓名".as_bytes().to_vec());
        assert_eq!((t.as_str(), e), ("姓名", "UTF-8"));
        let (gb, _, _) = encoding_rs::GB18030.encode("姓名,社区");
        let (t, e) = decode_csv(gb.into_owned());
        assert_eq!((t.as_str(), e), ("姓名,社区", "GB18030"));
    }

    #[test]
    fn csv_rows_keep_their_line_numbers() {
        let text = "community,grid,building,unit,room,name,id_number\n\
                    a,b,1,1,101,张三,x\n\n\"c\",\"d\nd\",1,1,101,李四,y\ne,f,1,1,1,王五,z\n";
        let mut o = open(text.as_bytes().to_vec(), Format::Csv).unwrap();
        let lines: Vec<u64> = std::iter::from_fn(|| o.rows.next_row())
            .map(|r| r.unwrap().line)
            .collect();
        assert_eq!(lines, vec![2, 4, 6]);
    }

    #[test]
    fn missing_columns_fail_the_file() {
        let e = open(b"name,phone\n".to_vec(), Format::Csv).err().unwrap();
        assert!(e.contains("id_number"), "{e}");
        assert!(open(Vec::new(), Format::Csv).is_err());
        assert!(open(b"PK\x03\x04junk".to_vec(), Format::Xlsx).is_err());
        assert_eq!(detect("a.XLSX", b""), Format::Xlsx);
        assert_eq!(detect("a.csv", b"x"), Format::Csv);
    }
}
