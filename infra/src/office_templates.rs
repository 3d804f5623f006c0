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
//! A Word table row whose placeholders name a list (a dynamic list's column, say) is a row
//! per item: it is written once for each of the list's items, each copy filled with that
//! item's values, and not at all for an empty list.
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
/// placeholder names holds (`None`: it names no list): a Word table row naming one is
/// written once per item, `item` being the item's index (`None` elsewhere).
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
        let entry = archive.by_index(index).map_err(|error| corrupt(&format!("{name} cannot be read"), &error))?;
        let mut xml = Vec::new();
        entry
            .take(MAX_EXPANDED_BYTES + 1)
            .read_to_end(&mut xml)
            .map_err(|error| corrupt(&format!("{name} cannot be unpacked"), &error))?;
        if xml.len() as u64 > MAX_EXPANDED_BYTES {
            return Err(TemplateError::Corrupt(format!("{name} expands to more than {MAX_EXPANDED_BYTES} bytes")));
        }
        let filled = rewrite_part(format, &xml, value, Some(items), None).map_err(|error| corrupt(&name, &error))?;
        output.start_file(name.as_str(), options).map_err(|error| corrupt("writing the document", &error))?;
        output.write_all(&filled).map_err(|error| corrupt("writing the document", &error))?;
    }
    let written = output.finish().map_err(|error| corrupt("writing the document", &error))?;
    Ok(written.into_inner())
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
            match &event {
                Event::Text(part) => {
                    content.push_str(&part.xml10_content());
                    continue;
                }
                Event::CData(part) => {
                    content.push_str(&part[..]);
                    continue;
                }
                Event::GeneralRef(reference) => {
                    if let Ok(Some(character)) = reference.resolve_char_ref() {
                        content.push(character);
                    } else if let Some(entity) = quick_xml::escape::resolve_predefined_entity(reference) {
                        content.push_str(entity);
                    }
                    continue;
                }
                Event::End(end) if end.local_name().as_ref() == "t" => {
                    let (start, content) = text.take().expect("inside a text element");
                    let paragraph = open.last_mut().expect("text elements are read inside paragraphs");
                    paragraph.push(Piece::Text { start, text: content, end: end.clone(), changed: false });
                    continue;
                }
                _ => {}
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
