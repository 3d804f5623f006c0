//! The text of documents attached to knowledge-base articles, for the search index: Word
//! (.docx), PDF and plain text (.txt).
//!
//! Uploads come from outside, so every format is read defensively: the input is at most
//! [`MAX_DOCUMENT_BYTES`], a .docx entry or a PDF stream may not expand beyond 50 MB (zip and
//! PDF bombs), the text kept is at most 2 MB, and a panic inside the PDF reader is caught and
//! reported as a corrupt document. The type is decided by the file's extension (else its
//! content type, else its first bytes), and the bytes must then agree: a `.pdf` that is not a
//! PDF is [`ExtractError::Corrupt`].
//!
//! PDF text comes from `lopdf` directly rather than `pdf-extract`: `lopdf` decodes text
//! through the fonts' ToUnicode maps and the predefined UniGB encodings (Chinese), bounds
//! decompression, and at 0.47 shares its crypto crates with the rest of the workspace, while
//! `pdf-extract` 0.12 pins the older `lopdf` 0.42 and would build a second copy of them.

use std::io::{Cursor, Read};
use std::panic::{self, AssertUnwindSafe};

use quick_xml::events::Event;

/// The largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;
/// The extracted text is cut to this many bytes (at a character boundary).
const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;
/// The most a .docx entry or a PDF stream may expand to.
const MAX_EXPANDED_BYTES: usize = 50 * 1024 * 1024;
const ACCEPTED: &str = ".docx, .pdf, .txt";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExtractError {
    /// Not one of the accepted types; holds the type that was given.
    #[error("documents of type {0} cannot be searched; the accepted types are {ACCEPTED}")]
    UnsupportedType(String),
    /// The bytes are not a readable document of the type its name says.
    #[error("the document cannot be read: {0}")]
    Corrupt(String),
    #[error("the document is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Docx,
    Pdf,
    Text,
}

/// The text of a document named `file_name`, with the content type its uploader gave.
pub fn extract_text(file_name: &str, content_type: Option<&str>, bytes: &[u8]) -> Result<String, ExtractError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ExtractError::TooLarge { limit_bytes: MAX_DOCUMENT_BYTES });
    }
    let mut text = match kind(file_name, content_type, bytes)? {
        Kind::Docx => docx_text(bytes)?,
        Kind::Pdf => pdf_text(bytes)?,
        Kind::Text => plain_text(bytes),
    };
    text.truncate(text.floor_char_boundary(MAX_TEXT_BYTES));
    Ok(text)
}

fn kind(file_name: &str, content_type: Option<&str>, bytes: &[u8]) -> Result<Kind, ExtractError> {
    let extension = file_name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase());
    let media_type = content_type.map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let declared = match (extension.as_deref(), media_type.as_deref()) {
        (Some("docx"), _) => Some(Kind::Docx),
        (Some("pdf"), _) => Some(Kind::Pdf),
        (Some("txt" | "text"), _) => Some(Kind::Text),
        (Some(other), _) => return Err(ExtractError::UnsupportedType(format!(".{other}"))),
        (None, Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")) => Some(Kind::Docx),
        (None, Some("application/pdf")) => Some(Kind::Pdf),
        (None, Some("text/plain")) => Some(Kind::Text),
        (None, _) => None,
    };
    let starts_as_pdf = bytes[..bytes.len().min(1024)].windows(5).any(|window| window == b"%PDF-");
    let starts_as_zip = bytes.starts_with(b"PK\x03\x04");
    match declared {
        Some(Kind::Pdf) if !starts_as_pdf => Err(ExtractError::Corrupt("this is not a PDF file".into())),
        Some(Kind::Docx) if !starts_as_zip => Err(ExtractError::Corrupt("this is not a Word (.docx) file".into())),
        Some(kind) => Ok(kind),
        None if starts_as_pdf => Ok(Kind::Pdf),
        None if starts_as_zip => Ok(Kind::Docx),
        None => {
            Err(ExtractError::UnsupportedType(media_type.unwrap_or_else(|| format!("\"{file_name}\" (no extension)"))))
        }
    }
}

/// The paragraphs of `word/document.xml`, one per line; tabs and line breaks kept.
fn docx_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let corrupt = |what: &str, error: &dyn std::fmt::Display| ExtractError::Corrupt(format!("{what}: {error}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| corrupt("not a zip archive", &error))?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| ExtractError::Corrupt("no word/document.xml: this is not a Word document".into()))?;
    let too_big =
        || ExtractError::Corrupt(format!("word/document.xml expands to more than {MAX_EXPANDED_BYTES} bytes"));
    if entry.size() > MAX_EXPANDED_BYTES as u64 {
        return Err(too_big());
    }
    // The declared size can lie: read one byte past the limit to know.
    let mut xml = Vec::new();
    entry
        .take(MAX_EXPANDED_BYTES as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|error| corrupt("word/document.xml cannot be unpacked", &error))?;
    if xml.len() > MAX_EXPANDED_BYTES {
        return Err(too_big());
    }

    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut text = String::new();
    let mut in_text_run = false;
    loop {
        let event = reader.read_event().map_err(|error| corrupt("word/document.xml is not valid XML", &error))?;
        match event {
            Event::Start(element) if element.local_name().as_ref() == "t" => in_text_run = true,
            Event::End(element) if element.local_name().as_ref() == "t" => in_text_run = false,
            Event::End(element) if element.local_name().as_ref() == "p" => text.push('\n'),
            Event::Empty(element) => match element.local_name().as_ref() {
                "tab" => text.push('\t'),
                "br" | "cr" => text.push('\n'),
                _ => {}
            },
            Event::Text(content) if in_text_run => text.push_str(&content.xml10_content()),
            Event::CData(content) if in_text_run => text.push_str(&content),
            Event::GeneralRef(reference) if in_text_run => {
                if let Ok(Some(character)) = reference.resolve_char_ref() {
                    text.push(character);
                } else if let Some(entity) = quick_xml::escape::resolve_predefined_entity(&reference) {
                    text.push_str(entity);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if text.len() > MAX_TEXT_BYTES {
            break;
        }
    }
    Ok(text)
}

/// The text of every page, in order. lopdf is large and fed untrusted bytes: a panic in it
/// is a corrupt document, not a crash.
fn pdf_text(bytes: &[u8]) -> Result<String, ExtractError> {
    panic::catch_unwind(AssertUnwindSafe(|| read_pdf(bytes))).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|reason| (*reason).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the PDF reader failed".to_owned());
        Err(ExtractError::Corrupt(format!("the PDF reader failed on it: {reason}")))
    })
}

fn read_pdf(bytes: &[u8]) -> Result<String, ExtractError> {
    let options = lopdf::LoadOptions { max_decompressed_size: Some(MAX_EXPANDED_BYTES), ..Default::default() };
    let document = lopdf::Document::load_mem_with_options(bytes, options)
        .map_err(|error| ExtractError::Corrupt(format!("this PDF cannot be read: {error}")))?;
    let mut text = String::new();
    let mut failures = 0;
    for page_id in document.get_pages().into_values() {
        // One unreadable page should not lose the rest of the document.
        if page_text(&document, page_id, &mut text).is_err() {
            failures += 1;
        }
        if text.len() > MAX_TEXT_BYTES {
            break;
        }
    }
    if text.trim().is_empty() && document.is_encrypted() {
        return Err(ExtractError::Corrupt("the PDF is encrypted".into()));
    }
    if text.trim().is_empty() && failures > 0 {
        return Err(ExtractError::Corrupt("no page of this PDF has readable text".into()));
    }
    Ok(text)
}

/// Appends the text a page shows, through each font's encoding (its ToUnicode map, or a
/// standard or predefined one). Unlike `lopdf`'s own `extract_text`, a move to another line
/// (`Td`, `TD`, `Tm`, `T*`) ends the line and a wide gap inside a `TJ` array is a space:
/// without them the last word of a line and the first of the next would index as one.
fn page_text(document: &lopdf::Document, page_id: lopdf::ObjectId, text: &mut String) -> lopdf::Result<()> {
    use lopdf::Object;

    let encodings: Vec<(Vec<u8>, lopdf::Encoding)> = document
        .get_page_fonts(page_id)?
        .into_iter()
        .filter_map(|(name, font)| Some((name, font.get_font_encoding_with_limit(document, MAX_EXPANDED_BYTES).ok()?)))
        .collect();
    let content = lopdf::content::Content::decode(&document.get_page_content_with_limit(page_id, MAX_EXPANDED_BYTES)?)?;
    let mut encoding: Option<&lopdf::Encoding> = None;
    let mut line_y: Option<f32> = None;
    let new_line = |text: &mut String| {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
    };
    let show = |text: &mut String, encoding: Option<&lopdf::Encoding>, operand: &Object| {
        if let (Some(encoding), Object::String(bytes, _)) = (encoding, operand)
            && let Ok(decoded) = lopdf::Document::decode_text(encoding, bytes)
        {
            text.push_str(&decoded);
        }
    };
    for operation in &content.operations {
        let operands = &operation.operands;
        match operation.operator.as_str() {
            "Tf" => {
                let name = operands.first().and_then(|operand| operand.as_name().ok());
                encoding =
                    name.and_then(|name| encodings.iter().find(|(font, _)| font == name).map(|(_, found)| found));
            }
            "Tj" => operands.iter().for_each(|operand| show(text, encoding, operand)),
            "'" | "\"" => {
                new_line(text);
                operands.last().into_iter().for_each(|operand| show(text, encoding, operand));
            }
            "TJ" => {
                for part in operands.iter().filter_map(|operand| operand.as_array().ok()).flatten() {
                    match part.as_float() {
                        // Thousandths of the font size: a gap wider than about a space.
                        Ok(gap) if gap < -200.0 && !text.ends_with(' ') => text.push(' '),
                        Ok(_) => {}
                        Err(_) => show(text, encoding, part),
                    }
                }
            }
            "Td" | "TD" => {
                let moved_down = operands.get(1).and_then(|operand| operand.as_float().ok()).is_some_and(|y| y != 0.0);
                if moved_down {
                    new_line(text);
                } else if !text.is_empty() && !text.ends_with([' ', '\n']) {
                    text.push(' ');
                }
            }
            "Tm" => {
                let y = operands.get(5).and_then(|operand| operand.as_float().ok());
                if y != line_y {
                    new_line(text);
                    line_y = y;
                }
            }
            "T*" | "ET" => new_line(text),
            _ => {}
        }
    }
    new_line(text);
    Ok(())
}

/// UTF-8 (a BOM is dropped), UTF-16 with a BOM, else GB18030 (which covers GBK and GB2312,
/// what Chinese Windows saves plain text in).
fn plain_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_length..]);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/extract/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    #[test]
    fn reads_the_paragraphs_of_a_word_document_in_chinese_and_english() {
        let text = extract_text("退款指南.docx", None, &fixture("refund-guide.docx")).unwrap();
        assert!(text.contains("退款流程"), "{text}");
        assert!(text.contains("Refund policy & returns"), "{text}");
        assert!(text.contains("七个工作日"), "{text}");
        assert!(text.lines().count() >= 3, "one line per paragraph: {text:?}");
    }

    #[test]
    fn reads_the_text_of_a_pdf() {
        let text = extract_text("warranty.pdf", Some("application/pdf"), &fixture("warranty.pdf")).unwrap();
        assert!(text.contains("Warranty claims"), "{text}");
        assert!(text.contains("within 24 months"), "{text}");
    }

    #[test]
    fn reads_chinese_text_of_a_pdf() {
        let text = extract_text("挂失.pdf", None, &fixture("card-loss-zh.pdf")).unwrap();
        assert!(text.contains("信用卡挂失"), "{text}");
    }

    #[test]
    fn decodes_gb18030_text() {
        let text = extract_text("notice.txt", Some("text/plain"), &fixture("notice-gb18030.txt")).unwrap();
        assert!(text.contains("快递延误"), "{text}");
    }

    #[test]
    fn drops_the_utf8_byte_order_mark() {
        let text = extract_text("notice.txt", None, &fixture("notice-utf8-bom.txt")).unwrap();
        assert!(text.starts_with("密码重置"), "{text:?}");
    }

    #[test]
    fn decodes_utf16_with_a_byte_order_mark() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("退款 refund".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(extract_text("a.txt", None, &bytes).unwrap(), "退款 refund");
    }

    #[test]
    fn a_pdf_that_is_not_a_pdf_is_corrupt() {
        let error = extract_text("report.pdf", None, b"just some text").unwrap_err();
        assert!(matches!(error, ExtractError::Corrupt(_)), "{error:?}");
        let mut truncated = fixture("warranty.pdf");
        truncated.truncate(40);
        let error = extract_text("report.pdf", None, &truncated).unwrap_err();
        assert!(matches!(error, ExtractError::Corrupt(_)), "{error:?}");
        let error = extract_text("report.docx", None, b"PK\x03\x04 but not really a zip").unwrap_err();
        assert!(matches!(error, ExtractError::Corrupt(_)), "{error:?}");
    }

    #[test]
    fn other_types_are_refused_with_the_accepted_ones_named() {
        let error = extract_text("setup.exe", None, b"MZ\x90\x00").unwrap_err();
        assert_eq!(error, ExtractError::UnsupportedType(".exe".into()));
        assert!(error.to_string().contains(".docx, .pdf, .txt"), "{error}");
        let error = extract_text("blob", Some("application/octet-stream"), b"\x00\x01").unwrap_err();
        assert_eq!(error, ExtractError::UnsupportedType("application/octet-stream".into()));
    }

    #[test]
    fn without_an_extension_the_content_type_or_the_bytes_decide() {
        let text = extract_text("upload", Some("text/plain; charset=utf-8"), "退款".as_bytes()).unwrap();
        assert_eq!(text, "退款");
        let text = extract_text("upload", None, &fixture("warranty.pdf")).unwrap();
        assert!(text.contains("Warranty claims"), "{text}");
    }

    #[test]
    fn refuses_documents_over_the_limit() {
        let bytes = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(
            extract_text("big.txt", None, &bytes),
            Err(ExtractError::TooLarge { limit_bytes: MAX_DOCUMENT_BYTES })
        );
    }

    #[test]
    fn cuts_long_text_at_a_character_boundary() {
        let text = "退".repeat(MAX_TEXT_BYTES / 3 + 10);
        let extracted = extract_text("long.txt", None, text.as_bytes()).unwrap();
        assert!(extracted.len() <= MAX_TEXT_BYTES);
        assert!(extracted.len() > MAX_TEXT_BYTES - 3);
        assert!(extracted.chars().all(|character| character == '退'));
    }

    #[test]
    fn refuses_a_word_document_that_expands_too_much() {
        let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        archive.start_file("word/document.xml", options).unwrap();
        let block = vec![b' '; 1024 * 1024];
        for _ in 0..(MAX_EXPANDED_BYTES / block.len() + 1) {
            std::io::Write::write_all(&mut archive, &block).unwrap();
        }
        let bytes = archive.finish().unwrap().into_inner();
        assert!(bytes.len() < MAX_DOCUMENT_BYTES, "the bomb itself is small: {} bytes", bytes.len());
        let error = extract_text("bomb.docx", None, &bytes).unwrap_err();
        assert!(matches!(&error, ExtractError::Corrupt(message) if message.contains("expands")), "{error:?}");
    }
}
