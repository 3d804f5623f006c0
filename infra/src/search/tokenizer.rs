//! The `hotline_text` analyzer: Chinese and English text into index terms.
//!
//! jieba's search mode cuts the text into words and also yields the dictionary words inside a
//! long word (`信用卡` gives `信用` and `信用卡`), so that a query for either finds it. Runs of
//! Latin letters and digits come out as words of their own. Tokens that are only spaces or
//! punctuation are dropped; the rest are lower-cased and stemmed as English (the stemmer
//! leaves words without Latin suffixes, Chinese among them, as they are). Offsets are byte
//! offsets into the original text, which the highlighting relies on.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The name the text fields are indexed with.
pub(super) const TOKENIZER_NAME: &str = "hotline_text";

/// Longer tokens are dropped: they are encoded data (a base64 blob in an attachment), not
/// words anyone types, and tantivy refuses terms above 64 KiB.
const LONGEST_TOKEN_BYTES: usize = 64;

/// jieba's own dictionary (349,045 words, compiled into the binary), built into its trie once
/// per process, on first use.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// The analyzer registered as [`TOKENIZER_NAME`]; queries are cut with the same one.
pub(super) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer)
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// jieba's search mode (with its HMM for words the dictionary lacks) as a tantivy tokenizer.
#[derive(Clone)]
struct JiebaTokenizer;

/// jieba's words of one text, handed out one at a time through a single reused token, so
/// that a token costs no allocation of its own.
struct JiebaTokenStream<'a> {
    words: std::vec::IntoIter<jieba_rs::Token<'a>>,
    token: Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream<'a> {
        JiebaTokenStream { words: JIEBA.cut_for_search(text, true).into_iter(), token: Token::default() }
    }
}

impl TokenStream for JiebaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(word) = self.words.find(|word| word.word.chars().any(char::is_alphanumeric)) else {
            return false;
        };
        // `Token::default()` starts at `usize::MAX`, so the first word is at position 0.
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = word.byte_start;
        self.token.offset_to = word.byte_end;
        self.token.text.clear();
        self.token.text.push_str(word.word);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Warms the dictionary up, so the first search or indexing batch does not pay for it.
pub(super) fn load_dictionary() {
    LazyLock::force(&JIEBA);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, usize, usize)> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push((token.text.clone(), token.offset_from, token.offset_to));
        }
        terms
    }

    #[test]
    fn cuts_chinese_into_words_and_the_words_inside_them() {
        let words: Vec<String> = terms("信用卡挂失怎么办").into_iter().map(|(text, ..)| text).collect();
        assert!(words.contains(&"信用卡".to_owned()), "{words:?}");
        assert!(words.contains(&"信用".to_owned()), "{words:?}");
        assert!(words.contains(&"挂失".to_owned()), "{words:?}");
    }

    #[test]
    fn lower_cases_and_stems_english_but_leaves_chinese_alone() {
        let words: Vec<String> = terms("Shipping delays, 退款流程!").into_iter().map(|(text, ..)| text).collect();
        assert!(words.contains(&"ship".to_owned()), "{words:?}");
        assert!(words.contains(&"delay".to_owned()), "{words:?}");
        assert!(words.contains(&"退款".to_owned()), "{words:?}");
        assert!(words.iter().all(|word| word.chars().any(char::is_alphanumeric)), "punctuation kept: {words:?}");
    }

    #[test]
    fn offsets_are_byte_offsets_into_the_original_text() {
        let text = "请查看 Refunds 政策";
        let found = terms(text);
        let original = |term: &str| {
            let (_, from, to) =
                found.iter().find(|(text, ..)| text == term).unwrap_or_else(|| panic!("{term}: {found:?}"));
            &text[*from..*to]
        };
        assert_eq!(original("refund"), "Refunds");
        assert_eq!(original("政策"), "政策");
    }
}
