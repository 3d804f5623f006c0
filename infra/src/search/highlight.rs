//! Titles and snippets of hits as HTML: the text escaped, matched terms in `<mark>`.
//!
//! Written here rather than with tantivy's `SnippetGenerator`, which measures its fragments in
//! bytes (160 bytes are 53 Chinese characters) and highlights only the exact terms of the
//! query; here a fragment is [`SNIPPET_CHARS`] characters and fuzzy matches are marked too.
//! The text is cut with the index's own analyzer, so a match is marked exactly where the
//! index found it.

use std::ops::Range;

use tantivy::Score;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::query::HighlightTerms;

/// The length of a snippet, in characters.
pub(super) const SNIPPET_CHARS: usize = 160;
/// At most this many characters of context before the first match of a snippet.
const CONTEXT_CHARS: usize = 24;
/// Only this much of a field is searched for a snippet: an attachment's text may be 2 MB,
/// and cutting it all for every hit would cost more than the search.
const SCAN_BYTES: usize = 32 * 1024;

/// The whole of `text` (a title), escaped, with every match marked.
pub(super) fn mark_all(analyzer: &mut TextAnalyzer, text: &str, terms: Option<&HighlightTerms>) -> String {
    let marks = match terms {
        Some(terms) => merged(matches(analyzer, text, terms).into_iter().map(|(range, _)| range).collect()),
        None => Vec::new(),
    };
    let mut html = String::with_capacity(text.len() + 16);
    push_marked(&mut html, text, 0..text.len(), &marks);
    html
}

/// The fragment of `text` with the most matches, escaped and marked, with "…" where it was
/// cut; `None` when nothing in the (scanned part of the) text matches.
pub(super) fn best_fragment(analyzer: &mut TextAnalyzer, text: &str, terms: &HighlightTerms) -> Option<String> {
    let scanned = &text[..text.floor_char_boundary(SCAN_BYTES)];
    let found = matches(analyzer, scanned, terms);
    // Windows are chosen in characters: each match's place in characters, in one pass.
    let mut places: Vec<(usize, usize, Score)> = Vec::with_capacity(found.len());
    let (mut byte, mut character) = (0, 0);
    for (range, weight) in &found {
        character += scanned[byte..range.start].chars().count();
        byte = range.start;
        places.push((character, character + scanned[range.clone()].chars().count(), *weight));
    }
    // The window opening a little before a match that holds the most; the first on a tie.
    let mut best: Option<(Score, usize)> = None;
    for (index, (start, ..)) in places.iter().enumerate() {
        let window_start = start.saturating_sub(CONTEXT_CHARS);
        let window_end = window_start + SNIPPET_CHARS;
        let score: Score = places
            .iter()
            .filter(|(other_start, other_end, _)| *other_start >= window_start && *other_end <= window_end)
            .map(|(.., weight)| weight)
            .sum();
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, index));
        }
    }
    let (_, best_index) = best?;
    let window = window_around(text, found[best_index].0.start);
    let marks = merged(
        found
            .into_iter()
            .map(|(range, _)| range)
            .filter(|range| range.start >= window.start && range.end <= window.end)
            .collect(),
    );
    Some(fragment_html(text, window, &marks))
}

/// The start of `text`, escaped, for a hit whose match is not in its snippet's fields.
pub(super) fn leading_fragment(text: &str) -> String {
    let end = char_forward(text, 0, SNIPPET_CHARS);
    fragment_html(text, 0..end, &[])
}

/// Byte ranges of the tokens of `text` that match, with their weights.
fn matches(analyzer: &mut TextAnalyzer, text: &str, terms: &HighlightTerms) -> Vec<(Range<usize>, Score)> {
    let mut found = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        if let Some(weight) = terms.weight(&token.text) {
            found.push((token.offset_from..token.offset_to, weight));
        }
    }
    found.sort_by_key(|(range, _)| (range.start, range.end));
    found
}

/// Overlapping and touching ranges as one: a word and the shorter words inside it (`信用卡`,
/// `信用`), or two matched words with nothing between them, get one mark.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|range| (range.start, range.end));
    let mut result: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match result.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => result.push(range),
        }
    }
    result
}

/// A window of [`SNIPPET_CHARS`] characters that starts a little before `match_start`: at
/// most [`CONTEXT_CHARS`] characters, and after a space when there is one in that stretch,
/// so that an English snippet does not begin inside a word.
fn window_around(text: &str, match_start: usize) -> Range<usize> {
    let mut start = char_backward(text, match_start, CONTEXT_CHARS);
    if start > 0
        && let Some(space) = text[start..match_start].find(char::is_whitespace)
    {
        start += space + 1;
    }
    start..char_forward(text, start, SNIPPET_CHARS)
}

/// The byte offset `count` characters after `from` (or the end).
fn char_forward(text: &str, from: usize, count: usize) -> usize {
    text[from..].char_indices().nth(count).map_or(text.len(), |(offset, _)| from + offset)
}

/// The byte offset `count` characters before `from` (or 0).
fn char_backward(text: &str, from: usize, count: usize) -> usize {
    text[..from].char_indices().rev().nth(count.saturating_sub(1)).map_or(0, |(offset, _)| offset)
}

fn fragment_html(text: &str, window: Range<usize>, marks: &[Range<usize>]) -> String {
    let mut html = String::with_capacity(window.len() + 32);
    if window.start > 0 {
        html.push('…');
    }
    let trimmed_start = window.start + (text[window.clone()].len() - text[window.clone()].trim_start().len());
    let trimmed_end = window.start + text[window.clone()].trim_end().len();
    push_marked(&mut html, text, trimmed_start..trimmed_end.max(trimmed_start), marks);
    if window.end < text.len() {
        html.push('…');
    }
    html
}

/// `text[window]`, escaped, with the `marks` (sorted, not overlapping, inside the window
/// or outside it entirely) wrapped in `<mark>`.
fn push_marked(html: &mut String, text: &str, window: Range<usize>, marks: &[Range<usize>]) {
    let mut at = window.start;
    for mark in marks {
        let start = mark.start.max(window.start);
        let end = mark.end.min(window.end);
        if start >= end || start < at {
            continue;
        }
        escape_into(html, &text[at..start]);
        html.push_str("<mark>");
        escape_into(html, &text[start..end]);
        html.push_str("</mark>");
        at = end;
    }
    escape_into(html, &text[at..window.end]);
}

fn escape_into(html: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            other => html.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_keeps_marks_outside_the_escaping() {
        let mut html = String::new();
        let text = "a <b>&\"x\" 'y'";
        push_marked(&mut html, text, 0..text.len(), &[3..4, 7..8]);
        assert_eq!(html, "a &lt;<mark>b</mark>&gt;&amp;&quot;<mark>x</mark>&quot; &#39;y&#39;");
    }

    #[test]
    fn merges_a_word_with_the_words_inside_it() {
        assert_eq!(merged(vec![0..9, 0..6, 12..15, 15..18]), vec![0..9, 12..18]);
    }

    #[test]
    fn windows_count_characters_not_bytes() {
        let text = "退".repeat(400);
        let window = window_around(&text, 3 * 100);
        assert_eq!(text[window].chars().count(), SNIPPET_CHARS);
        assert_eq!(char_backward("abc", 3, 2), 1);
        assert_eq!(char_backward("abc", 1, 5), 0);
        assert_eq!(char_forward("退款", 0, 1), 3);
    }
}
