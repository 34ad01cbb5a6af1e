//! Reading a residents file: CSV in UTF-8 (with or without a byte-order mark) or
//! GB18030 (as Excel in China saves it), or the first sheet of an XLSX workbook.
//! Rows come out as text cells with the spreadsheet's own row numbers.
//!
//! A file read already ([`ImportFile::Bytes`], as the command line reads one) is read
//! where it lies. An open file ([`ImportFile::File`], an upload saved to a temporary
//! file) is read as a stream, a block at a time, never whole. An XLSX sheet is always
//! read a cell at a time, on a thread of its own: cells far apart take no memory for
//! the cells between them. Before anything of a workbook is unpacked, the sizes its
//! parts declare (which unpacking holds them to) are checked against limits, so that a
//! small file cannot unpack to gigabytes, and the parts read whole are held smaller.

use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::sync::mpsc::{Receiver, SyncSender};

use calamine::{Data, Reader, Xlsx};
use civicgrid_domain::ledger::import::{Column, HeaderMap, RowReject, place_text};

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// A file to import.
#[derive(Debug)]
pub enum ImportFile {
    /// Its bytes, read already.
    Bytes(Vec<u8>),
    /// An open file, read from its start as a stream (an upload's temporary file).
    File(std::fs::File),
}

impl From<Vec<u8>> for ImportFile {
    fn from(bytes: Vec<u8>) -> Self {
        ImportFile::Bytes(bytes)
    }
}

impl From<std::fs::File> for ImportFile {
    fn from(file: std::fs::File) -> Self {
        ImportFile::File(file)
    }
}

impl ImportFile {
    /// Its size in bytes.
    pub fn size(&self) -> std::io::Result<u64> {
        match self {
            ImportFile::Bytes(b) => Ok(b.len() as u64),
            ImportFile::File(f) => Ok(f.metadata()?.len()),
        }
    }

    /// Its first four bytes (fewer if it is shorter), leaving a file at its start.
    fn head(&mut self) -> std::io::Result<Vec<u8>> {
        match self {
            ImportFile::Bytes(b) => Ok(b.iter().take(4).copied().collect()),
            ImportFile::File(f) => {
                f.seek(SeekFrom::Start(0))?;
                let mut head = Vec::with_capacity(4);
                f.by_ref().take(4).read_to_end(&mut head)?;
                f.seek(SeekFrom::Start(0))?;
                Ok(head)
            }
        }
    }
}

fn unreadable(e: std::io::Error) -> String {
    format!("the file could not be read: {e}")
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
    /// A CSV file read already.
    Csv {
        reader: csv::Reader<Cursor<Vec<u8>>>,
        record: csv::StringRecord,
        total: u64,
        /// Byte offset and line number where the last record ended.
        end: usize,
        line: u64,
    },
    /// A CSV file read as a stream.
    CsvStream {
        reader: csv::Reader<TextStream>,
        record: csv::StringRecord,
        /// Bytes in the file.
        total: u64,
        /// Offset in the text and line number where the last record ended.
        end: u64,
        line: u64,
    },
    /// The rows of an XLSX sheet, from the thread reading it.
    Xlsx {
        rows: Receiver<SheetMsg>,
        /// The row number of the last row, and of the sheet's last row as it declares.
        done: u64,
        total: u64,
        ended: bool,
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
pub fn open(file: impl Into<ImportFile>, format: Format) -> Result<Opened, String> {
    match (format, file.into()) {
        (Format::Csv, ImportFile::Bytes(bytes)) => open_csv(bytes),
        (Format::Csv, ImportFile::File(file)) => open_csv_stream(file),
        (Format::Xlsx, ImportFile::Bytes(bytes)) => open_xlsx(Cursor::new(bytes)),
        (Format::Xlsx, ImportFile::File(file)) => open_xlsx(BufReader::new(file)),
    }
}

/// Opens `file`, its format picked by its name and first bytes ([`detect`]).
pub fn open_named(file_name: &str, file: impl Into<ImportFile>) -> Result<Opened, String> {
    let mut file = file.into();
    let head = file.head().map_err(unreadable)?;
    open(file, detect(file_name, &head))
}

/// The checks of a file that take no reading of its rows, for an upload to be refused
/// at once: an XLSX workbook's declared sizes ([`check_workbook`]). Gives the file back.
pub fn precheck(file_name: &str, file: impl Into<ImportFile>) -> (ImportFile, Result<(), String>) {
    let mut file = file.into();
    let checked = match file.head() {
        Err(e) => Err(unreadable(e)),
        Ok(head) if detect(file_name, &head) == Format::Csv => Ok(()),
        Ok(_) => match &mut file {
            ImportFile::Bytes(bytes) => check_workbook(&mut Cursor::new(bytes.as_slice())),
            ImportFile::File(f) => {
                let checked = check_workbook(&mut BufReader::new(&mut *f));
                match f.seek(SeekFrom::Start(0)) {
                    Ok(_) => checked,
                    Err(e) => Err(unreadable(e)),
                }
            }
        },
    };
    (file, checked)
}

/// Counts the line breaks of the text a record spans (from the end of the record
/// before it) onto `line`; returns the line the record starts on. Line breaks before
/// the record belong to the lines before it.
fn advance(span: &[u8], line: &mut u64) -> u64 {
    let lead = span
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let (before, record) = span.split_at(lead);
    let start = *line + newlines(before);
    *line = start + newlines(record);
    start
}

fn open_csv(bytes: Vec<u8>) -> Result<Opened, String> {
    let (text, encoding) = decode_csv(bytes);
    let total = text.len() as u64;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(text.into_bytes()));
    let mut record = csv::StringRecord::new();
    let header = read_header(&mut reader, &mut record)?;
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

/// The first row that is not blank: the header.
fn read_header<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
) -> Result<Vec<String>, String> {
    loop {
        match reader.read_record(record) {
            Ok(false) => {
                return Err("the file is empty: the first row must name the columns".into());
            }
            Ok(true) if record.iter().all(|c| c.trim().is_empty()) => continue,
            Ok(true) => return Ok(record.iter().map(str::to_owned).collect()),
            Err(e) => return Err(format!("the file is not readable CSV: {e}")),
        }
    }
}

/// Bytes of a file read at a time when it is read as a stream.
const BLOCK: usize = 64 * 1024;
/// Text a stream keeps behind the last record at most before it lets go of it.
const KEEP_BEHIND: usize = 256 * 1024;
/// Longest record of a CSV file read as a stream, in bytes of text: a residents row is
/// far shorter; a quote left open would make the rest of the file one record.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// Whether the rest of `file` is UTF-8 throughout, read a block at a time.
fn is_utf8(file: &mut std::fs::File) -> std::io::Result<bool> {
    let mut buf = vec![0u8; BLOCK + 4];
    let mut carry = 0;
    loop {
        let Some(room) = buf.get_mut(carry..carry + BLOCK) else {
            return Ok(false);
        };
        let n = file.read(room)?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let len = carry + n;
        let filled = buf.get(..len).unwrap_or_default();
        match std::str::from_utf8(filled) {
            Ok(_) => carry = 0,
            // A character cut at the end of the block: carried into the next one.
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                carry = len - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// The text of a CSV file as a stream of UTF-8, decoded a block at a time. It keeps
/// the text it handed out since the end of the last record, so that the line breaks
/// of each record can be counted as the file has them.
pub struct TextStream {
    file: std::fs::File,
    decoder: encoding_rs::Decoder,
    block: Vec<u8>,
    /// Bytes of the file read so far.
    read: u64,
    /// Decoded text not handed out yet: `text[at..]`.
    text: Vec<u8>,
    at: usize,
    ended: bool,
    /// The text handed out from offset `kept_from` on.
    kept: Vec<u8>,
    kept_from: u64,
}

impl TextStream {
    fn new(file: std::fs::File, decoder: encoding_rs::Decoder, read: u64) -> TextStream {
        TextStream {
            file,
            decoder,
            block: vec![0; BLOCK],
            read,
            text: Vec::new(),
            at: 0,
            ended: false,
            kept: Vec::new(),
            kept_from: 0,
        }
    }

    /// Decodes the next block of the file into `text`.
    fn fill(&mut self) -> std::io::Result<()> {
        self.text.clear();
        self.at = 0;
        while self.text.is_empty() && !self.ended {
            let n = self.file.read(&mut self.block)?;
            self.read += n as u64;
            let last = n == 0;
            let mut src = self.block.get(..n).unwrap_or_default();
            loop {
                let start = self.text.len();
                let room = self
                    .decoder
                    .max_utf8_buffer_length(src.len())
                    .unwrap_or(src.len() * 4)
                    .max(16);
                self.text.resize(start + room, 0);
                let dst = self.text.get_mut(start..).unwrap_or_default();
                let (result, read, written, _) = self.decoder.decode_to_utf8(src, dst, last);
                self.text.truncate(start + written);
                src = src.get(read..).unwrap_or_default();
                if result == encoding_rs::CoderResult::InputEmpty {
                    break;
                }
            }
            self.ended = last;
        }
        Ok(())
    }

    /// The text from offset `from` to `to`, where `from` is not before the offset last
    /// given to [`Self::forget_before`].
    fn span(&self, from: u64, to: u64) -> &[u8] {
        let at = |offset: u64| {
            usize::try_from(offset.saturating_sub(self.kept_from))
                .unwrap_or(usize::MAX)
                .min(self.kept.len())
        };
        self.kept.get(at(from)..at(to)).unwrap_or_default()
    }

    /// Lets go of the text before `offset` (now and then, not at every record).
    fn forget_before(&mut self, offset: u64) {
        let n = usize::try_from(offset.saturating_sub(self.kept_from))
            .unwrap_or(usize::MAX)
            .min(self.kept.len());
        if n >= KEEP_BEHIND {
            self.kept.drain(..n);
            self.kept_from += n as u64;
        }
    }
}

impl Read for TextStream {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.text.len() {
            self.fill()?;
        }
        let ready = self.text.get(self.at..).unwrap_or_default();
        let n = ready.len().min(out.len());
        if self.kept.len() + n > KEEP_BEHIND + MAX_RECORD_BYTES {
            return Err(std::io::Error::other(format!(
                "a row is longer than {} MB: is a quote left open? Close it, or split the row",
                MAX_RECORD_BYTES / (1024 * 1024)
            )));
        }
        let (ready, out) = (ready.get(..n).unwrap_or_default(), out.get_mut(..n));
        if let Some(out) = out {
            out.copy_from_slice(ready);
        }
        self.kept.extend_from_slice(ready);
        self.at += n;
        Ok(n)
    }
}

fn open_csv_stream(mut file: std::fs::File) -> Result<Opened, String> {
    let total = file.metadata().map_err(unreadable)?.len();
    file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let mut bom = Vec::with_capacity(3);
    file.by_ref()
        .take(3)
        .read_to_end(&mut bom)
        .map_err(unreadable)?;
    let (start, encoding, decoder) = if bom == b"\xEF\xBB\xBF" {
        (
            3,
            "UTF-8 (BOM)",
            encoding_rs::UTF_8.new_decoder_without_bom_handling(),
        )
    } else {
        file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
        if is_utf8(&mut file).map_err(unreadable)? {
            (
                0,
                "UTF-8",
                encoding_rs::UTF_8.new_decoder_without_bom_handling(),
            )
        } else {
            // As `Encoding::decode` does for a file read already.
            (0, "GB18030", encoding_rs::GB18030.new_decoder())
        }
    };
    file.seek(SeekFrom::Start(start)).map_err(unreadable)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(TextStream::new(file, decoder, start));
    let mut record = csv::StringRecord::new();
    let header = read_header(&mut reader, &mut record)?;
    let end = reader.position().byte();
    let header_lines = newlines(reader.get_ref().span(0, end));
    reader.get_mut().forget_before(end);
    let map = HeaderMap::from_header(&header).map_err(|e| e.to_string())?;
    Ok(Opened {
        header,
        map,
        rows: Rows::CsvStream {
            reader,
            record,
            total,
            end,
            line: 1 + header_lines,
        },
        encoding,
    })
}

/// Largest part of a workbook read as a stream (the sheet), unpacked, in bytes.
pub const MAX_SHEET_XML: u64 = 1024 * 1024 * 1024;
/// Largest table of shared strings (read whole into memory), unpacked, in bytes.
pub const MAX_SHARED_STRINGS_XML: u64 = 128 * 1024 * 1024;
/// Largest other part read whole (workbook, relationships, styles, theme), unpacked.
pub const MAX_SMALL_XML: u64 = 16 * 1024 * 1024;
/// Most parts a workbook may have.
const MAX_PARTS: usize = 10_000;
/// Most columns a sheet may reach (Excel's last, XFD, is the 16,384th).
pub const MAX_COLUMNS: u32 = 1024;
/// Rows read ahead of the import by the thread reading a sheet.
const SHEET_QUEUE: usize = 1024;

fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

fn not_a_workbook(e: impl std::fmt::Display) -> String {
    format!("the file is not a readable XLSX workbook: {e}")
}

/// A part's name as the workbook reader looks it up: `/` for `\`, lower case.
fn part_key(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

/// Checks the parts of an XLSX workbook before anything is unpacked: each part's
/// declared size (unpacking fails past it) is within its limit, the parts read whole
/// are held smaller than the sheet, which is read as a stream, and the shared strings
/// do not declare more entries than their size can hold (the reader reserves room for
/// that many).
pub fn check_workbook<R: Read + Seek>(src: &mut R) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(&mut *src).map_err(not_a_workbook)?;
    if zip.len() > MAX_PARTS {
        return Err(format!(
            "the workbook has {} parts; at most {MAX_PARTS} can be read",
            zip.len()
        ));
    }
    // The largest declared size under each name, and the name as stored.
    let mut sizes: foldhash::HashMap<String, (u64, String)> = foldhash::HashMap::default();
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(not_a_workbook)?;
        let name = part.name().map_err(not_a_workbook)?.into_owned();
        let size = part.size();
        let key = part_key(&name);
        let largest = sizes.get(&key).is_none_or(|(s, _)| size > *s);
        if largest {
            sizes.insert(key, (size, name));
        }
    }
    let too_big = |name: &str, size: u64, max: u64| {
        format!(
            "the XLSX file unpacks to more than it may: its part '{name}' is {} MB unpacked, \
             and at most {} MB can be read — save the sheet as CSV, or split it",
            mb(size),
            mb(max)
        )
    };
    let (xl, workbook) = office_document(&mut zip, &sizes);
    let read_whole = [
        ("_rels/.rels".to_owned(), MAX_SMALL_XML),
        (format!("{xl}sharedstrings.xml"), MAX_SHARED_STRINGS_XML),
        (format!("{xl}styles.xml"), MAX_SMALL_XML),
        (format!("{xl}theme/theme1.xml"), MAX_SMALL_XML),
        (format!("{xl}_rels/{workbook}.rels"), MAX_SMALL_XML),
        (format!("{xl}{workbook}"), MAX_SMALL_XML),
    ];
    for (key, (size, name)) in &sizes {
        let file = key.rsplit('/').next().unwrap_or(key);
        // The parts read whole, where this workbook has them and wherever one may be.
        let max = read_whole
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, max)| *max)
            .or(match file {
                "sharedstrings.xml" => Some(MAX_SHARED_STRINGS_XML),
                "workbook.xml" | "styles.xml" | "theme1.xml" => Some(MAX_SMALL_XML),
                f if f.ends_with(".rels") => Some(MAX_SMALL_XML),
                _ => None,
            })
            .unwrap_or(MAX_SHEET_XML);
        if *size > max {
            return Err(too_big(name, *size, max));
        }
    }
    if let Some((size, name)) = sizes.get(&format!("{xl}sharedstrings.xml")) {
        check_shared_strings(&mut zip, name, *size)?;
    }
    Ok(())
}

/// Where the workbook part is, as the workbook reader finds it: the folder (with its
/// `/`) and file name of the package's office-document relationship, in lower case.
fn office_document<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    sizes: &foldhash::HashMap<String, (u64, String)>,
) -> (String, String) {
    let fallback = ("xl/".to_owned(), "workbook.xml".to_owned());
    let Some((size, name)) = sizes.get("_rels/.rels") else {
        return fallback;
    };
    if *size > MAX_SMALL_XML {
        return fallback;
    }
    let Ok(part) = zip.by_name(name) else {
        return fallback;
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    xml_config(&mut xml);
    let mut buf = Vec::new();
    let mut target = None;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) if e.local_name().as_ref() == "Relationship" => {
                let attr = |key: &str| {
                    e.attributes()
                        .with_checks(false)
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .and_then(|a| {
                            quick_xml::escape::unescape(&a.value)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                let office =
                    attr("Type").is_some_and(|t| t.ends_with("/relationships/officeDocument"));
                if office && let Some(t) = attr("Target") {
                    target = Some(t);
                }
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let Some(target) = target else {
        return fallback;
    };
    let (dir, file) = match target.rfind('/') {
        Some(i) => target.split_at(i + 1),
        None => ("", target.as_str()),
    };
    let dir = dir.strip_prefix('/').unwrap_or(dir);
    let file = if file.is_empty() {
        "workbook.xml"
    } else {
        file
    };
    (part_key(dir), part_key(file))
}

/// Reads XML as the workbook reader does.
fn xml_config<R>(xml: &mut quick_xml::Reader<R>) {
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
}

/// The shared strings' first `sst` element may say how many entries follow
/// (`uniqueCount`), and the workbook reader reserves room for that many at once: more
/// than `size` bytes can hold is a crafted file.
fn check_shared_strings<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    size: u64,
) -> Result<(), String> {
    let part = zip.by_name(name).map_err(not_a_workbook)?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    xml_config(&mut xml);
    let mut buf = Vec::new();
    let tag = loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                break e.as_bytes().to_vec();
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    };
    // Every way of writing the attribute the reader could take, in the element's text.
    let most = size / 4 + 1024;
    let mut rest = tag.as_slice();
    while let Some(at) = memchr::memmem::find(rest, b"uniqueCount") {
        rest = rest.get(at + b"uniqueCount".len()..).unwrap_or_default();
        let value = attribute_value(rest);
        if count_above(value, most) {
            return Err(
                "the workbook's shared strings declare more entries than the file holds: \
                 it is damaged or was made to exhaust the server — save the sheet again"
                    .into(),
            );
        }
    }
    Ok(())
}

/// The quoted value after `=` at the start of `text` (blanks allowed around it).
fn attribute_value(text: &[u8]) -> &[u8] {
    let blank = |b: &u8| b.is_ascii_whitespace();
    let text = text.trim_ascii_start();
    let Some(text) = text.strip_prefix(b"=") else {
        return &[];
    };
    let text = text.trim_ascii_start();
    let Some((&quote, text)) = text.split_first() else {
        return &[];
    };
    if quote != b'"' && quote != b'\'' {
        return &[];
    }
    let end = text.iter().position(|b| *b == quote).unwrap_or(text.len());
    let value = text.get(..end).unwrap_or_default();
    let skip = value.iter().take_while(|b| blank(b)).count();
    value.get(skip..).unwrap_or_default()
}

/// Whether the number at the start of `value` (a `+` and leading zeros allowed) is
/// above `most`.
fn count_above(value: &[u8], most: u64) -> bool {
    let value = value.strip_prefix(b"+").unwrap_or(value);
    let zeros = value.iter().take_while(|b| **b == b'0').count();
    let digits: Vec<u8> = value
        .iter()
        .skip(zeros)
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    if digits.len() > 19 {
        return true;
    }
    std::str::from_utf8(&digits)
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
        .is_some_and(|n| n > most)
}

/// A column's letters: 0 is `A`, 16383 is `XFD`.
fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// What the thread reading a sheet hands over.
pub enum SheetMsg {
    /// First: the header row, matched, and the sheet's last row as it declares.
    Header {
        header: Vec<String>,
        map: HeaderMap,
        total: u64,
    },
    Row(RawRow),
    /// The sheet cannot be read (on): the last message.
    Failed(String),
    /// The sheet was read to its end: the last message.
    End,
}

fn open_xlsx<R: Read + Seek + Send + 'static>(mut src: R) -> Result<Opened, String> {
    src.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    check_workbook(&mut src)?;
    src.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let (tx, rx) = std::sync::mpsc::sync_channel(SHEET_QUEUE);
    std::thread::Builder::new()
        .name("import-xlsx".into())
        .spawn(move || read_sheet(src, &tx))
        .map_err(unreadable)?;
    match rx.recv() {
        Ok(SheetMsg::Header { header, map, total }) => Ok(Opened {
            header,
            map,
            rows: Rows::Xlsx {
                rows: rx,
                done: 0,
                total,
                ended: false,
            },
            encoding: "XLSX",
        }),
        Ok(SheetMsg::Failed(message)) => Err(message),
        Ok(_) | Err(_) => Err("the first sheet could not be read".into()),
    }
}

/// Reads the first sheet of a workbook a cell at a time and sends its header, then
/// its rows, to `tx`; stops when the receiver is gone.
fn read_sheet<R: Read + Seek>(src: R, tx: &SyncSender<SheetMsg>) {
    let fail = |message: String| drop(tx.send(SheetMsg::Failed(message)));
    let mut book: Xlsx<R> = match Xlsx::new(src) {
        Ok(book) => book,
        Err(e) => return fail(not_a_workbook(e)),
    };
    let Some(name) = book.sheet_names().into_iter().next() else {
        return fail("the workbook has no sheet".into());
    };
    let mut cells = match book.worksheet_cells_reader(&name) {
        Ok(cells) => cells,
        Err(e) => return fail(format!("the first sheet is not readable: {e}")),
    };
    let declared = cells.dimensions();
    if declared.end.1 >= MAX_COLUMNS {
        return fail(format!(
            "the first sheet reaches column {} (its {}th); a residents sheet may use at most \
             {MAX_COLUMNS} columns — delete the cells far to the right, or copy the residents \
             to a new sheet",
            column_name(declared.end.1),
            u64::from(declared.end.1) + 1
        ));
    }
    let mut sheet = SheetRows {
        tx,
        head: None,
        width: MAX_COLUMNS as usize,
        total: u64::from(declared.end.0) + 1,
    };
    let mut row: Vec<Data> = Vec::new();
    let mut row_no: Option<u32> = None;
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                if row_no != Some(r) {
                    if let Some(prev) = row_no
                        && !sheet.emit(prev, &mut row)
                    {
                        return;
                    }
                    row_no = Some(r);
                }
                // Cells right of the header's are never read: they take no room.
                let c = c as usize;
                if c < sheet.width {
                    if row.len() <= c {
                        row.resize(c + 1, Data::Empty);
                    }
                    if let Some(slot) = row.get_mut(c) {
                        *slot = Data::from(cell.get_value().clone());
                    }
                }
            }
            Ok(None) => {
                if let Some(prev) = row_no
                    && !sheet.emit(prev, &mut row)
                {
                    return;
                }
                if sheet.head.is_none() {
                    return fail("the file is empty: the first row must name the columns".into());
                }
                let _ = tx.send(SheetMsg::End);
                return;
            }
            Err(e) => return fail(format!("the first sheet is not readable: {e}")),
        }
    }
}

/// The rows of a sheet as they are read: the header first.
struct SheetRows<'a> {
    tx: &'a SyncSender<SheetMsg>,
    /// The columns of the ID number and of the birth date, once the header is read.
    head: Option<(Option<usize>, Option<usize>)>,
    /// Cells read of each row: the header's, and before it as many as may be.
    width: usize,
    total: u64,
}

impl SheetRows<'_> {
    /// Sends the row numbered `r` (from 0) with `cells`, unless it is blank, and empties
    /// `cells`; false when the reading is to stop.
    fn emit(&mut self, r: u32, cells: &mut Vec<Data>) -> bool {
        let line = u64::from(r) + 1;
        cells.truncate(self.width);
        let blank = cells.iter().all(|c| matches!(c, Data::Empty));
        let sent = match self.head {
            _ if blank => true,
            None => {
                let last = cells.iter().rposition(|c| !matches!(c, Data::Empty));
                cells.truncate(last.map_or(0, |l| l + 1));
                let header: Vec<String> = cells.iter().map(|c| cell_text(c, false)).collect();
                match HeaderMap::from_header(&header) {
                    Ok(map) => {
                        self.width = header.len();
                        self.head = Some((
                            map.position(Column::IdNumber),
                            map.position(Column::BirthDate),
                        ));
                        self.total = self.total.max(line);
                        self.tx
                            .send(SheetMsg::Header {
                                header,
                                map,
                                total: self.total,
                            })
                            .is_ok()
                    }
                    Err(e) => {
                        let _ = self.tx.send(SheetMsg::Failed(e.to_string()));
                        false
                    }
                }
            }
            Some((id_col, birth_col)) => {
                let problem = id_col.and_then(|col| match cells.get(col) {
                    Some(Data::Int(_) | Data::Float(_)) => {
                        Some(RowReject::new(Column::IdNumber, NUMERIC_ID))
                    }
                    _ => None,
                });
                let packed = PackedCells::pack(cells.iter().enumerate().map(|(c, v)| match v {
                    Data::Int(_) | Data::Float(_) if Some(c) == birth_col => serial_date(v),
                    _ => cell_text(v, false),
                }));
                self.tx
                    .send(SheetMsg::Row(RawRow {
                        line,
                        cells: packed,
                        problem,
                    }))
                    .is_ok()
            }
        };
        cells.clear();
        sent
    }
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
                let span = text
                    .get((*end).min(text.len())..new_end.min(text.len()))
                    .unwrap_or_default();
                let start_line = advance(span, line);
                *end = new_end;
                match csv_row(read, record, start_line) {
                    Step::End => return None,
                    Step::Blank => continue,
                    Step::Row(row) => return Some(row),
                }
            },
            Rows::CsvStream {
                reader,
                record,
                end,
                line,
                ..
            } => loop {
                let read = reader.read_record(record);
                let new_end = reader.position().byte();
                let start_line = advance(reader.get_ref().span(*end, new_end), line);
                reader.get_mut().forget_before(new_end);
                *end = new_end;
                match csv_row(read, record, start_line) {
                    Step::End => return None,
                    Step::Blank => continue,
                    Step::Row(row) => return Some(row),
                }
            },
            Rows::Xlsx {
                rows, done, ended, ..
            } => {
                if *ended {
                    return None;
                }
                let next = match rows.recv() {
                    Ok(SheetMsg::Row(row)) => {
                        *done = row.line;
                        return Some(Ok(row));
                    }
                    Ok(SheetMsg::End) => None,
                    Ok(SheetMsg::Failed(message)) => Some(Err(message)),
                    Ok(SheetMsg::Header { .. }) | Err(_) => {
                        Some(Err("the first sheet could not be read to its end".into()))
                    }
                };
                *ended = true;
                next
            }
        }
    }

    /// Every (community, grid) pair the rows still to come name, once each, in the
    /// order they first appear; blank cells are left out. Reads ahead without moving
    /// the rows on: one pass over the text, no row validated. A file read as a stream
    /// (an upload, any XLSX sheet) cannot be read ahead: none are named, and the rows
    /// name their places as they come.
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
            Rows::CsvStream { .. } | Rows::Xlsx { .. } => {}
        }
        places.order
    }

    /// (done, total) in the file's own unit (bytes of CSV, rows of XLSX).
    pub fn progress(&self) -> (u64, u64) {
        match self {
            Rows::Csv { reader, total, .. } => (reader.position().byte(), *total),
            Rows::CsvStream { reader, total, .. } => (reader.get_ref().read, *total),
            Rows::Xlsx { done, total, .. } => (*done, (*total).max(*done)),
        }
    }
}

/// What reading a CSV record gave.
enum Step {
    End,
    Blank,
    Row(Result<RawRow, String>),
}

/// A CSV record just read, as a row.
fn csv_row(read: csv::Result<bool>, record: &csv::StringRecord, line: u64) -> Step {
    match read {
        Ok(false) => Step::End,
        Ok(true) if record.iter().all(|c| c.trim().is_empty()) => Step::Blank,
        Ok(true) => Step::Row(Ok(RawRow {
            line,
            cells: PackedCells::pack_sized(record.iter(), record.as_slice().len()),
            problem: None,
        })),
        Err(e) => Step::Row(Err(format!("the file is not readable CSV: {e}"))),
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

    /// Every row of an opened file: (line, cells) or the error.
    fn all_rows(o: &mut Opened) -> Vec<Result<(u64, Vec<String>), String>> {
        std::iter::from_fn(|| o.rows.next_row())
            .map(|r| r.map(|r| (r.line, r.cells.unpack())))
            .collect()
    }

    fn temp_file(bytes: &[u8]) -> std::fs::File {
        use std::io::Write;
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn a_streamed_csv_reads_as_the_same_file_read_already() {
        let rows = "a,b,1,1,101,张三,x\n\n\"c\",\"d\nd\",1,1,101,李四,y\r\ne,f,1,1,1,王五,z";
        let header = "community,grid,building,unit,room,name,id_number";
        // Enough rows to cross blocks (and the text let go of) mid-character.
        let long: String = (0..40_000)
            .map(|i| format!("社区{i},网格,1,1,{i},欧阳娜娜,\"x\ny\"\r\n"))
            .collect();
        let text = format!("{header}\n{rows}\n{long}");
        let (gb, _, _) = encoding_rs::GB18030.encode(&text);
        let mut bad_after_bom = b"\xEF\xBB\xBF".to_vec();
        bad_after_bom.extend_from_slice(format!("{header}\n{rows}\n").as_bytes());
        bad_after_bom.extend_from_slice(b"g,h,1,1,1,\xFF\xFE,w\n");
        let files: Vec<Vec<u8>> = vec![
            format!("{header}\n{rows}").into_bytes(),
            format!("\u{feff}\r\n\r\n{header}\r\n{rows}\r\n").into_bytes(),
            format!("{header}\n{rows}\n{long}").into_bytes(),
            gb.into_owned(),
            bad_after_bom,
            format!("{header}\n\"unclosed,1\n").into_bytes(),
        ];
        for bytes in files {
            let mut kept = open(bytes.clone(), Format::Csv).unwrap();
            let mut streamed = open(temp_file(&bytes), Format::Csv).unwrap();
            assert_eq!(kept.header, streamed.header);
            assert_eq!(kept.encoding, streamed.encoding);
            let (a, b) = (all_rows(&mut kept), all_rows(&mut streamed));
            assert_eq!(a.len(), b.len());
            assert_eq!(a, b);
            let (done, total) = streamed.rows.progress();
            assert_eq!((done, total), (bytes.len() as u64, bytes.len() as u64));
        }
        let mut gb = open(
            temp_file(&encoding_rs::GB18030.encode(&format!("{header}\n{rows}")).0),
            Format::Csv,
        )
        .unwrap();
        assert_eq!(gb.encoding, "GB18030");
        assert_eq!(
            all_rows(&mut gb)[2],
            Ok((
                6,
                vec!["e", "f", "1", "1", "1", "王五", "z"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            ))
        );
    }

    #[test]
    fn a_streamed_row_is_bounded() {
        let mut text = b"community,grid,building,unit,room,name,id_number\n\"".to_vec();
        text.extend(std::iter::repeat_n(
            b'x',
            MAX_RECORD_BYTES + KEEP_BEHIND + 1,
        ));
        let mut o = open(temp_file(&text), Format::Csv).unwrap();
        let e = o.rows.next_row().unwrap().err().unwrap();
        assert!(e.contains("quote left open"), "{e}");
    }

    #[test]
    fn a_file_picks_its_format_by_name_or_first_bytes() {
        let csv = b"community,grid,building,unit,room,name,id_number\n";
        assert_eq!(
            open_named("x.csv", temp_file(csv)).unwrap().encoding,
            "UTF-8"
        );
        let e = open_named("x.csv", temp_file(b"PK\x03\x04junk"))
            .err()
            .unwrap();
        assert!(e.contains("XLSX"), "{e}");
        let (file, checked) = precheck("x.txt", temp_file(b"PK\x03\x04junk"));
        assert!(checked.is_err());
        assert_eq!(file.size().unwrap(), 8);
        let (file, checked) = precheck("x.csv", temp_file(csv));
        assert!(checked.is_ok());
        // The file is given back at its start.
        assert_eq!(open(file, Format::Csv).unwrap().header.len(), 7);
    }

    fn book(write: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in [
            "社区",
            "网格",
            "楼栋",
            "单元",
            "房号",
            "姓名",
            "身份证号",
            "出生日期",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        write(sheet);
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_is_read_a_cell_at_a_time() {
        let bytes = book(|s| {
            s.write_string(2, 0, "HG").unwrap();
            s.write_string(2, 5, "张三").unwrap();
            s.write_number(2, 6, 110105194912310029.0).unwrap();
            s.write_number(2, 7, 31_000.0).unwrap();
            // Beyond the header: never read.
            s.write_string(2, 900, "far").unwrap();
            s.write_string(5, 1, "HG-01").unwrap();
        });
        for file in [ImportFile::Bytes(bytes.clone()), temp_file(&bytes).into()] {
            let mut o = open(file, Format::Xlsx).unwrap();
            assert_eq!(o.header.len(), 8);
            assert_eq!(o.encoding, "XLSX");
            let first = o.rows.next_row().unwrap().unwrap();
            assert_eq!(first.line, 3);
            assert_eq!(first.cells.unpack().len(), 8);
            assert_eq!(first.cells.iter().nth(7), Some("1984-11-14"));
            assert!(first.problem.is_some(), "an ID number typed as a number");
            let second = o.rows.next_row().unwrap().unwrap();
            assert_eq!(
                (second.line, second.cells.iter().nth(1)),
                (6, Some("HG-01"))
            );
            assert!(o.rows.next_row().is_none());
            assert!(o.rows.next_row().is_none());
            assert_eq!(o.rows.progress(), (6, 6));
            assert!(o.rows.places_ahead(&o.map).is_empty());
        }
    }

    #[test]
    fn a_sheet_reaching_column_xfd_is_refused_before_its_cells_are_read() {
        let bytes = book(|s| {
            s.write_number(1_048_575, 16_383, 1.0).unwrap();
        });
        assert!(bytes.len() < 16 * 1024);
        let started = std::time::Instant::now();
        let e = open(bytes, Format::Xlsx).err().unwrap();
        assert!(e.contains("column XFD"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let e = open(book(|_| {}), Format::Xlsx);
        assert!(e.is_ok());
        let headless = {
            let mut book = rust_xlsxwriter::Workbook::new();
            book.add_worksheet().write_string(3, 0, "姓名").unwrap();
            book.save_to_buffer().unwrap()
        };
        assert!(open(headless, Format::Xlsx).is_err());
        let empty = {
            let mut book = rust_xlsxwriter::Workbook::new();
            book.add_worksheet();
            book.save_to_buffer().unwrap()
        };
        assert!(open(empty, Format::Xlsx).err().unwrap().contains("empty"));
    }

    #[test]
    fn declared_counts_are_read_however_written() {
        assert_eq!(attribute_value(b" = ' 12 '"), b"12 ");
        assert_eq!(attribute_value(b"=\"7\""), b"7");
        assert_eq!(attribute_value(b"Other=\"7\""), b"");
        assert!(count_above(b"+0099999999999999999999", 10));
        assert!(count_above(b"11", 10));
        assert!(!count_above(b"10", 10));
        assert!(!count_above(b"abc", 10));
        assert!(count_above(b"12abc", 10));
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }
}
