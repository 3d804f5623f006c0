//! Customer spreadsheets (.xlsx): the import template, reading an import, writing an export.
//!
//! Pure: bytes in, bytes out; no I/O and no validation of the values (the service runs
//! [`hotline_domain::customer::validate_values`] on each [`SheetRow`]).
//!
//! Layout of every sheet written here (sheet "Customers"):
//! - row 1: the field labels (bold, frozen);
//! - row 2: the field keys (hidden): columns are found by it, so labels may be renamed;
//! - row 3 on: the data (in the template, one example row, skipped on import while unchanged).
//!
//! Columns: the built-in fields first, then the tenant's enabled fields by sort order.
//! Reading accepts any column order, a sheet without the key row (columns found by their
//! labels or keys), and every cell type: numbers, dates, times and booleans become text.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Seek};

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, Xlsx, XlsxCellReader};
use chrono::NaiveDate;
use hotline_domain::customer::{BUILT_IN_FIELDS, FieldDefinition, FieldType, GENDERS};
use rust_xlsxwriter::{ColNum, DataValidation, Format, RowNum, Workbook, Worksheet, XlsxError};

/// The most data rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 100_000;
/// The largest import file (the service's request body limit; [`read_rows`] does not check it).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

const SHEET_NAME: &str = "Customers";
/// 0-based rows of the sheets written here.
const LABEL_ROW: RowNum = 0;
const KEY_ROW: RowNum = 1;
const FIRST_DATA_ROW: RowNum = 2;
/// Excel's row count: no sheet has more, and reading stops there.
const EXCEL_ROWS: u32 = 1_048_576;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// One customer row as read from a sheet: its 1-based sheet row number and its values by field key.
///
/// Only non-empty cells are in `values`, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub row: u32,
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// Not an .xlsx workbook (or a damaged one).
    #[error("not a readable .xlsx spreadsheet: {0}")]
    Unreadable(String),
    /// More data rows than [`MAX_IMPORT_ROWS`].
    #[error("the sheet has {rows} data rows; at most {limit} are imported at once")]
    TooLarge { rows: usize, limit: usize },
    /// No column of the sheet is a customer field; holds the labels expected.
    #[error("no column is a customer field: the first row should hold field labels such as {0}")]
    MissingHeader(String),
    /// A column whose header (label or key) is no customer field, or data under no header.
    #[error("unknown column {0:?}: no customer field has that label or key")]
    UnknownColumn(String),
    /// Two columns for the same field.
    #[error("the field {0:?} has two columns")]
    DuplicateColumn(String),
    /// The spreadsheet could not be written (for example, more rows than a sheet holds).
    #[error("could not write the spreadsheet: {0}")]
    Write(String),
}

impl From<XlsxError> for SheetError {
    fn from(error: XlsxError) -> Self {
        SheetError::Write(error.to_string())
    }
}

/// The import template: sheet "Customers", row 1 = labels (bold, frozen), row 2 = field keys
/// (hidden row), row 3 = one example row with valid sample values per type; column widths set;
/// built-in fields first then the tenant's enabled fields in sort order. Text-like columns
/// (text, ID card, phone, gender) are formatted as text so Excel does not turn them into
/// numbers; date and time columns carry a date and a time format.
pub fn template(fields: &[FieldDefinition]) -> Result<Vec<u8>, SheetError> {
    let columns = sheet_columns(fields);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let formats = write_heading(sheet, &columns, Purpose::Template)?;
    for (index, field) in columns.iter().enumerate() {
        let col = col_num(index)?;
        let example = example_value(field);
        match field.field_type {
            FieldType::Number | FieldType::Money => {
                let number: f64 = example.parse().expect("the example numbers parse");
                sheet.write_number_with_format(FIRST_DATA_ROW, col, number, &formats[index])?;
            }
            FieldType::Date => {
                let date = NaiveDate::parse_from_str(&example, "%Y-%m-%d").expect("the example date parses");
                sheet.write_number_with_format(FIRST_DATA_ROW, col, excel_date(date), &formats[index])?;
            }
            FieldType::Time => {
                let seconds = time_seconds(&example).expect("the example time parses");
                sheet.write_number_with_format(FIRST_DATA_ROW, col, seconds / SECONDS_PER_DAY, &formats[index])?;
            }
            FieldType::Gender => {
                let list = DataValidation::new().allow_list_strings(&GENDERS)?;
                sheet.add_data_validation(FIRST_DATA_ROW, col, EXCEL_ROWS - 1, col, &list)?;
                sheet.write_string_with_format(FIRST_DATA_ROW, col, &example, &formats[index])?;
            }
            FieldType::Text | FieldType::Phone | FieldType::IdCard => {
                sheet.write_string_with_format(FIRST_DATA_ROW, col, &example, &formats[index])?;
            }
        }
        let width = [field.label.as_str(), &example].into_iter().map(display_width).max().unwrap_or(0);
        sheet.set_column_width(col, column_width(width))?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// Reads the first worksheet: finds the columns by the hidden key row if present (row 2 holds
/// known keys), else by header labels (row 1, matched to labels or keys of the fields,
/// case-insensitive, trimmed); skips the example row if it is still the template's example;
/// returns the data rows (empty rows skipped), in sheet order.
///
/// Cells of any type become text: numbers without a trailing ".0" for integers (an integer
/// comes back digit for digit, as stored), other numbers to Excel's 15 significant digits
/// (money with two decimals), dates as YYYY-MM-DD, times as HH:MM:SS (a date with a time as
/// "YYYY-MM-DD HH:MM:SS"), booleans as "true"/"false", errors as Excel shows them (`#N/A`).
///
/// Errors: not an xlsx: [`SheetError::Unreadable`]; no known column at all:
/// [`SheetError::MissingHeader`]; a column that is no field (or data under no header):
/// [`SheetError::UnknownColumn`]; a field twice: [`SheetError::DuplicateColumn`]; over
/// [`MAX_IMPORT_ROWS`] data rows: [`SheetError::TooLarge`].
pub fn read_rows(bytes: &[u8], fields: &[FieldDefinition]) -> Result<Vec<SheetRow>, SheetError> {
    let known = known_fields(fields);
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first_sheet = workbook
        .sheets_metadata()
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .ok_or_else(|| SheetError::Unreadable("the workbook has no worksheet".into()))?;
    let mut rows = RowReader::new(workbook.worksheet_cells_reader(&first_sheet).map_err(unreadable)?);

    // The first two rows decide the columns; the second may turn out to be data.
    let mut labels = Vec::new();
    let mut second = None;
    let mut next = rows.next()?;
    if let Some((LABEL_ROW, cells)) = &next {
        labels = header_texts(cells);
        next = rows.next()?;
    }
    if let Some((KEY_ROW, _)) = &next {
        second = next.take();
        next = rows.next()?;
    }
    let key_row = second.as_ref().map(|(_, cells)| header_texts(cells)).filter(|keys| is_key_row(keys, &known));
    let columns = map_columns(&labels, key_row.as_deref(), &known)?;
    let example = example_row(&columns);

    // Rows still to read, last first: the second row when it is data, the first one after it.
    let mut queued: Vec<RowCells<'_>> = next.into_iter().collect();
    if key_row.is_none() {
        queued.extend(second);
    }
    let mut found = Vec::new();
    let mut count = 0usize;
    let mut first = true;
    while let Some((row, cells)) = queued.pop().map_or_else(|| rows.next(), |row| Ok(Some(row)))? {
        if row >= EXCEL_ROWS {
            break;
        }
        if count >= MAX_IMPORT_ROWS {
            // Past the limit: only count the non-empty rows, for the error.
            if cells.iter().any(|(_, value)| !cell_text(value, None).is_empty()) {
                count += 1;
            }
            continue;
        }
        let values = row_values(&cells, &columns)?;
        if values.is_empty() {
            continue;
        }
        // Only the first data row may be the template's example.
        let is_example = first && values == example;
        first = false;
        if is_example {
            continue;
        }
        count += 1;
        found.push(SheetRow { row: row + 1, values });
    }
    if count > MAX_IMPORT_ROWS {
        return Err(SheetError::TooLarge { rows: count, limit: MAX_IMPORT_ROWS });
    }
    Ok(found)
}

/// An export: the same header row (labels, bold, frozen) and key row (hidden) as the template,
/// then one row per customer in the given order. Values are text cells, except in NUMBER and
/// MONEY columns, written as numbers (money formatted `0.00`) whenever the number reads back
/// as the same text; a value that would not (such as `1e3`) stays text. Keys of `customers`
/// that are no column are left out; a customer with no value in any column gives an empty row
/// (which [`read_rows`] skips).
pub fn export(fields: &[FieldDefinition], customers: &[BTreeMap<String, String>]) -> Result<Vec<u8>, SheetError> {
    let columns = sheet_columns(fields);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let formats = write_heading(sheet, &columns, Purpose::Export)?;
    if customers.len() > (EXCEL_ROWS - FIRST_DATA_ROW) as usize {
        return Err(SheetError::Write(format!("{} customers do not fit in one sheet", customers.len())));
    }
    let mut widths: Vec<usize> = columns.iter().map(|field| display_width(&field.label)).collect();
    for (offset, customer) in customers.iter().enumerate() {
        let row = FIRST_DATA_ROW + offset as RowNum;
        for (index, field) in columns.iter().enumerate() {
            let Some(value) = customer.get(&field.key).filter(|value| !value.is_empty()) else {
                continue;
            };
            let col = col_num(index)?;
            match exported_number(field.field_type, value) {
                Some(number) => sheet.write_number_with_format(row, col, number, &formats[index])?,
                None => sheet.write_string_with_format(row, col, value, &formats[index])?,
            };
            if offset < 1000 {
                widths[index] = widths[index].max(display_width(value));
            }
        }
    }
    for (index, width) in widths.into_iter().enumerate() {
        sheet.set_column_width(col_num(index)?, column_width(width))?;
    }
    Ok(workbook.save_to_buffer()?)
}

// ---- the columns ------------------------------------------------------------------------

/// The columns of a template or an export: the built-in fields, then the tenant's enabled
/// ones by sort order (a tenant field with a built-in key is ignored).
fn sheet_columns(fields: &[FieldDefinition]) -> Vec<&FieldDefinition> {
    let mut own: Vec<&FieldDefinition> =
        fields.iter().filter(|field| field.enabled && !is_built_in(&field.key)).collect();
    own.sort_by_key(|field| field.sort_order);
    BUILT_IN_FIELDS.iter().chain(own).collect()
}

/// The fields an import may have a column for: the built-in ones and all the tenant's own,
/// disabled ones too (they keep their values).
fn known_fields(fields: &[FieldDefinition]) -> Vec<&FieldDefinition> {
    BUILT_IN_FIELDS.iter().chain(fields.iter().filter(|field| !is_built_in(&field.key))).collect()
}

fn is_built_in(key: &str) -> bool {
    BUILT_IN_FIELDS.iter().any(|field| field.key == key)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Template,
    Export,
}

/// Writes the label and key rows and the column formats; returns each column's cell format.
fn write_heading(
    sheet: &mut Worksheet,
    columns: &[&FieldDefinition],
    purpose: Purpose,
) -> Result<Vec<Format>, SheetError> {
    sheet.set_name(SHEET_NAME)?;
    let bold = Format::new().set_bold();
    let mut formats = Vec::with_capacity(columns.len());
    for (index, field) in columns.iter().enumerate() {
        let col = col_num(index)?;
        let format = column_format(field.field_type, purpose);
        sheet.set_column_format(col, &format)?;
        sheet.write_string_with_format(LABEL_ROW, col, &field.label, &bold)?;
        sheet.write_string(KEY_ROW, col, &field.key)?;
        formats.push(format);
    }
    sheet.set_row_hidden(KEY_ROW)?;
    sheet.set_freeze_panes(FIRST_DATA_ROW, 0)?;
    Ok(formats)
}

fn column_format(field_type: FieldType, purpose: Purpose) -> Format {
    const TEXT: &str = "@";
    let number_format = match (field_type, purpose) {
        (FieldType::Number, _) => return Format::new(),
        (FieldType::Money, _) => "0.00",
        (FieldType::Date, Purpose::Template) => "yyyy-mm-dd",
        (FieldType::Time, Purpose::Template) => "hh:mm",
        (FieldType::Date | FieldType::Time, Purpose::Export) => TEXT,
        (FieldType::Text | FieldType::Phone | FieldType::IdCard | FieldType::Gender, _) => TEXT,
    };
    Format::new().set_num_format(number_format)
}

fn col_num(index: usize) -> Result<ColNum, SheetError> {
    ColNum::try_from(index).map_err(|_| SheetError::Write(format!("too many columns ({index})")))
}

/// Width in Excel's character units, wide (CJK) characters counting twice.
fn display_width(text: &str) -> usize {
    text.chars().map(|char| if char.len_utf8() >= 3 { 2 } else { 1 }).sum()
}

fn column_width(characters: usize) -> f64 {
    (characters + 2).clamp(10, 50) as f64
}

/// The template's sample value for a field, as [`read_rows`] reads it back.
fn example_value(field: &FieldDefinition) -> String {
    let value = match field.field_type {
        FieldType::Text if field.key == "name" => "Zhang San",
        FieldType::Text => "Sample text",
        FieldType::Number => "100",
        FieldType::Money => "1234.50",
        FieldType::Date => "2026-11-26",
        FieldType::Time => "09:30:00",
        FieldType::Phone => "+86 138 0013 8000",
        FieldType::IdCard => "11010519491231002X",
        FieldType::Gender => "female",
    };
    match field.max_length {
        Some(max) if field.field_type == FieldType::Text => value.chars().take(max.max(1) as usize).collect(),
        _ => value.to_owned(),
    }
}

/// The example row's values over the columns found.
fn example_row(columns: &[Option<&FieldDefinition>]) -> BTreeMap<String, String> {
    columns.iter().flatten().map(|field| (field.key.clone(), example_value(field))).collect()
}

// ---- writing values ---------------------------------------------------------------------

/// Days since Excel's epoch (1899-12-30 in the 1900 date system, right from 1900-03-01 on).
fn excel_date(date: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid date");
    (date - epoch).num_days() as f64
}

fn time_seconds(text: &str) -> Option<f64> {
    let time = chrono::NaiveTime::parse_from_str(text, "%H:%M:%S").ok()?;
    Some(f64::from(chrono::Timelike::num_seconds_from_midnight(&time)))
}

/// The number to write for a NUMBER or MONEY value, when it reads back as the same text.
fn exported_number(field_type: FieldType, value: &str) -> Option<f64> {
    if !matches!(field_type, FieldType::Number | FieldType::Money) {
        return None;
    }
    let number: f64 = value.parse().ok().filter(|number: &f64| number.is_finite())?;
    (number_text(number, Some(field_type)) == value).then_some(number)
}

// ---- reading ----------------------------------------------------------------------------

fn unreadable(error: impl std::fmt::Display) -> SheetError {
    SheetError::Unreadable(error.to_string())
}

type RowCells<'a> = (u32, Vec<(u32, DataRef<'a>)>);

/// The cells of a worksheet, a row at a time (0-based row and column numbers).
struct RowReader<'a, RS: Read + Seek> {
    cells: XlsxCellReader<'a, RS>,
    pending: Option<(u32, u32, DataRef<'a>)>,
    last: Option<u32>,
    /// The cells are all read (reading on would fail at the end of the XML).
    done: bool,
}

impl<'a, RS: Read + Seek> RowReader<'a, RS> {
    fn new(cells: XlsxCellReader<'a, RS>) -> Self {
        RowReader { cells, pending: None, last: None, done: false }
    }

    fn cell(&mut self) -> Result<Option<(u32, u32, DataRef<'a>)>, SheetError> {
        if self.done {
            return Ok(None);
        }
        let cell = self.cells.next_cell().map_err(unreadable)?;
        self.done = cell.is_none();
        Ok(cell.map(|cell| {
            let (row, col) = cell.get_position();
            (row, col, cell.get_value().clone())
        }))
    }

    fn next(&mut self) -> Result<Option<RowCells<'a>>, SheetError> {
        let first = match self.pending.take() {
            Some(cell) => cell,
            None => match self.cell()? {
                Some(cell) => cell,
                None => return Ok(None),
            },
        };
        let row = first.0;
        if self.last.is_some_and(|last| row <= last) {
            return Err(SheetError::Unreadable(format!("row {} comes after row {}", row + 1, row + 2)));
        }
        let mut cells = vec![(first.1, first.2)];
        while let Some(cell) = self.cell()? {
            if cell.0 != row {
                self.pending = Some(cell);
                break;
            }
            cells.push((cell.1, cell.2));
        }
        self.last = Some(row);
        Ok(Some((row, cells)))
    }
}

fn header_texts(cells: &[(u32, DataRef<'_>)]) -> Vec<(u32, String)> {
    cells.iter().map(|(col, value)| (*col, cell_text(value, None))).filter(|(_, text)| !text.is_empty()).collect()
}

fn field_by_key<'f>(known: &[&'f FieldDefinition], key: &str) -> Option<&'f FieldDefinition> {
    known.iter().copied().find(|field| field.key.eq_ignore_ascii_case(key))
}

fn field_by_label<'f>(known: &[&'f FieldDefinition], label: &str) -> Option<&'f FieldDefinition> {
    let label = label.to_lowercase();
    known.iter().copied().find(|field| field.label.trim().to_lowercase() == label)
}

/// Row 2 is the key row when most of its cells are field keys (a data row's values seldom are).
fn is_key_row(cells: &[(u32, String)], known: &[&FieldDefinition]) -> bool {
    let keys = cells.iter().filter(|(_, text)| field_by_key(known, text).is_some()).count();
    keys > 0 && keys * 2 > cells.len()
}

/// Each column's field, by its key (row 2) when there is a key row, else by its label (row 1).
fn map_columns<'f>(
    labels: &[(u32, String)],
    keys: Option<&[(u32, String)]>,
    known: &[&'f FieldDefinition],
) -> Result<Vec<Option<&'f FieldDefinition>>, SheetError> {
    let keys = keys.unwrap_or_default();
    let width = labels.iter().chain(keys).map(|(col, _)| *col as usize + 1).max().unwrap_or(0);
    let mut columns = vec![None; width];
    let mut seen = BTreeSet::new();
    for (col, column) in columns.iter_mut().enumerate() {
        let label = labels.iter().find(|(at, _)| *at as usize == col).map(|(_, text)| text.as_str());
        let key = keys.iter().find(|(at, _)| *at as usize == col).map(|(_, text)| text.as_str());
        let field = match (key, label) {
            (Some(key), label) => {
                field_by_key(known, key).ok_or_else(|| SheetError::UnknownColumn(label.unwrap_or(key).to_owned()))?
            }
            (None, Some(label)) => field_by_label(known, label)
                .or_else(|| field_by_key(known, label))
                .ok_or_else(|| SheetError::UnknownColumn(label.to_owned()))?,
            (None, None) => continue,
        };
        if !seen.insert(&field.key) {
            return Err(SheetError::DuplicateColumn(label.unwrap_or(&field.label).to_owned()));
        }
        *column = Some(field);
    }
    if seen.is_empty() {
        let expected: Vec<&str> = known.iter().map(|field| field.label.as_str()).collect();
        return Err(SheetError::MissingHeader(expected.join(", ")));
    }
    Ok(columns)
}

/// A data row's non-empty values by field key.
fn row_values(
    cells: &[(u32, DataRef<'_>)],
    columns: &[Option<&FieldDefinition>],
) -> Result<BTreeMap<String, String>, SheetError> {
    let mut values = BTreeMap::new();
    for (col, value) in cells {
        let field = columns.get(*col as usize).copied().flatten();
        let text = cell_text(value, field.map(|field| field.field_type));
        if text.is_empty() {
            continue;
        }
        let Some(field) = field else {
            return Err(SheetError::UnknownColumn(format!("column {} (no header)", column_name(*col))));
        };
        values.insert(field.key.clone(), text);
    }
    Ok(values)
}

/// Excel's name of a 0-based column: A, B, ..., Z, AA, ...
fn column_name(col: u32) -> String {
    let mut name = Vec::new();
    let mut rest = col + 1;
    while rest > 0 {
        rest -= 1;
        name.push(b'A' + (rest % 26) as u8);
        rest /= 26;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// A cell as text (trimmed), whatever its type; `field_type` is its column's, if known.
fn cell_text(value: &DataRef<'_>, field_type: Option<FieldType>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) => text.trim().to_owned(),
        DataRef::SharedString(text) => text.trim().to_owned(),
        DataRef::Int(number) => {
            let text = number.to_string();
            if field_type == Some(FieldType::Money) { pad_money(text) } else { text }
        }
        DataRef::Float(number) => number_text(*number, field_type),
        DataRef::Bool(value) => value.to_string(),
        DataRef::DateTime(date_time) => date_time_text(date_time, field_type),
        DataRef::DateTimeIso(text) => iso_date_time_text(text.trim(), field_type),
        DataRef::DurationIso(text) => text.trim().to_owned(),
        DataRef::Error(error) => error.to_string(),
    }
}

/// A number as text: an integer digit for digit (no ".0"), anything else to Excel's 15
/// significant digits (so binary noise like 0.30000000000000004 reads as 0.3); money with
/// at least two decimals.
fn number_text(number: f64, field_type: Option<FieldType>) -> String {
    if !number.is_finite() {
        return number.to_string();
    }
    let text = if number == 0.0 {
        "0".to_owned()
    } else if number.fract() == 0.0 && number.abs() < 1e21 {
        format!("{number:.0}")
    } else {
        let rounded: f64 = format!("{number:.14e}").parse().unwrap_or(number);
        rounded.to_string()
    };
    if field_type == Some(FieldType::Money) { pad_money(text) } else { text }
}

/// `12` as `12.00`, `12.5` as `12.50`; more decimals stay (validation reports them).
fn pad_money(text: String) -> String {
    match text.split_once('.') {
        None => format!("{text}.00"),
        Some((_, cents)) if cents.len() == 1 => format!("{text}0"),
        Some(_) => text,
    }
}

fn clock_text(seconds: u32) -> String {
    format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// An Excel date or time cell: a date as YYYY-MM-DD, a time of day (a value below one day,
/// or any value in a TIME column) as HH:MM:SS, both as "YYYY-MM-DD HH:MM:SS"; a duration
/// as hours (past 24 too), minutes and seconds.
fn date_time_text(date_time: &ExcelDateTime, field_type: Option<FieldType>) -> String {
    let serial = date_time.as_f64();
    if !serial.is_finite() || serial < 0.0 {
        return number_text(serial, None);
    }
    if date_time.is_duration() {
        let total = (serial * SECONDS_PER_DAY).round() as u64;
        return format!("{:02}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    }
    let mut seconds = (serial.fract() * SECONDS_PER_DAY).round() as u32;
    let next_day = seconds >= 86_400;
    if next_day {
        seconds -= 86_400;
    }
    if field_type == Some(FieldType::Time) || (serial < 1.0 && !next_day) {
        return clock_text(seconds);
    }
    let (year, month, day, ..) = date_time.to_ymd_hms_milli();
    let date = match NaiveDate::from_ymd_opt(year.into(), month.into(), day.into()) {
        Some(date) => {
            let date = if next_day { date.succ_opt().unwrap_or(date) } else { date };
            date.format("%Y-%m-%d").to_string()
        }
        // Excel's 1900-02-29, which never was.
        None => format!("{year:04}-{month:02}-{day:02}"),
    };
    if seconds == 0 { date } else { format!("{date} {}", clock_text(seconds)) }
}

/// A date-time cell stored as ISO 8601 text (`2026-11-26T09:30:00`).
fn iso_date_time_text(text: &str, field_type: Option<FieldType>) -> String {
    let Some((date, time)) = text.split_once('T') else {
        return text.to_owned();
    };
    let time = time.get(..8).unwrap_or(time);
    if field_type == Some(FieldType::Time) {
        time.to_owned()
    } else if time == "00:00:00" || time == "00:00" {
        date.to_owned()
    } else {
        format!("{date} {time}")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use hotline_domain::customer::{validate_id_card, validate_values};
    use rust_xlsxwriter::ExcelDateTime as WriterDateTime;

    use super::*;

    fn field(key: &str, label: &str, field_type: FieldType, sort_order: i32) -> FieldDefinition {
        FieldDefinition {
            key: key.to_owned(),
            label: label.to_owned(),
            field_type,
            required: false,
            max_length: (field_type == FieldType::Text).then_some(500),
            enabled: true,
            sort_order,
        }
    }

    /// A tenant's fields of every type, out of sort order, one disabled.
    fn tenant_fields() -> Vec<FieldDefinition> {
        let mut old_code = field("old_code", "Old code", FieldType::Text, 0);
        old_code.enabled = false;
        vec![
            field("id_card", "ID card", FieldType::IdCard, 6),
            field("vip_level", "VIP level", FieldType::Number, 1),
            field("balance", "Balance", FieldType::Money, 2),
            field("birthday", "Birthday", FieldType::Date, 3),
            field("call_time", "Best time to call", FieldType::Time, 4),
            field("office_phone", "Office phone", FieldType::Phone, 5),
            field("notes", "备注", FieldType::Text, 7),
            old_code,
        ]
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    /// A valid ID-card number from its first 17 digits.
    fn id_card(first17: &str) -> String {
        "0123456789X".chars().map(|check| format!("{first17}{check}")).find(|id| validate_id_card(id).is_ok()).unwrap()
    }

    /// Every non-empty cell of the first sheet as text, by 0-based row.
    fn raw_cells(bytes: &[u8]) -> Vec<(u32, Vec<(u32, String)>)> {
        let mut workbook = Xlsx::new(Cursor::new(bytes)).unwrap();
        let name = workbook.sheet_names()[0].clone();
        let mut rows = RowReader::new(workbook.worksheet_cells_reader(&name).unwrap());
        let mut all = Vec::new();
        while let Some((row, cells)) = rows.next().unwrap() {
            all.push((row, header_texts(&cells)));
        }
        all
    }

    fn texts(cells: &[(u32, String)]) -> Vec<&str> {
        cells.iter().map(|(_, text)| text.as_str()).collect()
    }

    /// Writes a sheet cell by cell with `write`, for the reading tests.
    fn sheet_with(write: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>) -> Vec<u8> {
        let mut workbook = Workbook::new();
        write(workbook.add_worksheet()).unwrap();
        workbook.save_to_buffer().unwrap()
    }

    fn write_row(sheet: &mut Worksheet, row: RowNum, cells: &[&str]) -> Result<(), XlsxError> {
        for (col, text) in cells.iter().enumerate() {
            sheet.write_string(row, col as ColNum, *text)?;
        }
        Ok(())
    }

    #[test]
    fn template_has_labels_keys_and_a_valid_example_in_field_order() {
        let fields = tenant_fields();
        let bytes = template(&fields).unwrap();
        let mut workbook = Xlsx::new(Cursor::new(&bytes[..])).unwrap();
        assert_eq!(workbook.sheet_names(), vec![SHEET_NAME.to_owned()]);

        let rows = raw_cells(&bytes);
        assert_eq!(rows.len(), 3);
        let keys = [
            "name",
            "gender",
            "phone",
            "vip_level",
            "balance",
            "birthday",
            "call_time",
            "office_phone",
            "id_card",
            "notes",
        ];
        assert_eq!(texts(&rows[0].1)[..4], ["Name", "Gender", "Phone", "VIP level"]);
        assert_eq!(texts(&rows[1].1), keys);

        // The example row reads back as the example values, typed cells included, and is valid.
        let columns: Vec<&FieldDefinition> = sheet_columns(&fields);
        let name = workbook.sheet_names()[0].clone();
        let mut reader = RowReader::new(workbook.worksheet_cells_reader(&name).unwrap());
        let (row, cells) = std::iter::from_fn(|| reader.next().unwrap()).nth(2).unwrap();
        assert_eq!(row, FIRST_DATA_ROW);
        let columns: Vec<Option<&FieldDefinition>> = columns.into_iter().map(Some).collect();
        let example = row_values(&cells, &columns).unwrap();
        assert_eq!(example, example_row(&columns));
        assert_eq!(example["birthday"], "2026-11-26");
        assert_eq!(example["call_time"], "09:30:00");
        assert_eq!(example["balance"], "1234.50");
        assert!(matches!(cells[5].1, DataRef::DateTime(_)), "the example date is a date cell");
        assert_eq!(validate_values(&fields, &example).unwrap(), example);
    }

    #[test]
    fn template_reads_back_as_no_rows() {
        let fields = tenant_fields();
        assert_eq!(read_rows(&template(&fields).unwrap(), &fields).unwrap(), vec![]);
        // A short text limit shortens the example, which is still recognised.
        let mut short = tenant_fields();
        short[6].max_length = Some(3);
        assert_eq!(read_rows(&template(&short).unwrap(), &short).unwrap(), vec![]);
        assert_eq!(read_rows(&template(&[]).unwrap(), &[]).unwrap(), vec![]);
    }

    #[test]
    fn export_reads_back_every_field_type() {
        let fields = tenant_fields();
        let customers = vec![
            values(&[
                ("name", "张三丰"),
                ("gender", "male"),
                ("phone", "+86 138 0013 8000"),
                ("vip_level", "42"),
                ("balance", "12.50"),
                ("birthday", "1990-05-17"),
                ("call_time", "09:30:00"),
                ("office_phone", "010-6552 9988"),
                ("id_card", "11010519491231002X"),
                ("notes", "老客户，周末勿扰"),
            ]),
            values(&[
                ("name", "Li Si"),
                ("gender", "unknown"),
                ("phone", "0086 21 5555 0100"),
                ("vip_level", "3.75"),
                ("balance", "-1234567.05"),
                ("birthday", "1900-03-01"),
                ("call_time", "23:59:59"),
                ("id_card", &id_card("44030619800101123")),
                ("notes", "=1+1 stays text"),
            ]),
            // Numbers that do not read back the same as numbers are written as text.
            values(&[("name", "Wang Wu"), ("vip_level", "1.50"), ("balance", "123456789012345.67")]),
            values(&[("name", "Zhao Liu"), ("vip_level", "-0.001"), ("balance", "0.00")]),
        ];
        let bytes = export(&fields, &customers).unwrap();
        let rows = read_rows(&bytes, &fields).unwrap();
        let read: Vec<(u32, BTreeMap<String, String>)> = rows.into_iter().map(|row| (row.row, row.values)).collect();
        let expected: Vec<(u32, BTreeMap<String, String>)> =
            customers.iter().cloned().enumerate().map(|(index, values)| (index as u32 + 3, values)).collect();
        assert_eq!(read, expected);
        for (_, values) in &read {
            assert_eq!(&validate_values(&fields, values).unwrap(), values);
        }

        // The key row is there (hidden) and the labels above it; money and numbers are numbers.
        let raw = raw_cells(&bytes);
        assert_eq!(texts(&raw[1].1)[..3], ["name", "gender", "phone"]);
        let mut workbook = Xlsx::new(Cursor::new(&bytes[..])).unwrap();
        let range = workbook.worksheet_range(SHEET_NAME).unwrap();
        assert_eq!(range.get_value((2, 4)), Some(&calamine::Data::Float(12.5)));
        assert_eq!(range.get_value((2, 3)), Some(&calamine::Data::Float(42.0)));
        assert_eq!(range.get_value((4, 3)), Some(&calamine::Data::String("1.50".into())));
        assert_eq!(range.get_value((2, 5)), Some(&calamine::Data::String("1990-05-17".into())));
    }

    #[test]
    fn export_leaves_out_disabled_and_unknown_keys() {
        let fields = tenant_fields();
        let customers = vec![values(&[("name", "A"), ("old_code", "X1"), ("nonsense", "y")])];
        let rows = read_rows(&export(&fields, &customers).unwrap(), &fields).unwrap();
        assert_eq!(rows, vec![SheetRow { row: 3, values: values(&[("name", "A")]) }]);
    }

    #[test]
    fn ten_thousand_rows_round_trip_in_order() {
        let fields = tenant_fields();
        let customers: Vec<BTreeMap<String, String>> = (0..10_000)
            .map(|index| {
                values(&[
                    ("name", &format!("客户 {index}")),
                    ("gender", GENDERS[index % 3]),
                    ("phone", &format!("+86 139 {:04} {:04}", index / 10_000, index % 10_000)),
                    ("vip_level", &(index % 100).to_string()),
                    ("balance", &format!("{}.{:02}", index * 3, index % 100)),
                    ("birthday", &format!("19{:02}-{:02}-{:02}", 50 + index % 50, 1 + index % 12, 1 + index % 28)),
                    ("call_time", &format!("{:02}:{:02}:00", index % 24, index % 60)),
                    ("id_card", &id_card(&format!("110105{:04}0101{:03}", 1950 + index % 50, index % 1000))),
                    ("notes", &format!("note number {index}")),
                ])
            })
            .collect();
        let started = Instant::now();
        let bytes = export(&fields, &customers).unwrap();
        let exported = started.elapsed();
        let started = Instant::now();
        let rows = read_rows(&bytes, &fields).unwrap();
        let read = started.elapsed();
        println!("10,000 customers: export {exported:?}, read {read:?}, {} bytes", bytes.len());
        assert_eq!(rows.len(), customers.len());
        for (index, (row, customer)) in rows.iter().zip(&customers).enumerate() {
            assert_eq!(row.row, index as u32 + 3);
            assert_eq!(&row.values, customer);
        }
    }

    #[test]
    fn garbage_is_unreadable() {
        for bytes in [&b""[..], b"not a spreadsheet at all", b"PK\x03\x04 truncated zip", b"name,phone\nA,123\n"] {
            assert!(matches!(read_rows(bytes, &[]), Err(SheetError::Unreadable(_))), "{bytes:?}");
        }
    }

    #[test]
    fn an_unknown_column_is_named() {
        // By label.
        let bytes = sheet_with(|sheet| {
            write_row(sheet, 0, &["Name", "E-mail"])?;
            write_row(sheet, 1, &["A", "a@example.com"])
        });
        let error = read_rows(&bytes, &tenant_fields()).unwrap_err();
        assert!(matches!(&error, SheetError::UnknownColumn(column) if column == "E-mail"), "{error:?}");
        assert!(error.to_string().contains("E-mail"));

        // By key, under a label of its own.
        let bytes = sheet_with(|sheet| {
            write_row(sheet, 0, &["Name", "Phone", "Email"])?;
            write_row(sheet, 1, &["name", "phone", "email"])?;
            write_row(sheet, 2, &["A", "123456", "a@example.com"])
        });
        assert!(matches!(read_rows(&bytes, &[]), Err(SheetError::UnknownColumn(column)) if column == "Email"));

        // Data under no header.
        let bytes = sheet_with(|sheet| {
            write_row(sheet, 0, &["Name"])?;
            write_row(sheet, 1, &["A", "", "stray"])
        });
        assert!(
            matches!(read_rows(&bytes, &[]), Err(SheetError::UnknownColumn(column)) if column == "column C (no header)")
        );
    }

    #[test]
    fn no_known_column_is_a_missing_header() {
        let empty = sheet_with(|_| Ok(()));
        assert!(matches!(read_rows(&empty, &[]), Err(SheetError::MissingHeader(labels)) if labels.starts_with("Name")));
        let no_header = sheet_with(|sheet| write_row(sheet, 4, &["A", "123456"]));
        assert!(matches!(read_rows(&no_header, &[]), Err(SheetError::MissingHeader(_))));
    }

    #[test]
    fn a_field_twice_is_an_error() {
        let bytes = sheet_with(|sheet| write_row(sheet, 0, &["Name", "Phone", "phone"]));
        assert!(matches!(read_rows(&bytes, &[]), Err(SheetError::DuplicateColumn(column)) if column == "phone"));
    }

    #[test]
    fn a_sheet_without_the_key_row_is_read_by_labels_and_cells_become_text() {
        let fields = tenant_fields();
        let date_format = Format::new().set_num_format("yyyy/m/d");
        let time_format = Format::new().set_num_format("h:mm AM/PM");
        let date_time_format = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let bytes = sheet_with(|sheet| {
            // Labels in another order and case, with spaces, a key as a label, no key row.
            write_row(
                sheet,
                0,
                &["  NAME ", "id_card", "phone", "Balance", "VIP Level", "birthday", "best time to call"],
            )?;
            sheet.write_string(0, 7, "备注")?;
            sheet.write_string(0, 8, "Old code")?;

            write_row(sheet, 1, &["Zhang San", "11010519491231002X", "+86 138 0013 8000", "12.50", "7"])?;
            sheet.write_string(1, 5, "2026-11-26")?;
            sheet.write_string(1, 6, "09:30")?;

            // Typed cells: numbers, a date, a time, a boolean.
            sheet.write_string(2, 0, " Li Si ")?;
            sheet.write_number(2, 1, 110_105_194_912_310_016.0)?; // an 18-digit number f64 holds exactly
            sheet.write_number(2, 2, 13_800_138_000.0)?;
            sheet.write_number(2, 3, 12.5)?;
            sheet.write_number(2, 4, 0.1 + 0.2)?;
            sheet.write_datetime_with_format(2, 5, WriterDateTime::from_ymd(1990, 5, 17)?, &date_format)?;
            sheet.write_datetime_with_format(2, 6, WriterDateTime::from_hms(14, 5, 9)?, &time_format)?;
            sheet.write_boolean(2, 7, true)?;
            sheet.write_string(2, 8, "X-1")?;

            // An empty row, then more typed values.
            sheet.write_number(4, 0, 2024.0)?;
            sheet.write_number(4, 3, 7.0)?;
            sheet.write_number(4, 4, -3.0)?;
            let noon = WriterDateTime::from_ymd(2026, 1, 2)?.and_hms(12, 0, 0)?;
            sheet.write_datetime_with_format(4, 5, noon, &date_time_format)?;
            sheet.write_boolean(4, 7, false)?;
            Ok(())
        });
        let rows = read_rows(&bytes, &fields).unwrap();
        let expected = vec![
            SheetRow {
                row: 2,
                values: values(&[
                    ("name", "Zhang San"),
                    ("id_card", "11010519491231002X"),
                    ("phone", "+86 138 0013 8000"),
                    ("balance", "12.50"),
                    ("vip_level", "7"),
                    ("birthday", "2026-11-26"),
                    ("call_time", "09:30"),
                ]),
            },
            SheetRow {
                row: 3,
                values: values(&[
                    ("name", "Li Si"),
                    ("id_card", "110105194912310016"),
                    ("phone", "13800138000"),
                    ("balance", "12.50"),
                    ("vip_level", "0.3"),
                    ("birthday", "1990-05-17"),
                    ("call_time", "14:05:09"),
                    ("notes", "true"),
                    ("old_code", "X-1"),
                ]),
            },
            SheetRow {
                row: 5,
                values: values(&[
                    ("name", "2024"),
                    ("balance", "7.00"),
                    ("vip_level", "-3"),
                    ("birthday", "2026-01-02 12:00:00"),
                    ("notes", "false"),
                ]),
            },
        ];
        assert_eq!(rows, expected);
    }

    #[test]
    fn an_export_with_its_key_row_deleted_is_read_by_labels() {
        let fields = tenant_fields();
        let customers = [
            values(&[("name", "张三"), ("phone", "13800138000"), ("balance", "12.50"), ("call_time", "09:30:00")]),
            values(&[("name", "Li Si"), ("id_card", "11010519491231002X"), ("birthday", "2026-11-26")]),
        ];
        // What the export holds, less its key row: labels, then the customers from row 2.
        let columns = sheet_columns(&fields);
        let bytes = sheet_with(|sheet| {
            for (col, field) in columns.iter().enumerate() {
                sheet.write_string(0, col as ColNum, &field.label)?;
                for (index, customer) in customers.iter().enumerate() {
                    let row = index as RowNum + 1;
                    match (
                        exported_number(field.field_type, customer.get(&field.key).map_or("", |v| v)),
                        customer.get(&field.key),
                    ) {
                        (Some(number), _) => sheet.write_number(row, col as ColNum, number)?,
                        (None, Some(value)) => sheet.write_string(row, col as ColNum, value)?,
                        (None, None) => sheet,
                    };
                }
            }
            Ok(())
        });
        let rows = read_rows(&bytes, &fields).unwrap();
        assert_eq!(
            rows,
            vec![SheetRow { row: 2, values: customers[0].clone() }, SheetRow { row: 3, values: customers[1].clone() }]
        );
    }

    #[test]
    fn over_the_row_limit_is_too_large() {
        let bytes = sheet_with(|sheet| {
            sheet.write_string(0, 0, "Name")?;
            for row in 1..=MAX_IMPORT_ROWS as RowNum + 1 {
                sheet.write_number(row, 0, f64::from(row))?;
            }
            Ok(())
        });
        let error = read_rows(&bytes, &[]).unwrap_err();
        assert!(
            matches!(error, SheetError::TooLarge { rows, limit } if rows == MAX_IMPORT_ROWS + 1 && limit == MAX_IMPORT_ROWS),
            "{error:?}"
        );
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(0.1 + 0.2, None), "0.3");
        assert_eq!(number_text(42.0, None), "42");
        assert_eq!(number_text(-0.0, None), "0");
        assert_eq!(number_text(1e20, None), "100000000000000000000");
        assert_eq!(number_text(9_007_199_254_740_993.0, None), "9007199254740992");
        assert_eq!(number_text(12.5, Some(FieldType::Money)), "12.50");
        assert_eq!(number_text(12.0, Some(FieldType::Money)), "12.00");
        assert_eq!(number_text(12.345, Some(FieldType::Money)), "12.345");
        assert_eq!(exported_number(FieldType::Money, "12.50"), Some(12.5));
        assert_eq!(exported_number(FieldType::Number, "1e3"), None);
        assert_eq!(exported_number(FieldType::Number, "007"), None);
        assert_eq!(exported_number(FieldType::Text, "7"), None);
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }
}
