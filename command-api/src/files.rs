//! Files over HTTP, the same for every feature that takes uploads or serves blobs: the
//! upload's name and type from its headers, and the download response.
//!
//! An upload is the raw file as the request body, its type in `Content-Type` and its name in
//! `X-File-Name` (percent-encoded, since headers are ASCII).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hotline_infra::blobs::BlobInfo;

/// The upload's content type, lower case, without parameters (empty when missing).
pub fn upload_content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The upload's file name from `X-File-Name`, without control characters or path
/// separators, at most 200 characters; `file` when missing.
pub fn upload_name(headers: &HeaderMap) -> String {
    let name = headers
        .get("x-file-name")
        .and_then(|value| value.to_str().ok())
        .map(percent_decode)
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "file".to_owned());
    name.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\')).take(200).collect()
}

/// Decodes `%XX` escapes (UTF-8); a malformed escape stays as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(byte) = text.get(index + 1..index + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            decoded.push(byte);
            index += 3;
            continue;
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// A stored file as a response: its type (never sniffed), shown inline when `inline`, else
/// as a download under its name; cached privately for a day (a blob never changes).
pub fn file_response(info: &BlobInfo, bytes: Vec<u8>, inline: bool) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&info.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    let disposition = if inline { "inline" } else { "attachment" };
    let encoded_name: String = info
        .name
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b".-_".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename*=UTF-8''{encoded_name}")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_decoded_and_bad_escapes_kept() {
        assert_eq!(percent_decode("%E5%9B%BE.png"), "图.png");
        assert_eq!(percent_decode("100%.txt"), "100%.txt");
        assert_eq!(percent_decode("a%2"), "a%2");
        let mut headers = HeaderMap::new();
        headers.insert("x-file-name", HeaderValue::from_static("..%2F..%2Fetc%2Fpasswd"));
        assert_eq!(upload_name(&headers), "....etcpasswd");
    }
}
