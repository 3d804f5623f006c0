//! What a person typed into the search box, as a tantivy query, and the terms to highlight.
//!
//! The syntax is tantivy's query grammar (`query_grammar`, the front end of its
//! `QueryParser`): words, "quoted phrases" (with `~slop`), `+must`, `-mustnot`, `AND`, `OR`,
//! `NOT`, parentheses, `^boost` and `field:` for the public fields (`title`, `keywords`,
//! `summary`, `body`, `attachments`). The grammar's tree is turned into a query here rather
//! than by `QueryParser`, for two reasons:
//! - `QueryParser` makes every unquoted word that cuts into several tokens a phrase query, and
//!   a Chinese question is one "word" (`信用卡挂失怎么办`): it would only find articles that
//!   contain the question verbatim. Here an unquoted word's tokens are alternatives, and BM25
//!   ranks the articles that match more of them first; quotes still ask for the exact phrase.
//! - Typos: an English term of [`FUZZY_FROM_LETTERS`] letters or more also matches terms one
//!   edit away (a letter added, dropped, changed, or two neighbours swapped), weighted down by
//!   [`FUZZY_WEIGHT`] so that exact matches rank first; `QueryParser`'s fuzzy setting applies
//!   to every term of a field, Chinese ones included, at full weight. Two edits for words of 8
//!   letters or more were tried: on the benchmark's index searches took a quarter longer (the
//!   walk of the term dictionaries for fuzzy terms was the largest single item in a profile of
//!   a search), and two edits match other words (`password` and `passport`).
//!
//! Field names other than the public ones (the tenant, the article, the category) are refused:
//! those filters are built by the index, never from what a user typed.

use std::collections::{HashMap, HashSet};

use tantivy::query::{
    AutomatonWeight, BooleanQuery, BoostQuery, EnableScoring, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
    Weight,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Score, Term};

use super::SearchError;

/// English terms this long or longer also match at [`FUZZY_EDITS`] (a typo: `pasword`).
const FUZZY_FROM_LETTERS: usize = 4;
/// How far a fuzzy match may be from the term typed.
const FUZZY_EDITS: u8 = 1;
/// A fuzzy match scores a constant, this share of its field's boost: below what an exact
/// match of the same term usually scores with BM25.
const FUZZY_WEIGHT: Score = 0.3;
/// A highlighted fuzzy match counts this much towards choosing a snippet (an exact one 1).
const FUZZY_HIGHLIGHT_WEIGHT: Score = 0.5;

/// A field a search may name, how much a match in it weighs, and whether typos match in it.
pub(super) struct SearchableField {
    pub name: &'static str,
    pub field: Field,
    pub boost: Score,
    /// Each fuzzy field costs a walk of its term dictionary per segment and term (see
    /// [`EnglishFuzzyQuery`]): the summary repeats the body, and an attachment's long text
    /// would mostly add false matches.
    pub fuzzy: bool,
}

/// The query built from the user's text, and what to highlight in each field.
pub(super) struct UserQuery {
    pub query: Box<dyn Query>,
    pub highlights: Highlights,
}

/// Terms to mark, per field: those of the query's positive clauses (not of excluded ones).
#[derive(Default)]
pub(super) struct Highlights {
    by_field: HashMap<Field, HighlightTerms>,
}

impl Highlights {
    pub fn for_field(&self, field: Field) -> Option<&HighlightTerms> {
        self.by_field.get(&field)
    }
}

#[derive(Default)]
pub(super) struct HighlightTerms {
    exact: HashSet<String>,
    /// Terms that also match at [`FUZZY_EDITS`].
    fuzzy: Vec<String>,
}

impl HighlightTerms {
    /// How much a token (already analysed: lower-cased, stemmed) matching the query weighs,
    /// or `None` when it does not match.
    pub fn weight(&self, token: &str) -> Option<Score> {
        if self.exact.contains(token) {
            return Some(1.0);
        }
        self.fuzzy.iter().any(|term| within_edits(token, term, FUZZY_EDITS)).then_some(FUZZY_HIGHLIGHT_WEIGHT)
    }
}

/// Parses `text` (already checked for length) into a query over `fields`.
pub(super) fn parse(text: &str, fields: &[SearchableField], analyzer: &TextAnalyzer) -> Result<UserQuery, SearchError> {
    let prepared = prepare(text)?;
    let ast = query_grammar::parse_query(&prepared.text).map_err(|_| prepared.syntax_error())?;
    let mut builder = Builder { fields, analyzer: analyzer.clone(), highlights: Highlights::default() };
    let query = builder
        .convert(ast, false)?
        .ok_or_else(|| SearchError::InvalidQuery("there is nothing to search for: the text has no words".into()))?;
    Ok(UserQuery { query, highlights: builder.highlights })
}

/// The text as the grammar gets it, and where backslashes were inserted (byte offsets into
/// the original), to report positions in the original.
struct Prepared {
    text: String,
    inserted_at: Vec<usize>,
}

impl Prepared {
    /// The grammar's own account of the first problem, at a character position of the text
    /// the user typed.
    fn syntax_error(&self) -> SearchError {
        let (_, errors) = query_grammar::parse_query_lenient(&self.text);
        let Some(error) = errors.into_iter().next() else {
            return SearchError::Syntax(
                "an operator (AND, OR, NOT, +, -, ^, ~) or a field name has nothing to work on".into(),
            );
        };
        // The n-th backslash inserted sits at its original offset + n in the prepared text.
        let inserted_before =
            self.inserted_at.iter().enumerate().filter(|(index, at)| **at + index < error.pos).count();
        let before = self.text.get(..error.pos).unwrap_or(&self.text);
        let character = before.chars().count() - inserted_before + 1;
        SearchError::Syntax(format!("{} at character {character}", error.message))
    }
}

/// Checks that quotes and parentheses are balanced (with messages that say so, which the
/// grammar's do not), and escapes apostrophes inside or at the end of words (`customer's`,
/// `customers'`), which the grammar would take for the start of a quoted phrase.
fn prepare(text: &str) -> Result<Prepared, SearchError> {
    #[derive(Clone, Copy)]
    enum State {
        Outside,
        Quoted { quote: char, opened_at: usize },
    }
    let mut state = State::Outside;
    let mut open_parentheses: Vec<usize> = Vec::new();
    let mut prepared = String::with_capacity(text.len() + 8);
    let mut inserted_at = Vec::new();
    let mut previous: Option<char> = None;
    let mut characters = text.char_indices().enumerate();
    while let Some((character, (byte, current))) = characters.next() {
        match state {
            _ if current == '\\' => {
                prepared.push(current);
                if let Some((_, (_, escaped))) = characters.next() {
                    prepared.push(escaped);
                }
                previous = Some(current);
                continue;
            }
            State::Quoted { quote, .. } => {
                if current == quote {
                    state = State::Outside;
                }
            }
            State::Outside => match current {
                '"' => state = State::Quoted { quote: current, opened_at: character },
                '\'' if previous.is_some_and(char::is_alphanumeric) => {
                    inserted_at.push(byte);
                    prepared.push('\\');
                }
                '\'' => state = State::Quoted { quote: current, opened_at: character },
                '(' => open_parentheses.push(character),
                ')' => {
                    let Some(_) = open_parentheses.pop() else {
                        return Err(SearchError::Syntax(format!(
                            "unbalanced parenthesis: the ) at character {} has no ( before it",
                            character + 1
                        )));
                    };
                }
                _ => {}
            },
        }
        prepared.push(current);
        previous = Some(current);
    }
    if let State::Quoted { quote, opened_at } = state {
        return Err(SearchError::Syntax(format!(
            "unbalanced quote: the {quote} at character {} is never closed",
            opened_at + 1
        )));
    }
    if let Some(opened_at) = open_parentheses.first() {
        return Err(SearchError::Syntax(format!(
            "unbalanced parenthesis: the ( at character {} is never closed",
            opened_at + 1
        )));
    }
    Ok(Prepared { text: prepared, inserted_at })
}

struct Builder<'a> {
    fields: &'a [SearchableField],
    analyzer: TextAnalyzer,
    highlights: Highlights,
}

impl<'a> Builder<'a> {
    /// The query of one node of the grammar's tree; `None` when it holds no words (only
    /// punctuation). `excluded` says the node is under a `-`/`NOT`: its terms are not
    /// highlighted and do not match fuzzily (a typo-tolerant exclusion would exclude too much).
    fn convert(&mut self, ast: UserInputAst, excluded: bool) -> Result<Option<Box<dyn Query>>, SearchError> {
        match ast {
            UserInputAst::Clause(children) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(children.len());
                for (occur, child) in children {
                    let occur = occur.unwrap_or(Occur::Should);
                    let child_excluded = excluded != (occur == Occur::MustNot);
                    if let Some(query) = self.convert(child, child_excluded)? {
                        clauses.push((occur, query));
                    }
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) && !clauses.is_empty() {
                    return Err(SearchError::Syntax(
                        "a search needs at least one word that is not excluded with - or NOT".into(),
                    ));
                }
                if clauses.len() <= 1 {
                    return Ok(clauses.pop().map(|(_, query)| query));
                }
                Ok(Some(Box::new(BooleanQuery::new(clauses))))
            }
            UserInputAst::Boost(inner, boost) => Ok(self
                .convert(*inner, excluded)?
                .map(|query| Box::new(BoostQuery::new(query, boost.into_inner() as Score)) as Box<dyn Query>)),
            UserInputAst::Leaf(leaf) => match *leaf {
                UserInputLeaf::Literal(literal) => self.literal(literal, excluded),
                UserInputLeaf::All => {
                    Err(SearchError::Syntax("* alone would match every article: type the words to search for".into()))
                }
                UserInputLeaf::Range { .. } => {
                    Err(SearchError::Syntax("range searches ([a TO b], >a) are not supported".into()))
                }
                UserInputLeaf::Set { .. } => Err(SearchError::Syntax("IN [...] searches are not supported".into())),
                UserInputLeaf::Exists { field } => {
                    Err(SearchError::Syntax(format!("{field}:* searches are not supported; type words to search for")))
                }
                UserInputLeaf::Regex { .. } => {
                    Err(SearchError::Syntax("regular expressions (/.../) are not supported".into()))
                }
            },
        }
    }

    fn literal(&mut self, literal: UserInputLiteral, excluded: bool) -> Result<Option<Box<dyn Query>>, SearchError> {
        let fields = self.fields_named(literal.field_name.as_deref())?;
        if literal.prefix {
            return Err(SearchError::Syntax("prefix searches (\"...\"*) are not supported".into()));
        }
        let tokens = self.tokens(&literal.phrase);
        if tokens.is_empty() {
            return Ok(None);
        }
        let quoted = literal.delimiter != Delimiter::None;
        if !excluded {
            for field in &fields {
                let terms = self.highlights.by_field.entry(field.field).or_default();
                for (_, token) in &tokens {
                    terms.exact.insert(token.clone());
                    if !quoted && field.fuzzy && is_fuzzy(token) {
                        terms.fuzzy.push(token.clone());
                    }
                }
            }
        }
        if quoted && tokens.len() > 1 {
            return Ok(Some(phrase_query(&fields, &tokens, literal.slop)));
        }
        // Unquoted: each token in each field is an alternative, so an article matching more
        // of them scores higher. One flat union: nested ones cost a buffer each per segment.
        let fuzzy = !quoted && !excluded;
        let mut alternatives: Vec<Box<dyn Query>> = Vec::with_capacity(tokens.len() * fields.len() * 2);
        let mut seen: Vec<&str> = Vec::with_capacity(tokens.len());
        for (_, token) in &tokens {
            if !seen.contains(&token.as_str()) {
                seen.push(token);
                push_term_alternatives(&mut alternatives, &fields, token, fuzzy);
            }
        }
        if alternatives.len() == 1 {
            return Ok(alternatives.pop());
        }
        Ok(Some(Box::new(BooleanQuery::union(alternatives))))
    }

    fn fields_named(&self, name: Option<&str>) -> Result<Vec<&'a SearchableField>, SearchError> {
        let Some(name) = name else {
            return Ok(self.fields.iter().collect());
        };
        match self.fields.iter().find(|field| field.name.eq_ignore_ascii_case(name)) {
            Some(field) => Ok(vec![field]),
            None => Err(SearchError::Syntax(format!(
                "unknown field \"{name}\": a search can name {} (put text with a colon in quotes)",
                self.fields.iter().map(|field| field.name).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// The analysed tokens of `text` with their positions.
    fn tokens(&mut self, text: &str) -> Vec<(usize, String)> {
        let mut stream = self.analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push((token.position, token.text.clone()));
        }
        tokens
    }
}

/// One token in each of `fields`, with the field's boost; an English term also fuzzily in the
/// fields that allow it.
fn push_term_alternatives(
    alternatives: &mut Vec<Box<dyn Query>>,
    fields: &[&SearchableField],
    token: &str,
    fuzzy: bool,
) {
    let fuzzy = fuzzy && is_fuzzy(token);
    for field in fields {
        let term = Term::from_field_text(field.field, token);
        alternatives.push(boosted(Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)), field.boost));
        if fuzzy && field.fuzzy {
            let typos = EnglishFuzzyQuery { term };
            alternatives.push(Box::new(BoostQuery::new(Box::new(typos), field.boost * FUZZY_WEIGHT)));
        }
    }
}

/// The tokens in this order in any of `fields`.
fn phrase_query(fields: &[&SearchableField], tokens: &[(usize, String)], slop: u32) -> Box<dyn Query> {
    let first = tokens[0].0;
    let alternatives: Vec<Box<dyn Query>> = fields
        .iter()
        .map(|field| {
            let terms =
                tokens.iter().map(|(position, token)| (position - first, Term::from_field_text(field.field, token)));
            boosted(Box::new(PhraseQuery::new_with_offset_and_slop(terms.collect(), slop)), field.boost)
        })
        .collect();
    if alternatives.len() == 1 {
        return alternatives.into_iter().next().expect("one alternative");
    }
    Box::new(BooleanQuery::union(alternatives))
}

fn boosted(query: Box<dyn Query>, boost: Score) -> Box<dyn Query> {
    if boost == 1.0 { query } else { Box::new(BoostQuery::new(query, boost)) }
}

/// Whether a term also matches with a typo: English words (ASCII letters) of some length;
/// never Chinese, where one character off is another word.
fn is_fuzzy(term: &str) -> bool {
    term.len() >= FUZZY_FROM_LETTERS && term.bytes().all(|byte| byte.is_ascii_lowercase())
}

/// The terms at most [`FUZZY_EDITS`] from an English term, among the ASCII terms of its
/// field; each matching document scores 1 (before boosts), like tantivy's `FuzzyTermQuery`.
///
/// `FuzzyTermQuery` walks each segment's term dictionary with a Levenshtein automaton that,
/// allowed one edit, takes any first character: it walks into the first character of every
/// Chinese word (three bytes) before the second tells it to stop. That walk was the largest
/// single item in a profile of a search. An English word is within one edit of ASCII terms
/// only, so here the walk stops at the first byte that is not ASCII: about 8 % less time per
/// search on the benchmark's index.
#[derive(Clone, Debug)]
struct EnglishFuzzyQuery {
    term: Term,
}

impl Query for EnglishFuzzyQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let automaton = FuzzyTermQuery::new(self.term.clone(), FUZZY_EDITS, true).automaton()?;
        Ok(Box::new(AutomatonWeight::new(self.term.field(), AsciiOnly(automaton))))
    }
}

/// An automaton that also rejects any byte outside ASCII.
struct AsciiOnly<A>(A);

impl<A: tantivy_fst::Automaton> tantivy_fst::Automaton for AsciiOnly<A> {
    /// `None` once a byte outside ASCII was read.
    type State = Option<A::State>;

    fn start(&self) -> Self::State {
        Some(self.0.start())
    }

    fn is_match(&self, state: &Self::State) -> bool {
        state.as_ref().is_some_and(|state| self.0.is_match(state))
    }

    fn can_match(&self, state: &Self::State) -> bool {
        state.as_ref().is_some_and(|state| self.0.can_match(state))
    }

    fn accept(&self, state: &Self::State, byte: u8) -> Self::State {
        let state = state.as_ref()?;
        byte.is_ascii().then(|| self.0.accept(state, byte))
    }
}

/// Whether `left` and `right` (ASCII) are at most `distance` edits apart, counting a swap of
/// two neighbours as one edit, as tantivy's fuzzy query does.
fn within_edits(left: &str, right: &str, distance: u8) -> bool {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    let distance = distance as usize;
    if left.len().abs_diff(right.len()) > distance {
        return false;
    }
    // Optimal string alignment distance, three rows.
    let mut before_previous: Vec<usize> = vec![0; right.len() + 1];
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    let mut current: Vec<usize> = vec![0; right.len() + 1];
    for left_index in 1..=left.len() {
        current[0] = left_index;
        for right_index in 1..=right.len() {
            let substitution = usize::from(left[left_index - 1] != right[right_index - 1]);
            let mut cost = (previous[right_index] + 1)
                .min(current[right_index - 1] + 1)
                .min(previous[right_index - 1] + substitution);
            if left_index > 1
                && right_index > 1
                && left[left_index - 1] == right[right_index - 2]
                && left[left_index - 2] == right[right_index - 1]
            {
                cost = cost.min(before_previous[right_index - 2] + 1);
            }
            current[right_index] = cost;
        }
        if current.iter().min().is_some_and(|smallest| *smallest > distance) {
            return false;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[right.len()] <= distance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_typos_as_tantivy_does() {
        assert!(within_edits("pasword", "password", 1));
        assert!(within_edits("recieve", "receive", 1));
        assert!(!within_edits("refund", "return", 1));
        assert!(within_edits("refund", "refund", 1));
        assert!(!within_edits("ship", "shipment", 2));
    }

    #[test]
    fn only_longer_english_terms_are_fuzzy() {
        assert!(is_fuzzy("card") && is_fuzzy("password"));
        assert!(!is_fuzzy("car"));
        assert!(!is_fuzzy("退款流程"));
        assert!(!is_fuzzy("iphone15"));
    }

    #[test]
    fn apostrophes_inside_words_are_not_quotes() {
        let prepared = prepare("customer's refund").unwrap();
        assert_eq!(prepared.text, "customer\\'s refund");
        assert!(query_grammar::parse_query(&prepared.text).is_ok());
        assert!(prepare("'refund policy'").is_ok());
    }

    #[test]
    fn unbalanced_quotes_and_parentheses_are_named_with_their_position() {
        let message = |text: &str| match prepare(text) {
            Err(SearchError::Syntax(message)) => message,
            other => panic!("{text}: {:?}", other.map(|prepared| prepared.text)),
        };
        assert_eq!(message("refund \"policy"), "unbalanced quote: the \" at character 8 is never closed");
        assert_eq!(message("(a OR b"), "unbalanced parenthesis: the ( at character 1 is never closed");
        assert_eq!(message("a) b"), "unbalanced parenthesis: the ) at character 2 has no ( before it");
        assert!(prepare("\"(quoted)\" and \\( escaped").is_ok());
    }
}
