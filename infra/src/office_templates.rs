//! Word (.docx) and Excel (.xlsx) templates filled with a record's values: a ticket's export.
//! A template's text holds placeholders, `{{name}}`; [`placeholders`] lists them (to check a
//! template when it is uploaded) and [`fill`] replaces them.
//!
//! Word splits a paragraph's text into runs wherever formatting, spell-check marks or editing
//! history change, so a placeholder typed as one word is often spread over several `<w:t>`
//! elements. Each paragraph's text is therefore read whole and placeholders are found in it;
//! a value goes into the run where its placeholder starts (taking that run's formatting) and
//! the rest of the placeholder is cut from the runs it spread over. Every other byte of the
//! document is kept as it was. Excel keeps a cell's text in `xl/sharedStrings.xml` (`<si>`,
//! possibly rich-text runs) or inline in a sheet (`<is>`); both are read the same way.
//!
//! A Word table row, or an Excel sheet row, whose placeholders name a list (a dynamic list's
//! column, say) is a row per item: it is written once for each item of the longest list it
//! names, each copy filled with that item's values, and not at all for an empty list.
//!
//! In Excel the rows below such a row move down by its items less one (up by one when it is
//! dropped): their numbers and cells' `r`, the sheet's `<dimension>`, its merged ranges and the
//! references of its formulas (`<f>`, and a shared or array formula's `ref`) move with them, as
//! when rows are inserted in Excel. A range that ends on the list row (the total under it,
//! `SUM(C5:C5)`) grows to cover its copies (`SUM(C5:C7)`). In a copy, a reference to the list
//! row whose row is relative (`B5`) is to the copy's own row, an absolute one (`B$5`) to the
//! first copy's, as when Excel fills a row down (so `SUM(C$5:C5)` is a running total); a range
//! merged within the list row is merged in each copy; a shared formula is defined in the
//! first copy only, the others holding its text. A reference to an empty list's dropped row,
//! or a range of dropped rows only, becomes `#REF!`, as when Excel deletes rows (a total that
//! should then read 0 sums a range starting on the header row, `SUM(C4:C5)`); a cell sharing
//! a formula defined in a dropped row holds the formula itself. The copies' cells that held a
//! placeholder become inline strings (`t="inlineStr"`, other attributes such as the style
//! kept), the shared string's rich-text runs with them; `xl/sharedStrings.xml` is filled as
//! elsewhere (with no item), an entry used only by list rows being then used by no cell.
//! Not moved: references from other sheets, charts, pivot tables or defined names (print
//! areas), sheet-qualified references (`Sheet1!B7`) and whole rows (`5:7`) in formulas,
//! conditional formatting, data validation, hyperlinks, tables (`xl/tables`), drawings'
//! anchors and the panes' selection; formulas' cached values are kept as they were.
//!
//! Templates are uploads, so they are read defensively: at most [`MAX_TEMPLATE_BYTES`], no
//! part may expand beyond 50 MB (zip bombs).

use std::io::{Cursor, Read, Write};

use hotline_domain::ticket::ticket_type::TemplateFormat;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use zip::write::SimpleFileOptions;

/// The largest template accepted, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 5 * 1024 * 1024;
/// The most a part of the archive may expand to.
const MAX_EXPANDED_BYTES: u64 = 50 * 1024 * 1024;
/// The longest placeholder name read as one; anything longer is plain text.
const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("a template is at most {} MB", MAX_TEMPLATE_BYTES / 1024 / 1024)]
    TooLarge,
    /// The bytes are not a readable document of the template's format.
    #[error("{0}")]
    Corrupt(String),
}

/// The template's format by its file name: `.docx` or `.xlsx`.
pub fn format_of(file_name: &str) -> Option<TemplateFormat> {
    let (_, extension) = file_name.rsplit_once('.')?;
    TemplateFormat::from_name(&extension.to_ascii_lowercase())
}

/// The media type of a filled document.
pub fn content_type(format: TemplateFormat) -> &'static str {
    match format {
        TemplateFormat::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        TemplateFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

/// The placeholder names the template uses, each once, in the order they first appear.
pub fn placeholders(format: TemplateFormat, bytes: &[u8]) -> Result<Vec<String>, TemplateError> {
    let mut names = Vec::new();
    rewrite(format, bytes, &mut |name, _| record(&mut names, name), &|_| None)?;
    Ok(names)
}

fn record(names: &mut Vec<String>, name: &str) -> Option<String> {
    if !names.iter().any(|known| known == name) {
        names.push(name.to_owned());
    }
    None
}

/// How many items the list a placeholder names holds; `None`: it names no list.
pub type ListLengths<'a> = dyn Fn(&str) -> Option<usize> + 'a;

/// The template with each placeholder replaced by `value(name, item)`; a placeholder for
/// which it gives `None` stays as it is. `items(name)` is how many items the list a
/// placeholder names holds (`None`: it names no list): a Word table row or Excel sheet row
/// naming one is written once per item, `item` being the item's index (`None` elsewhere).
pub fn fill(
    format: TemplateFormat,
    bytes: &[u8],
    value: &mut dyn FnMut(&str, Option<usize>) -> Option<String>,
    items: &ListLengths<'_>,
) -> Result<Vec<u8>, TemplateError> {
    rewrite(format, bytes, value, items)
}

/// Whether a part of the archive holds text with placeholders.
fn holds_text(format: TemplateFormat, part: &str) -> bool {
    match format {
        TemplateFormat::Docx => {
            let Some(file) = part.strip_prefix("word/") else { return false };
            !file.contains('/')
                && file.ends_with(".xml")
                && (file == "document.xml"
                    || file.starts_with("header")
                    || file.starts_with("footer")
                    || file == "footnotes.xml"
                    || file == "endnotes.xml")
        }
        TemplateFormat::Xlsx => {
            part == "xl/sharedStrings.xml" || (part.starts_with("xl/worksheets/") && part.ends_with(".xml"))
        }
    }
}

fn corrupt(what: &str, error: &dyn std::fmt::Display) -> TemplateError {
    TemplateError::Corrupt(format!("{what}: {error}"))
}

fn rewrite(
    format: TemplateFormat,
    bytes: &[u8],
    value: &mut dyn FnMut(&str, Option<usize>) -> Option<String>,
    items: &ListLengths<'_>,
) -> Result<Vec<u8>, TemplateError> {
    if bytes.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError::TooLarge);
    }
    let kind = match format {
        TemplateFormat::Docx => "a Word (.docx) document",
        TemplateFormat::Xlsx => "an Excel (.xlsx) workbook",
    };
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| corrupt(&format!("this is not {kind}"), &error))?;
    let main_part = match format {
        TemplateFormat::Docx => "word/document.xml",
        TemplateFormat::Xlsx => "xl/workbook.xml",
    };
    if archive.index_for_name(main_part).is_none() {
        return Err(TemplateError::Corrupt(format!("this is not {kind}: it has no {main_part}")));
    }
    // A worksheet's cells may refer to the workbook's shared strings, wherever they come in
    // the archive: they are read first.
    let shared = match archive.index_for_name("xl/sharedStrings.xml") {
        Some(index) if format == TemplateFormat::Xlsx => {
            let xml = unpack(&mut archive, index, "xl/sharedStrings.xml")?;
            shared_strings(&xml).map_err(|error| corrupt("xl/sharedStrings.xml", &error))?
        }
        _ => Vec::new(),
    };
    let mut output = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let name = archive
            .by_index_raw(index)
            .and_then(|entry| entry.name().map(|name| name.into_owned()))
            .map_err(|error| corrupt("the archive cannot be read", &error))?;
        if !holds_text(format, &name) {
            let entry = archive.by_index_raw(index).map_err(|error| corrupt("the archive cannot be read", &error))?;
            output.raw_copy_file(entry).map_err(|error| corrupt("copying a part", &error))?;
            continue;
        }
        let xml = unpack(&mut archive, index, &name)?;
        let filled = if format == TemplateFormat::Xlsx && name.starts_with("xl/worksheets/") {
            let lists = list_rows(&xml, &shared, items).map_err(|error| corrupt(&name, &error))?;
            if lists.is_empty() {
                rewrite_part(format, &xml, value, None, None)
            } else {
                repeat_sheet_rows(&xml, &shared, &lists, value)
            }
        } else {
            rewrite_part(format, &xml, value, Some(items), None)
        }
        .map_err(|error| corrupt(&name, &error))?;
        output.start_file(name.as_str(), options).map_err(|error| corrupt("writing the document", &error))?;
        output.write_all(&filled).map_err(|error| corrupt("writing the document", &error))?;
    }
    let written = output.finish().map_err(|error| corrupt("writing the document", &error))?;
    Ok(written.into_inner())
}

/// The part of the archive at `index`, unpacked, refused beyond [`MAX_EXPANDED_BYTES`].
fn unpack(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, index: usize, name: &str) -> Result<Vec<u8>, TemplateError> {
    let entry = archive.by_index(index).map_err(|error| corrupt(&format!("{name} cannot be read"), &error))?;
    let mut xml = Vec::new();
    entry
        .take(MAX_EXPANDED_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|error| corrupt(&format!("{name} cannot be unpacked"), &error))?;
    if xml.len() as u64 > MAX_EXPANDED_BYTES {
        return Err(TemplateError::Corrupt(format!("{name} expands to more than {MAX_EXPANDED_BYTES} bytes")));
    }
    Ok(xml)
}

/// A piece of a paragraph (or shared string) being read.
enum Piece {
    Xml(Event<'static>),
    /// A text element directly in the paragraph: its tags and its text, unescaped.
    Text {
        start: BytesStart<'static>,
        text: String,
        end: BytesEnd<'static>,
        changed: bool,
    },
}

/// Replaces the placeholders of one XML part (or of one table row of it), paragraph by
/// paragraph, asking for those of `item` (see [`fill`]). With `items`, Word table rows that
/// name a list are repeated per item; without, rows are read as any other XML.
fn rewrite_part(
    format: TemplateFormat,
    xml: &[u8],
    value: &mut dyn FnMut(&str, Option<usize>) -> Option<String>,
    items: Option<&ListLengths<'_>>,
    item: Option<usize>,
) -> Result<Vec<u8>, quick_xml::Error> {
    let is_paragraph = |name: &str| match format {
        TemplateFormat::Docx => name == "p",
        TemplateFormat::Xlsx => name == "si" || name == "is",
    };
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len() + 1024));
    // Paragraphs being read, innermost last (Word's text boxes nest paragraphs).
    let mut open: Vec<Vec<Piece>> = Vec::new();
    // The text element being read: its start tag and its text so far.
    let mut text: Option<(BytesStart<'static>, String)> = None;
    // Inside Excel's phonetic hints (`<rPh>`), whose text is not the cell's.
    let mut phonetic_depth = 0usize;
    // A Word table row being read whole (its events, and how deep rows nest in it), to be
    // written once or once per item of the list it names.
    let mut row: Option<(Vec<Event<'static>>, usize)> = None;
    loop {
        let event = reader.read_event()?.into_owned();
        if let Some((events, depth)) = row.as_mut() {
            match &event {
                Event::Start(start) if start.local_name().as_ref() == "tr" => *depth += 1,
                Event::End(end) if end.local_name().as_ref() == "tr" => *depth -= 1,
                // A row the part never closes is written as it came.
                Event::Eof => {
                    let (events, _) = row.take().expect("a row is being read");
                    events.into_iter().try_for_each(|event| writer.write_event(event))?;
                    break;
                }
                _ => {}
            }
            events.push(event);
            if *depth == 0 {
                let (events, _) = row.take().expect("a row is being read");
                let items = items.expect("rows are read whole only with items");
                writer.get_mut().extend(repeat_row(format, events, value, items)?);
            }
            continue;
        }
        if let Some((_, content)) = text.as_mut() {
            if append_text(content, &event) {
                continue;
            }
            if let Event::End(end) = &event
                && end.local_name().as_ref() == "t"
            {
                let (start, content) = text.take().expect("inside a text element");
                let paragraph = open.last_mut().expect("text elements are read inside paragraphs");
                paragraph.push(Piece::Text { start, text: content, end: end.clone(), changed: false });
                continue;
            }
        }
        match event {
            Event::Eof => break,
            Event::Start(start)
                if format == TemplateFormat::Docx
                    && items.is_some()
                    && open.is_empty()
                    && start.local_name().as_ref() == "tr" =>
            {
                row = Some((vec![Event::Start(start)], 1));
            }
            Event::Start(start) if is_paragraph(start.local_name().as_ref()) => {
                open.push(vec![Piece::Xml(Event::Start(start))]);
            }
            Event::End(end) if is_paragraph(end.local_name().as_ref()) && !open.is_empty() => {
                let mut paragraph = open.pop().expect("checked");
                paragraph.push(Piece::Xml(Event::End(end)));
                let events = replace_in_paragraph(format, paragraph, &mut |name| value(name, item));
                match open.last_mut() {
                    Some(outer) => outer.extend(events.into_iter().map(Piece::Xml)),
                    None => events.into_iter().try_for_each(|event| writer.write_event(event))?,
                }
            }
            Event::Start(start) if start.local_name().as_ref() == "rPh" => {
                phonetic_depth += 1;
                emit(&mut open, &mut writer, Event::Start(start))?;
            }
            Event::End(end) if end.local_name().as_ref() == "rPh" => {
                phonetic_depth = phonetic_depth.saturating_sub(1);
                emit(&mut open, &mut writer, Event::End(end))?;
            }
            Event::Start(start) if start.local_name().as_ref() == "t" && !open.is_empty() && phonetic_depth == 0 => {
                text = Some((start, String::new()));
            }
            event => emit(&mut open, &mut writer, event)?,
        }
    }
    Ok(writer.into_inner())
}

/// A table row, filled: once, or once per item of the longest list its placeholders name.
fn repeat_row(
    format: TemplateFormat,
    events: Vec<Event<'static>>,
    value: &mut dyn FnMut(&str, Option<usize>) -> Option<String>,
    items: &ListLengths<'_>,
) -> Result<Vec<u8>, quick_xml::Error> {
    let mut fragment = quick_xml::Writer::new(Vec::new());
    events.into_iter().try_for_each(|event| fragment.write_event(event))?;
    let fragment = fragment.into_inner();
    let mut names = Vec::new();
    rewrite_part(format, &fragment, &mut |name, _| record(&mut names, name), None, None)?;
    match names.iter().filter_map(|name| items(name)).max() {
        None => rewrite_part(format, &fragment, value, None, None),
        Some(count) => {
            let mut rows = Vec::with_capacity(fragment.len() * count);
            for index in 0..count {
                rows.extend(rewrite_part(format, &fragment, value, None, Some(index))?);
            }
            Ok(rows)
        }
    }
}

/// Into the paragraph being read, or straight out when outside any.
fn emit(
    open: &mut [Vec<Piece>],
    writer: &mut quick_xml::Writer<Vec<u8>>,
    event: Event<'static>,
) -> std::io::Result<()> {
    match open.last_mut() {
        Some(paragraph) => {
            paragraph.push(Piece::Xml(event));
            Ok(())
        }
        None => writer.write_event(event),
    }
}

/// A placeholder found in a paragraph's text: its byte range and name.
struct Found {
    start: usize,
    end: usize,
    name: String,
}

/// The placeholders of `text`, in order.
fn find_placeholders(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|offset| from + offset) {
        let Some(close) = text[open + 2..].find("}}").map(|offset| open + 2 + offset) else { break };
        let inner = &text[open + 2..close];
        // `{{ {{name}}`: the inner opening is the placeholder's.
        if let Some(nested) = inner.rfind("{{") {
            from = open + 2 + nested;
            continue;
        }
        let name = inner.trim();
        if !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.contains(['{', '}']) {
            found.push(Found { start: open, end: close + 2, name: name.to_owned() });
        }
        from = close + 2;
    }
    found
}

/// The paragraph with its placeholders replaced, as events to write.
fn replace_in_paragraph(
    format: TemplateFormat,
    mut pieces: Vec<Piece>,
    value: &mut dyn FnMut(&str) -> Option<String>,
) -> Vec<Event<'static>> {
    let texts: Vec<usize> =
        pieces.iter().enumerate().filter(|(_, piece)| matches!(piece, Piece::Text { .. })).map(|(at, _)| at).collect();
    let whole: String = texts.iter().map(|&at| text_of(&pieces[at])).collect();
    let found = find_placeholders(&whole);
    let replacements: Vec<Option<String>> = found.iter().map(|found| value(&found.name)).collect();
    // Last first: a replacement changes only text at or after its own start.
    for (found, replacement) in found.into_iter().zip(replacements).rev() {
        let Some(replacement) = replacement else { continue };
        // Where each text element starts in the paragraph's text, as it is now.
        let mut starts = Vec::with_capacity(texts.len());
        let mut offset = 0;
        for &at in &texts {
            starts.push(offset);
            offset += text_of(&pieces[at]).len();
        }
        let holding = |position: usize| {
            (0..texts.len())
                .find(|&index| {
                    let length = text_of(&pieces[texts[index]]).len();
                    position >= starts[index] && position < starts[index] + length
                })
                .expect("a placeholder lies within the paragraph's text")
        };
        let (first, last) = (holding(found.start), holding(found.end - 1));
        for index in first..=last {
            let Piece::Text { text, changed, .. } = &mut pieces[texts[index]] else { unreachable!() };
            let from = if index == first { found.start - starts[index] } else { 0 };
            let to = if index == last { found.end - starts[index] } else { text.len() };
            let inserted = if index == first { replacement.as_str() } else { "" };
            text.replace_range(from..to, inserted);
            *changed = true;
        }
    }
    let mut events = Vec::with_capacity(pieces.len() + texts.len() * 2);
    for piece in pieces {
        match piece {
            Piece::Xml(event) => events.push(event),
            Piece::Text { start, text, end, changed } => {
                let start = if changed { preserving_spaces(start) } else { start };
                // Word ignores line breaks in text; a value's lines become `<w:br/>`s.
                let mut lines = text.split('\n');
                let first = if format == TemplateFormat::Docx { lines.next().unwrap_or_default() } else { &text };
                events.push(Event::Start(start.clone()));
                events.push(Event::Text(BytesText::new(first).into_owned()));
                events.push(Event::End(end.clone()));
                if format == TemplateFormat::Docx {
                    let line_break = format!("{}br", prefix_of(&start));
                    for line in lines {
                        events.push(Event::Empty(BytesStart::new(line_break.clone())));
                        events.push(Event::Start(start.clone()));
                        events.push(Event::Text(BytesText::new(line).into_owned()));
                        events.push(Event::End(end.clone()));
                    }
                }
            }
        }
    }
    events
}

fn text_of(piece: &Piece) -> &str {
    match piece {
        Piece::Text { text, .. } => text,
        Piece::Xml(_) => "",
    }
}

/// `w:` of `w:t`, or nothing.
fn prefix_of(start: &BytesStart<'_>) -> String {
    let name = start.name().as_ref().to_owned();
    name.rsplit_once(':').map(|(prefix, _)| format!("{prefix}:")).unwrap_or_default()
}

/// The text element's start tag with `xml:space="preserve"`, so that a value's leading and
/// trailing spaces are kept.
fn preserving_spaces(start: BytesStart<'static>) -> BytesStart<'static> {
    if start.attributes().flatten().any(|attribute| attribute.key.as_ref() == "xml:space") {
        return start;
    }
    let mut start = start;
    start.push_attribute(("xml:space", "preserve"));
    start
}

/// A shared string of the workbook (`<si>` of `xl/sharedStrings.xml`): its text, phonetic
/// hints left out, and its content as written, to be copied into a cell as an inline string.
struct SharedString {
    text: String,
    content: String,
}

/// The workbook's shared strings, in order (a cell names one by its index).
fn shared_strings(xml: &[u8]) -> Result<Vec<SharedString>, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut strings = Vec::new();
    // The shared string being read: where its content starts, and its text so far.
    let mut open: Option<(usize, String)> = None;
    let mut capture: Option<String> = None;
    let mut phonetic_depth = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event()?;
        if let Some(content) = capture.as_mut()
            && append_text(content, &event)
        {
            continue;
        }
        match &event {
            Event::Eof => break,
            Event::Empty(start) if start.local_name().as_ref() == "si" => {
                strings.push(SharedString { text: String::new(), content: String::new() });
            }
            Event::Start(start) if start.local_name().as_ref() == "si" => {
                open = Some((reader.buffer_position() as usize, String::new()));
            }
            Event::End(end) if end.local_name().as_ref() == "si" => {
                if let Some((from, text)) = open.take() {
                    let content = String::from_utf8_lossy(&xml[from..before]).into_owned();
                    strings.push(SharedString { text, content });
                }
            }
            Event::Start(start) if start.local_name().as_ref() == "rPh" => phonetic_depth += 1,
            Event::End(end) if end.local_name().as_ref() == "rPh" => {
                phonetic_depth = phonetic_depth.saturating_sub(1);
            }
            Event::Start(start) if start.local_name().as_ref() == "t" && open.is_some() && phonetic_depth == 0 => {
                capture = Some(String::new());
            }
            Event::End(end) if end.local_name().as_ref() == "t" => {
                if let (Some(content), Some((_, text))) = (capture.take(), open.as_mut()) {
                    text.push_str(&content);
                }
            }
            _ => {}
        }
    }
    Ok(strings)
}

/// Adds a text event's characters to `content`; false for an event that is not text.
fn append_text(content: &mut String, event: &Event<'_>) -> bool {
    match event {
        Event::Text(part) => content.push_str(&part.xml10_content()),
        Event::CData(part) => content.push_str(&part[..]),
        Event::GeneralRef(reference) => {
            if let Ok(Some(character)) = reference.resolve_char_ref() {
                content.push(character);
            } else if let Some(entity) = quick_xml::escape::resolve_predefined_entity(reference) {
                content.push_str(entity);
            }
        }
        _ => return false,
    }
    true
}

/// The value of an attribute of the tag, as written.
fn attribute(start: &BytesStart<'_>, key: &str) -> Option<String> {
    start.attributes().flatten().find(|attribute| attribute.key.as_ref() == key).map(|found| found.value.into_owned())
}

/// The tag with the attribute `key` set to `value` (in its place, or added last), or removed.
fn with_attribute(start: &BytesStart<'_>, key: &str, value: Option<&str>) -> BytesStart<'static> {
    let mut rebuilt = BytesStart::new(start.name().as_ref().to_owned());
    let mut seen = false;
    for attribute in start.attributes().flatten() {
        if attribute.key.as_ref() != key {
            rebuilt.push_attribute(attribute);
        } else if let Some(value) = value.filter(|_| !seen) {
            rebuilt.push_attribute((key, value));
            seen = true;
        }
    }
    if let Some(value) = value.filter(|_| !seen) {
        rebuilt.push_attribute((key, value));
    }
    rebuilt
}

/// A sheet row's number: its `r`, or the one after the previous row's.
fn row_number(start: &BytesStart<'_>, previous: u32) -> u32 {
    attribute(start, "r").and_then(|number| number.trim().parse().ok()).unwrap_or(previous + 1)
}

/// The sheet's list rows, in order: each row's number and how many items it is written for
/// (the most items of the lists its cells' placeholders name).
fn list_rows(
    xml: &[u8],
    shared: &[SharedString],
    items: &ListLengths<'_>,
) -> Result<Vec<(u32, usize)>, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut lists = Vec::new();
    let mut row = 0u32;
    let mut count: Option<usize> = None;
    // The cell being read: whether its text is a shared string's (its `<v>` the index), and
    // its text (or index) so far.
    let mut cell = (false, String::new());
    let mut capture: Option<String> = None;
    let mut phonetic_depth = 0usize;
    loop {
        let event = reader.read_event()?;
        if let Some(content) = capture.as_mut()
            && append_text(content, &event)
        {
            continue;
        }
        match &event {
            Event::Eof => break,
            Event::Start(start) | Event::Empty(start) if start.local_name().as_ref() == "row" => {
                row = row_number(start, row);
                count = None;
            }
            Event::End(end) if end.local_name().as_ref() == "row" => {
                if let Some(count) = count.take() {
                    lists.push((row, count));
                }
            }
            Event::Start(start) if start.local_name().as_ref() == "c" => {
                cell = (attribute(start, "t").as_deref() == Some("s"), String::new());
            }
            Event::End(end) if end.local_name().as_ref() == "c" => {
                let text = if cell.0 {
                    cell.1
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|index| shared.get(index))
                        .map(|string| &string.text[..])
                } else {
                    Some(&cell.1[..])
                };
                for found in find_placeholders(text.unwrap_or_default()) {
                    if let Some(length) = items(&found.name) {
                        count = Some(count.map_or(length, |count| count.max(length)));
                    }
                }
            }
            Event::Start(start) if start.local_name().as_ref() == "v" && cell.0 => capture = Some(String::new()),
            Event::Start(start) if start.local_name().as_ref() == "rPh" => phonetic_depth += 1,
            Event::End(end) if end.local_name().as_ref() == "rPh" => {
                phonetic_depth = phonetic_depth.saturating_sub(1);
            }
            Event::Start(start) if start.local_name().as_ref() == "t" && !cell.0 && phonetic_depth == 0 => {
                capture = Some(String::new());
            }
            Event::End(end) if matches!(end.local_name().as_ref(), "t" | "v") => {
                if let Some(content) = capture.take() {
                    cell.1.push_str(&content);
                }
            }
            _ => {}
        }
    }
    lists.sort_unstable();
    Ok(lists)
}

/// The last row of a sheet.
const MAX_ROW: u32 = 1_048_576;

/// Where a sheet's rows go once its list rows are written once per item: rows below a list
/// row move down by its items less one (up by one for an empty list, whose row is dropped).
struct Shift<'a> {
    /// The list rows, in order, and their items.
    lists: &'a [(u32, usize)],
    /// In a list row's copy: the list row, and the copy's row. A reference to the list row
    /// whose row is relative (`B2`, not `B$2`) is then one to the copy's row.
    copy: Option<(u32, u32)>,
}

impl Shift<'_> {
    /// Where the first of the rows that were at `row` now is.
    fn moved(&self, row: u32) -> i64 {
        let before: i64 =
            self.lists.iter().take_while(|(list, _)| *list < row).map(|(_, items)| *items as i64 - 1).sum();
        i64::from(row) + before
    }

    /// How many rows the row at `row` became.
    fn copies(&self, row: u32) -> i64 {
        self.lists.iter().find(|(list, _)| *list == row).map_or(1, |(_, items)| *items as i64)
    }

    /// The copy's row, for a relative reference to the list row being copied.
    fn in_copy(&self, row: u32, absolute: bool) -> Option<i64> {
        self.copy.filter(|(list, _)| *list == row && !absolute).map(|(_, copy)| i64::from(copy))
    }

    /// The rows the range from `low` to `high` (a row and whether it is absolute, `low` the
    /// smaller) covers now: a range ending on a list row covers all its copies. `None`: the
    /// range covered dropped rows only.
    fn span(&self, low: (u32, bool), high: (u32, bool)) -> Option<(u32, u32)> {
        let first = self.in_copy(low.0, low.1).unwrap_or_else(|| self.moved(low.0));
        let last = self.in_copy(high.0, high.1).unwrap_or_else(|| self.moved(high.0) + self.copies(high.0) - 1);
        let clamp = |row: i64| row.clamp(1, i64::from(MAX_ROW)) as u32;
        (first <= last && last >= 1).then(|| (clamp(first), clamp(last)))
    }

    /// The cell reference (`B7`, `$B$7`) or range (`A7:C7`) as it reads now: `None` when it
    /// names dropped rows only; as it was when it is neither.
    fn reference(&self, reference: &str) -> Option<String> {
        let (from, to) = reference.split_once(':').unwrap_or((reference, reference));
        let (Some(start), Some(end)) = (split_reference(from), split_reference(to)) else {
            return Some(reference.to_owned());
        };
        let swapped = start.1 > end.1;
        let (low, high) = if swapped { (end, start) } else { (start, end) };
        let (first, last) = self.span((low.1, low.2), (high.1, high.2))?;
        let (first, last) = if swapped { (last, first) } else { (first, last) };
        Some(match reference.contains(':') {
            true => format!("{}{first}:{}{last}", start.0, end.0),
            false => format!("{}{first}", start.0),
        })
    }

    /// The formula with its references to this sheet's rows moved (see [`shift_formula`]).
    fn formula(&self, formula: &str) -> String {
        shift_formula(formula, &|reference| self.reference(reference).unwrap_or_else(|| "#REF!".to_owned()))
    }
}

/// `$B$7` as what comes before its row's digits (`$B$`), its row and whether the row is absolute; `None` for
/// what is not an A1-style cell reference.
fn split_reference(token: &str) -> Option<(&str, u32, bool)> {
    let bytes = token.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'$'));
    let letters = bytes[at..].iter().take_while(|byte| byte.is_ascii_alphabetic()).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let column = column_number(&token[at..at + letters]);
    at += letters;
    let absolute = bytes.get(at) == Some(&b'$');
    at += usize::from(absolute);
    let digits = &token[at..];
    if column > 16_384 || digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let row = digits.parse().ok().filter(|row| (1..=MAX_ROW).contains(row))?;
    Some((&token[..at], row, absolute))
}

/// The formula with each A1-style reference (`B7`, `$B$7`, `B5:B7`) to its own sheet replaced
/// by `replace(reference)`. Text in quotes, other sheets' references (`Sheet2!B7`,
/// `'My sheet'!B5:B7`), function names (`LOG10(`), table references (`Table1[Qty]`) and
/// defined names are left as they are, as are whole columns and rows (`B:B`, `5:7`).
fn shift_formula(formula: &str, replace: &dyn Fn(&str) -> String) -> String {
    let bytes = formula.as_bytes();
    let is_name =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'$' | b'\\' | b'?') || byte >= 0x80;
    let name_end = |from: usize| from + bytes[from..].iter().take_while(|&&byte| is_name(byte)).count();
    // A reference ends where a name does not go on as a function, sheet or table name.
    let is_reference = |from: usize, to: usize| {
        to > from && !matches!(bytes.get(to), Some(b'(' | b'!' | b'[')) && split_reference(&formula[from..to]).is_some()
    };
    let mut shifted = String::with_capacity(formula.len() + 8);
    let (mut at, mut copied) = (0, 0);
    // Right after `Sheet2!`: what follows is another sheet's.
    let mut qualified = false;
    while at < bytes.len() {
        match bytes[at] {
            quote @ (b'"' | b'\'') => {
                at += 1;
                while at < bytes.len() && (bytes[at] != quote || bytes.get(at + 1) == Some(&quote)) {
                    at += if bytes[at] == quote { 2 } else { 1 };
                }
                at += 1;
                qualified = false;
            }
            b'[' => {
                let mut depth = 0usize;
                while at < bytes.len() {
                    depth = match bytes[at] {
                        b'[' => depth + 1,
                        b']' => depth - 1,
                        _ => depth,
                    };
                    at += 1;
                    if depth == 0 {
                        break;
                    }
                }
                qualified = false;
            }
            b'!' => {
                qualified = true;
                at += 1;
            }
            byte if is_name(byte) => {
                let end = name_end(at);
                let range_end = (bytes.get(end) == Some(&b':')).then(|| name_end(end + 1));
                if qualified || !is_reference(at, end) {
                    // Another sheet's range goes on after its colon.
                    at = range_end.filter(|_| qualified).unwrap_or(end);
                } else {
                    let to = range_end.filter(|&to| is_reference(end + 1, to)).unwrap_or(end);
                    shifted.push_str(&formula[copied..at]);
                    shifted.push_str(&replace(&formula[at..to]));
                    (at, copied) = (to, to);
                }
                qualified = false;
            }
            _ => {
                at += 1;
                qualified = false;
            }
        }
    }
    shifted.push_str(&formula[copied.min(formula.len())..]);
    shifted
}

/// The worksheet with its list rows (see [`list_rows`]) written once per item, each copy
/// filled with the item's values, and what follows them moved down (or up); its other
/// placeholders are filled as [`rewrite_part`] does.
fn repeat_sheet_rows(
    xml: &[u8],
    shared: &[SharedString],
    lists: &[(u32, usize)],
    value: &mut dyn FnMut(&str, Option<usize>) -> Option<String>,
) -> Result<Vec<u8>, quick_xml::Error> {
    let shift = Shift { lists, copy: None };
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len() + 1024));
    let mut row = 0u32;
    // The row being read whole, and the merged ranges.
    let mut row_events: Option<Vec<Event<'static>>> = None;
    let mut merges: Option<(BytesStart<'static>, Vec<String>)> = None;
    // Shared formulas whose defining cell was in a dropped row.
    let mut orphans = Vec::new();
    loop {
        let event = reader.read_event()?.into_owned();
        if let Some(events) = row_events.as_mut() {
            if matches!(event, Event::Eof) {
                // A row the sheet never closes is written as it came.
                row_events.take().into_iter().flatten().try_for_each(|event| writer.write_event(event))?;
                break;
            }
            let closes = matches!(&event, Event::End(end) if end.local_name().as_ref() == "row");
            events.push(event);
            if closes {
                let events = row_events.take().expect("a row is being read");
                writer.get_mut().extend(sheet_row(&events, row, shared, lists, &mut orphans, value)?);
            }
            continue;
        }
        if let Some((_, ranges)) = merges.as_mut() {
            match event {
                Event::Start(merge) | Event::Empty(merge) if merge.local_name().as_ref() == "mergeCell" => {
                    let Some(range) = attribute(&merge, "ref") else { continue };
                    ranges.extend(moved_merge(&range, lists));
                }
                Event::End(end) if end.local_name().as_ref() == "mergeCells" => {
                    let (start, ranges) = merges.take().expect("merged ranges are being read");
                    if ranges.is_empty() {
                        continue;
                    }
                    let count = ranges.len().to_string();
                    let has_count = attribute(&start, "count").is_some();
                    let start = if has_count { with_attribute(&start, "count", Some(&count)) } else { start };
                    let merge = format!("{}mergeCell", prefix_of(&start));
                    writer.write_event(Event::Start(start))?;
                    for range in ranges {
                        writer.write_event(Event::Empty(
                            BytesStart::new(merge.as_str()).with_attributes([("ref", &range[..])]),
                        ))?;
                    }
                    writer.write_event(Event::End(end))?;
                }
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        match event {
            Event::Eof => break,
            Event::Start(start) if start.local_name().as_ref() == "row" => {
                row = row_number(&start, row);
                row_events = Some(vec![Event::Start(start)]);
            }
            Event::Empty(start) if start.local_name().as_ref() == "row" => {
                row = row_number(&start, row);
                writer.write_event(Event::Empty(renumbered(&start, "r", &shift)))?;
            }
            Event::Empty(start) if start.local_name().as_ref() == "dimension" => {
                writer.write_event(Event::Empty(renumbered(&start, "ref", &shift)))?;
            }
            Event::Start(start) if start.local_name().as_ref() == "dimension" => {
                writer.write_event(Event::Start(renumbered(&start, "ref", &shift)))?;
            }
            Event::Start(start) if start.local_name().as_ref() == "mergeCells" => merges = Some((start, Vec::new())),
            event => writer.write_event(event)?,
        }
    }
    Ok(writer.into_inner())
}

/// A merged range once rows moved: one per copy for a range within a list row, none when it
/// covered dropped rows only.
fn moved_merge(range: &str, lists: &[(u32, usize)]) -> Vec<String> {
    let rows = range.split_once(':').map(|(from, to)| (split_reference(from), split_reference(to)));
    if let Some((Some((_, from, _)), Some((_, to, _)))) = rows
        && from == to
        && let Some(&(list, items)) = lists.iter().find(|(list, _)| *list == from)
    {
        let first = Shift { lists, copy: None }.moved(list);
        return (0..items)
            .filter_map(|index| {
                let copy = u32::try_from(first + index as i64).ok()?;
                Shift { lists, copy: Some((list, copy)) }.reference(range)
            })
            .collect();
    }
    Shift { lists, copy: None }.reference(range).into_iter().collect()
}

/// The tag with its reference attribute `key` (a cell or range) moved; as it was when the
/// attribute is missing or names dropped rows only.
fn renumbered(start: &BytesStart<'_>, key: &str, shift: &Shift<'_>) -> BytesStart<'static> {
    let moved = match key {
        "r" if start.local_name().as_ref() == "row" => attribute(start, key)
            .and_then(|row| row.trim().parse::<u32>().ok())
            .and_then(|row| shift.span((row, false), (row, false)))
            .map(|(first, _)| first.to_string()),
        _ => attribute(start, key).and_then(|reference| shift.reference(&reference)),
    };
    match moved {
        Some(moved) => with_attribute(start, key, Some(&moved)),
        None => start.clone().into_owned(),
    }
}

/// A sheet row read whole (`<row>` to `</row>`), filled: as it was, its references moved, or
/// once per item if it is a list row (nothing for an empty list).
fn sheet_row(
    events: &[Event<'static>],
    row: u32,
    shared: &[SharedString],
    lists: &[(u32, usize)],
    orphans: &mut Vec<SharedFormula>,
    value: &mut dyn FnMut(&str, Option<usize>) -> Option<String>,
) -> Result<Vec<u8>, quick_xml::Error> {
    let Some(&(_, items)) = lists.iter().find(|(list, _)| *list == row) else {
        let fragment = moved_row(events, &Shift { lists, copy: None }, None, orphans)?;
        return rewrite_part(TemplateFormat::Xlsx, &fragment, value, None, None);
    };
    if items == 0 {
        orphans.extend(shared_formulas(events));
    }
    let first = Shift { lists, copy: None }.moved(row);
    let mut rows = Vec::new();
    for index in 0..items {
        let Ok(copy) = u32::try_from(first + index as i64) else { continue };
        let shift = Shift { lists, copy: Some((row, copy)) };
        let fragment = moved_row(events, &shift, Some((shared, index)), orphans)?;
        rows.extend(rewrite_part(TemplateFormat::Xlsx, &fragment, value, None, Some(index))?);
    }
    Ok(rows)
}

/// A sheet row's XML with its row, cells and formulas moved. For a list row's copy (`copy`:
/// the shared strings and the copy's index), a cell whose shared string holds a placeholder
/// becomes an inline string (that shared string may serve other cells), and a shared
/// formula's defining cell is one only in the first copy. A cell sharing a formula of
/// `orphans` holds its own.
fn moved_row(
    events: &[Event<'static>],
    shift: &Shift<'_>,
    copy: Option<(&[SharedString], usize)>,
    orphans: &[SharedFormula],
) -> Result<Vec<u8>, quick_xml::Error> {
    let mut writer = quick_xml::Writer::new(Vec::new());
    // The cell being read, where it was.
    let mut position = None;
    let mut at = 0;
    while at < events.len() {
        let event = &events[at];
        at += 1;
        match event {
            Event::Start(start) if start.local_name().as_ref() == "row" => {
                writer.write_event(Event::Start(renumbered(start, "r", shift)))?;
            }
            Event::Empty(cell) if cell.local_name().as_ref() == "c" => {
                writer.write_event(Event::Empty(renumbered(cell, "r", shift)))?;
            }
            Event::Start(cell) if cell.local_name().as_ref() == "c" => {
                position = attribute(cell, "r").and_then(|reference| cell_position(&reference));
                let cell = renumbered(cell, "r", shift);
                let closes = events[at..]
                    .iter()
                    .position(|event| matches!(event, Event::End(end) if end.local_name().as_ref() == "c"))
                    .map(|offset| at + offset);
                let text = copy
                    .filter(|_| attribute(&cell, "t").as_deref() == Some("s"))
                    .zip(closes)
                    .and_then(|((shared, _), closes)| shared_text(&events[at..closes], shared));
                match (text, closes) {
                    (Some(text), Some(closes)) => {
                        writer.write_event(Event::Start(with_attribute(&cell, "t", Some("inlineStr"))))?;
                        let is = format!("{}is", prefix_of(&cell));
                        writer.get_mut().extend(format!("<{is}>{}</{is}>", text.content).into_bytes());
                        writer.write_event(events[closes].clone())?;
                        at = closes + 1;
                    }
                    _ => writer.write_event(Event::Start(cell))?,
                }
            }
            Event::Start(start) | Event::Empty(start) if start.local_name().as_ref() == "f" => {
                let empty = matches!(event, Event::Empty(_));
                let mut formula = String::new();
                while !empty && at < events.len() && append_text(&mut formula, &events[at]) {
                    at += 1;
                }
                let shares = attribute(start, "t").as_deref() == Some("shared");
                let defines = attribute(start, "ref").is_some();
                let orphan = attribute(start, "si")
                    .filter(|_| shares && !defines)
                    .and_then(|group| orphans.iter().find(|orphan| orphan.group == group));
                let start = match (orphan, position) {
                    (Some(orphan), Some((row, column))) => {
                        let rows = i64::from(row) - i64::from(orphan.cell.0);
                        let columns = i64::from(column) - i64::from(orphan.cell.1);
                        formula = translated(&orphan.formula, rows, columns);
                        with_attribute(&with_attribute(start, "t", None), "si", None)
                    }
                    _ if empty => {
                        writer.write_event(event.clone())?;
                        continue;
                    }
                    _ if shares && defines && copy.is_some_and(|(_, index)| index > 0) => {
                        with_attribute(&with_attribute(&with_attribute(start, "t", None), "ref", None), "si", None)
                    }
                    _ => renumbered(start, "ref", shift),
                };
                let end = BytesEnd::new(start.name().as_ref().to_owned());
                writer.write_event(Event::Start(start))?;
                writer.write_event(Event::Text(BytesText::new(&shift.formula(&formula))))?;
                if empty {
                    writer.write_event(Event::End(end))?;
                }
            }
            event => writer.write_event(event.clone())?,
        }
    }
    Ok(writer.into_inner())
}

/// A shared formula as the cell defining it holds it: its group (`si`), its text, and the
/// cell's row and column.
struct SharedFormula {
    group: String,
    formula: String,
    cell: (u32, u32),
}

/// The shared formulas a sheet row's events define.
fn shared_formulas(events: &[Event<'static>]) -> Vec<SharedFormula> {
    let mut found = Vec::new();
    let mut cell = None;
    for (at, event) in events.iter().enumerate() {
        match event {
            Event::Start(start) if start.local_name().as_ref() == "c" => {
                cell = attribute(start, "r").and_then(|reference| cell_position(&reference));
            }
            Event::Start(start)
                if start.local_name().as_ref() == "f"
                    && attribute(start, "t").as_deref() == Some("shared")
                    && attribute(start, "ref").is_some() =>
            {
                let (Some(group), Some(cell)) = (attribute(start, "si"), cell) else { continue };
                let mut formula = String::new();
                for event in &events[at + 1..] {
                    if !append_text(&mut formula, event) {
                        break;
                    }
                }
                found.push(SharedFormula { group, formula, cell });
            }
            _ => {}
        }
    }
    found
}

/// `B7` as its row and column (7, 2).
fn cell_position(reference: &str) -> Option<(u32, u32)> {
    let (before, row, _) = split_reference(reference)?;
    Some((row, column_number(before.trim_matches('$'))))
}

/// `B` as 2.
fn column_number(letters: &str) -> u32 {
    letters.bytes().fold(0u32, |column, byte| column * 26 + u32::from(byte.to_ascii_uppercase() - b'A' + 1))
}

/// 2 as `B`.
fn column_letters(column: u32) -> String {
    let mut letters = Vec::new();
    let mut rest = column;
    while rest > 0 {
        letters.push(b'A' + ((rest - 1) % 26) as u8);
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("letters are ASCII")
}

/// A formula as it reads `rows` and `columns` away from its cell (a shared formula in another
/// cell of its group): its relative references move by as much; one moved off the sheet is
/// `#REF!`.
fn translated(formula: &str, rows: i64, columns: i64) -> String {
    shift_formula(formula, &|reference| {
        let ends: Option<Vec<String>> = reference
            .split(':')
            .map(|end| {
                let (before, row, row_absolute) = split_reference(end)?;
                let column_absolute = before.starts_with('$');
                let column = i64::from(column_number(before.trim_matches('$')));
                let column = if column_absolute { column } else { column + columns };
                let row = if row_absolute { i64::from(row) } else { i64::from(row) + rows };
                if !(1..=16_384).contains(&column) || !(1..=i64::from(MAX_ROW)).contains(&row) {
                    return None;
                }
                let (column_dollar, row_dollar) =
                    (if column_absolute { "$" } else { "" }, if row_absolute { "$" } else { "" });
                Some(format!("{column_dollar}{}{row_dollar}{row}", column_letters(column as u32)))
            })
            .collect();
        ends.map_or_else(|| "#REF!".to_owned(), |ends| ends.join(":"))
    })
}

/// The shared string a cell's events (between `<c t="s">` and `</c>`) name, if it holds a
/// placeholder.
fn shared_text<'a>(events: &[Event<'static>], shared: &'a [SharedString]) -> Option<&'a SharedString> {
    let start = events.iter().position(|event| matches!(event, Event::Start(v) if v.local_name().as_ref() == "v"))?;
    let mut index = String::new();
    for event in &events[start + 1..] {
        if !append_text(&mut index, event) {
            break;
        }
    }
    let text = shared.get(index.trim().parse::<usize>().ok()?)?;
    (!find_placeholders(&text.text).is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    /// A .docx whose document body is `body` (inside `<w:body>`).
    pub(crate) fn docx(body: &str) -> Vec<u8> {
        archive(&[
            ("[Content_Types].xml", "<Types/>".to_owned()),
            (
                "word/document.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}</w:body></w:document>"#
                ),
            ),
            ("word/styles.xml", "<w:styles/>".to_owned()),
        ])
    }

    fn archive(parts: &[(&str, String)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in parts {
            writer.start_file(*name, SimpleFileOptions::default()).unwrap();
            writer.write_all(content.as_bytes()).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    }

    fn fill(
        format: TemplateFormat,
        bytes: &[u8],
        value: &mut dyn FnMut(&str) -> Option<String>,
    ) -> Result<Vec<u8>, TemplateError> {
        super::fill(format, bytes, &mut |name, _| value(name), &|_| None)
    }

    fn values(name: &str) -> Option<String> {
        match name {
            "ticket.number" => Some("T-000042".into()),
            "field.note" => Some("line one\nline two".into()),
            "field.amount" => Some("<5 & 6>".into()),
            _ => None,
        }
    }

    #[test]
    fn a_placeholder_spread_over_runs_is_replaced_in_its_first_run() {
        let template = docx(
            r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Ticket {{ticket.</w:t></w:r><w:r><w:t>number}} is </w:t></w:r><w:r><w:t xml:space="preserve">open</w:t></w:r></w:p>"#,
        );
        assert_eq!(placeholders(TemplateFormat::Docx, &template).unwrap(), ["ticket.number"]);
        let filled = fill(TemplateFormat::Docx, &template, &mut values).unwrap();
        let document = part(&filled, "word/document.xml");
        assert!(
            document.contains(r#"<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Ticket T-000042</w:t></w:r><w:r><w:t xml:space="preserve"> is </w:t></w:r><w:r><w:t xml:space="preserve">open</w:t></w:r>"#),
            "{document}"
        );
        // Untouched parts are copied as they were.
        assert_eq!(part(&filled, "word/styles.xml"), "<w:styles/>");
    }

    #[test]
    fn a_table_row_naming_a_list_is_written_once_per_item() {
        let cell = |text: &str| format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>");
        let row = |cells: &[&str]| format!("<w:tr>{}</w:tr>", cells.iter().map(|text| cell(text)).collect::<String>());
        let table = |rows: &[String]| format!("<w:tbl>{}</w:tbl>", rows.concat());
        let template = docx(&format!(
            "{}{}",
            table(&[row(&["SKU", "Qty"]), row(&["{{field.items.sku}}", "{{field.items.qty}} of {{ticket.number}}"])]),
            table(&[row(&["{{field.empty.sku}}"]), row(&["after"])]),
        ));
        let lists = |name: &str| match name {
            "field.items.sku" | "field.items.qty" => Some(2),
            "field.empty.sku" => Some(0),
            _ => None,
        };
        let mut value = |name: &str, item: Option<usize>| match (name, item) {
            ("field.items.sku", Some(index)) => Some(["A-1", "B-2"][index].to_owned()),
            ("field.items.qty", Some(index)) => Some((index + 3).to_string()),
            _ => values(name),
        };
        let filled = super::fill(TemplateFormat::Docx, &template, &mut value, &lists).unwrap();
        let document = part(&filled, "word/document.xml");
        let spaced =
            |text: &str| format!(r#"<w:tc><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>"#);
        let expected = format!(
            "<w:tbl>{}<w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl><w:tbl>{}</w:tbl>",
            row(&["SKU", "Qty"]),
            spaced("A-1"),
            spaced("3 of T-000042"),
            spaced("B-2"),
            spaced("4 of T-000042"),
            row(&["after"]),
        );
        assert!(document.contains(&expected), "{document}");
    }

    #[test]
    fn values_are_escaped_and_their_lines_become_breaks() {
        let template = docx(r#"<w:p><w:r><w:t>{{ field.amount }}|{{field.note}}</w:t></w:r></w:p>"#);
        let filled = fill(TemplateFormat::Docx, &template, &mut values).unwrap();
        let document = part(&filled, "word/document.xml");
        assert!(
            document.contains("&lt;5 &amp; 6&gt;|line one</w:t><w:br/><w:t xml:space=\"preserve\">line two</w:t>"),
            "{document}"
        );
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_stay() {
        let template = docx(
            r#"<w:p><w:r><w:t>{{unknown}} {{ {{ticket.number}} }} {{}} {not}</w:t></w:r></w:p><w:p><w:r><w:t>{{ticket.</w:t></w:r></w:p><w:p><w:r><w:t>number}}</w:t></w:r></w:p>"#,
        );
        assert_eq!(placeholders(TemplateFormat::Docx, &template).unwrap(), ["unknown", "ticket.number"]);
        let document = part(&fill(TemplateFormat::Docx, &template, &mut values).unwrap(), "word/document.xml");
        // A placeholder does not run across paragraphs.
        assert!(document.contains("{{unknown}} {{ T-000042 }} {{}} {not}"), "{document}");
        assert!(document.contains("<w:t>{{ticket.</w:t>"), "{document}");
    }

    #[test]
    fn entities_in_the_template_are_read_as_text() {
        let template = docx(r#"<w:p><w:r><w:t>A &amp; B &#x4E2D; {{ticket.number}}</w:t></w:r></w:p>"#);
        let document = part(&fill(TemplateFormat::Docx, &template, &mut values).unwrap(), "word/document.xml");
        assert!(document.contains("A &amp; B 中 T-000042"), "{document}");
    }

    #[test]
    fn paragraphs_in_a_text_box_inside_a_paragraph_are_filled_once() {
        let template = docx(
            r#"<w:p><w:r><w:t>outer {{ticket.number}}</w:t></w:r><w:r><w:pict><w:txbxContent><w:p><w:r><w:t>inner {{ticket.number}}</w:t></w:r></w:p></w:txbxContent></w:pict></w:r></w:p>"#,
        );
        let document = part(&fill(TemplateFormat::Docx, &template, &mut values).unwrap(), "word/document.xml");
        assert!(document.contains("outer T-000042") && document.contains("inner T-000042"), "{document}");
    }

    #[test]
    fn excel_shared_strings_and_inline_strings_are_filled() {
        let template = archive(&[
            ("xl/workbook.xml", "<workbook/>".to_owned()),
            (
                "xl/sharedStrings.xml",
                r#"<sst count="2"><si><t>{{ticket.number}}</t></si><si><r><t>{{field.</t></r><r><t>note}}</t></r><rPh><t>{{phonetic}}</t></rPh></si></sst>"#.to_owned(),
            ),
            ("xl/worksheets/sheet1.xml", r#"<worksheet><sheetData><row><c t="inlineStr"><is><t>{{field.amount}}</t></is></c></row></sheetData></worksheet>"#.to_owned()),
        ]);
        assert_eq!(
            placeholders(TemplateFormat::Xlsx, &template).unwrap(),
            ["ticket.number", "field.note", "field.amount"]
        );
        let filled = fill(TemplateFormat::Xlsx, &template, &mut values).unwrap();
        let strings = part(&filled, "xl/sharedStrings.xml");
        assert!(strings.contains(r#"<t xml:space="preserve">T-000042</t>"#), "{strings}");
        assert!(strings.contains("line one\nline two</t></r><r><t xml:space=\"preserve\"></t>"), "{strings}");
        assert!(strings.contains("<rPh><t>{{phonetic}}</t></rPh>"), "{strings}");
        assert!(part(&filled, "xl/worksheets/sheet1.xml").contains("&lt;5 &amp; 6&gt;"));
    }

    /// A workbook with the sheet `xl/worksheets/sheet1.xml` (inside `<worksheet>`) and the
    /// shared strings (inside `<sst>`), the shared strings after the sheet when `late`.
    fn xlsx(sheet: &str, strings: &str, late: bool) -> Vec<u8> {
        let sheet = ("xl/worksheets/sheet1.xml", format!("<worksheet>{sheet}</worksheet>"));
        let strings = ("xl/sharedStrings.xml", format!("<sst>{strings}</sst>"));
        let workbook = ("xl/workbook.xml", "<workbook/>".to_owned());
        if late { archive(&[workbook, sheet, strings]) } else { archive(&[workbook, strings, sheet]) }
    }

    const LIST_STRINGS: &str = "<si><t>Ticket {{ticket.number}}</t></si><si><r><rPr><b/></rPr><t>{{field.items.</t></r><r><t>sku}}</t></r></si><si><t>Total</t></si>";

    /// A header row, a list row (a shared string, an inline string, a formula on its own row
    /// and a merged range), a total row summing the list, and a merged row.
    const LIST_SHEET: &str = r#"<dimension ref="A1:C4"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2" spans="1:3"><c r="A2" s="3" t="s"><v>1</v></c><c r="B2" s="3" t="inlineStr"><is><t>{{field.items.qty}}</t></is></c><c r="C2"><f>B2*2</f><v>0</v></c></row><row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3"><f>SUM(B2:B2)</f><v>0</v></c></row><row r="4"><c r="A4" t="s"><v>2</v></c></row></sheetData><mergeCells count="2"><mergeCell ref="A4:C4"/><mergeCell ref="D2:E2"/></mergeCells>"#;

    fn fill_list(template: &[u8], count: usize) -> Vec<u8> {
        let lists = move |name: &str| name.starts_with("field.items.").then_some(count);
        let mut value = |name: &str, item: Option<usize>| match (name, item) {
            ("field.items.sku", Some(index)) => Some(format!("SKU-{index}")),
            ("field.items.qty", Some(index)) => Some((index + 3).to_string()),
            _ => values(name),
        };
        super::fill(TemplateFormat::Xlsx, template, &mut value, &lists).unwrap()
    }

    fn list_copy(row: usize, index: usize) -> String {
        format!(
            r#"<row r="{row}" spans="1:3"><c r="A{row}" s="3" t="inlineStr"><is><r><rPr><b/></rPr><t xml:space="preserve">SKU-{index}</t></r><r><t xml:space="preserve"></t></r></is></c><c r="B{row}" s="3" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c><c r="C{row}"><f>B{row}*2</f><v>0</v></c></row>"#,
            index + 3
        )
    }

    #[test]
    fn an_excel_row_naming_a_list_is_written_once_per_item_and_rows_below_move_down() {
        let filled = fill_list(&xlsx(LIST_SHEET, LIST_STRINGS, false), 3);
        let sheet = part(&filled, "xl/worksheets/sheet1.xml");
        let expected = format!(
            r#"<worksheet><dimension ref="A1:C6"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>{}{}{}<row r="5"><c r="A5" t="s"><v>2</v></c><c r="B5"><f>SUM(B2:B4)</f><v>0</v></c></row><row r="6"><c r="A6" t="s"><v>2</v></c></row></sheetData><mergeCells count="4"><mergeCell ref="A6:C6"/><mergeCell ref="D2:E2"/><mergeCell ref="D3:E3"/><mergeCell ref="D4:E4"/></mergeCells></worksheet>"#,
            list_copy(2, 0),
            list_copy(3, 1),
            list_copy(4, 2),
        );
        assert_eq!(sheet, expected);
        // The header's shared string is filled; the list row's is left to no cell.
        let strings = part(&filled, "xl/sharedStrings.xml");
        assert!(strings.contains(r#"<si><t xml:space="preserve">Ticket T-000042</t></si>"#), "{strings}");
    }

    #[test]
    fn an_excel_row_naming_an_empty_list_is_dropped_and_rows_below_move_up() {
        let filled = fill_list(&xlsx(LIST_SHEET, LIST_STRINGS, false), 0);
        let sheet = part(&filled, "xl/worksheets/sheet1.xml");
        let expected = r#"<worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><f>SUM(#REF!)</f><v>0</v></c></row><row r="3"><c r="A3" t="s"><v>2</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A3:C3"/></mergeCells></worksheet>"#;
        assert_eq!(sheet, expected);
    }

    #[test]
    fn shared_strings_after_the_sheet_in_the_archive_are_read_first_and_list_rows_follow_each_other() {
        let sheet = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row></sheetData>"#;
        let strings = "<si><t>{{field.items.sku}}</t></si><si><t>fixed</t></si>";
        let filled = fill_list(&xlsx(sheet, strings, true), 2);
        let copy = |row: usize| {
            format!(
                r#"<row r="{row}"><c r="A{row}" t="inlineStr"><is><t xml:space="preserve">SKU-{}</t></is></c><c r="B{row}" t="s"><v>1</v></c></row>"#,
                (row - 1) % 2
            )
        };
        assert_eq!(
            part(&filled, "xl/worksheets/sheet1.xml"),
            format!("<worksheet><sheetData>{}{}{}{}</sheetData></worksheet>", copy(1), copy(2), copy(3), copy(4))
        );
        assert!(part(&filled, "xl/sharedStrings.xml").contains("<si><t>fixed</t></si>"));
    }

    #[test]
    fn a_formula_shared_from_a_dropped_row_is_written_out_in_the_cells_sharing_it() {
        let sheet = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><f t="shared" ref="B1:C2" si="0">$A1&amp;A1</f></c></row><row r="2"><c r="B2"><f t="shared" si="0"/></c><c r="C2"><f t="shared" si="0"/></c></row></sheetData>"#;
        let filled = fill_list(&xlsx(sheet, "<si><t>{{field.items.sku}}</t></si>", false), 0);
        assert_eq!(
            part(&filled, "xl/worksheets/sheet1.xml"),
            r#"<worksheet><sheetData><row r="1"><c r="B1"><f>$A1&amp;A1</f></c><c r="C1"><f>$A1&amp;B1</f></c></row></sheetData></worksheet>"#
        );
    }

    #[test]
    fn formulas_references_move_with_the_rows() {
        let lists = [(5, 3)];
        let moved = Shift { lists: &lists, copy: None };
        assert_eq!(moved.formula("SUM(C5:C5)"), "SUM(C5:C7)");
        assert_eq!(
            moved.formula(
                r#"$B$7+B4+Sheet2!B7+'My ''sheet'!B6:B9+"B7"&LOG10(B6)+Table1[[#This Row],[B7]]+B:B+SUM(6:7)+c$6"#
            ),
            r#"$B$9+B4+Sheet2!B7+'My ''sheet'!B6:B9+"B7"&LOG10(B8)+Table1[[#This Row],[B7]]+B:B+SUM(6:7)+c$8"#
        );
        let second_copy = Shift { lists: &lists, copy: Some((5, 6)) };
        assert_eq!(second_copy.formula("C5*D$5+SUM(C$5:C5)+E4+E6"), "C6*D$5+SUM(C$5:C6)+E4+E8");
        let dropped = [(5, 0)];
        let dropped = Shift { lists: &dropped, copy: None };
        assert_eq!(
            dropped.formula("SUM(C5:C5)+C6+SUM(C4:C5)+C5+SUM(C5:C9)"),
            "SUM(#REF!)+C5+SUM(C4:C4)+#REF!+SUM(C5:C8)"
        );
    }

    #[test]
    fn what_is_not_a_template_is_refused() {
        let not_zip = fill(TemplateFormat::Docx, b"plain text", &mut values).unwrap_err();
        assert!(
            matches!(&not_zip, TemplateError::Corrupt(message) if message.starts_with("this is not a Word")),
            "{not_zip}"
        );
        let workbook_as_docx = archive(&[("xl/workbook.xml", "<workbook/>".to_owned())]);
        let error = placeholders(TemplateFormat::Docx, &workbook_as_docx).unwrap_err();
        assert_eq!(
            error,
            TemplateError::Corrupt("this is not a Word (.docx) document: it has no word/document.xml".into())
        );
        let broken = docx("<w:p><w:r><w:t>unclosed</w:r></w:p>");
        assert!(matches!(placeholders(TemplateFormat::Docx, &broken), Err(TemplateError::Corrupt(_))));
        let too_large = vec![0; MAX_TEMPLATE_BYTES + 1];
        assert_eq!(placeholders(TemplateFormat::Docx, &too_large), Err(TemplateError::TooLarge));
        assert_eq!(format_of("Order form.DOCX"), Some(TemplateFormat::Docx));
        assert_eq!(format_of("sheet.xls"), None);
    }
}
