use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::article::{ArticleAction, ArticleCommand};
use super::categories::DefineCategories;
use super::gaps::GapsCommand;
use super::reader::{ReaderAction, ReaderCommand};
use super::*;
use crate::{Decider, DomainError};

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("valid")
}

fn content(title: &str) -> ArticleContent {
    ArticleContent {
        category_id: None,
        title: title.to_owned(),
        keywords: vec!["退款".into(), " Refund ".into(), "refund".into(), " ".into()],
        summary: "How refunds work".into(),
        body_html: "<p>Refunds take 3 days.</p>".into(),
        attachments: vec![],
        quiz: vec![QuizQuestion {
            question_id: Uuid::from_u128(1),
            text: "How long?".into(),
            options: vec!["1 day".into(), "3 days".into()],
            correct_options: vec![1],
            explanation: "See the body.".into(),
        }],
        published: true,
    }
}

fn write(article_id: Uuid, content: ArticleContent, expected_revision: Option<u32>) -> ArticleCommand {
    ArticleCommand {
        tenant_id: Uuid::nil(),
        article_id,
        at: at(),
        action: ArticleAction::Write { content, expected_revision },
    }
}

type Decided<D> = Vec<Result<Vec<<D as Decider>::Event>, DomainError>>;

/// Decides each command in turn against the state the accepted ones built.
fn decide_all<D: Decider>(commands: &[D::Command]) -> (D::State, Decided<D>) {
    let mut state = D::State::default();
    let mut results = Vec::new();
    for command in commands {
        let result = D::decide(&state, command);
        if let Ok(events) = &result {
            state = events.iter().fold(state, D::evolve);
        }
        results.push(result);
    }
    (state, results)
}

#[test]
fn an_article_is_written_with_normalised_keywords_and_revised_from_the_revision_it_was_read_at() {
    let id = Uuid::from_u128(7);
    let (state, results) = decide_all::<Article>(&[
        write(id, content("  Refund process "), None),
        write(id, content("Refund process, updated"), Some(1)),
        write(id, content("A stale editor"), Some(1)),
        write(id, content("Refund process, updated"), Some(2)),
    ]);
    let first = &results[0].as_ref().expect("created")[0];
    let ArticleEvent::Written(written) = first else { panic!("{first:?}") };
    assert_eq!((written.revision, written.content.title.as_str()), (1, "Refund process"));
    assert_eq!(written.content.keywords, ["退款", "Refund"]);
    assert_eq!(state.revision, 2);
    assert_eq!(results[2].as_ref().expect_err("stale").code, "knowledge.revision_conflict");
    assert!(results[3].as_ref().expect("unchanged").is_empty(), "a save that changes nothing records nothing");
}

#[test]
fn bad_content_is_reported_field_by_field() {
    let mut bad = content("");
    bad.quiz[0].options = vec!["only one".into()];
    bad.quiz[0].correct_options = vec![5];
    bad.keywords = (0..30).map(|index| format!("k{index}")).collect();
    let problems = validate_content(&bad).expect_err("invalid");
    let fields: Vec<&str> = problems.iter().map(|problem| problem.field.as_str()).collect();
    assert_eq!(fields, ["title", "keywords", "quiz.0.options", "quiz.0.correctOptions"]);
    let error = Article::decide(&ArticleState::default(), &write(Uuid::from_u128(1), bad, None)).expect_err("refused");
    assert_eq!(error.code, "knowledge.invalid_article");
}

#[test]
fn only_a_published_article_is_pushed_and_a_deleted_one_is_gone() {
    let id = Uuid::from_u128(8);
    let push = |user_ids: Vec<Uuid>| ArticleCommand {
        tenant_id: Uuid::nil(),
        article_id: id,
        at: at(),
        action: ArticleAction::Push { user_ids, note: " read this ".into() },
    };
    let mut draft = content("Draft");
    draft.published = false;
    let (_, results) = decide_all::<Article>(&[
        push(vec![Uuid::from_u128(1)]),
        write(id, draft, None),
        push(vec![Uuid::from_u128(1)]),
    ]);
    assert_eq!(results[0].as_ref().expect_err("none").code, "knowledge.article_not_found");
    assert_eq!(results[2].as_ref().expect_err("draft").code, "knowledge.article_not_published");

    let user = Uuid::from_u128(3);
    let delete = ArticleCommand { tenant_id: Uuid::nil(), article_id: id, at: at(), action: ArticleAction::Delete };
    let (state, results) = decide_all::<Article>(&[
        write(id, content("Live"), None),
        push(vec![user, user]),
        push(vec![]),
        delete.clone(),
        delete,
        write(id, content("Again"), Some(1)),
    ]);
    let ArticleEvent::Pushed(pushed) = &results[1].as_ref().expect("pushed")[0] else { panic!() };
    assert_eq!((pushed.user_ids.as_slice(), pushed.note.as_str()), ([user].as_slice(), "read this"));
    assert_eq!(results[2].as_ref().expect_err("nobody").code, "knowledge.invalid_push");
    assert!(results[4].as_ref().expect("idempotent").is_empty());
    assert_eq!(results[5].as_ref().expect_err("deleted").code, "knowledge.article_not_found");
    assert_eq!(state.status, ArticleStatus::Deleted);
}

fn category(id: u128, parent: Option<u128>, name: &str) -> Category {
    Category {
        category_id: Uuid::from_u128(id),
        parent_id: parent.map(Uuid::from_u128),
        name: name.into(),
        sort_order: 0,
    }
}

#[test]
fn a_category_tree_has_no_cycles_no_orphans_and_unique_sibling_names() {
    let define = |categories: Vec<Category>| DefineCategories { tenant_id: Uuid::nil(), categories, at: at() };
    let good = vec![category(2, Some(1), " Cards "), category(1, None, "Banking"), category(3, None, "Cards")];
    let events = Categories::decide(&vec![], &define(good.clone())).expect("valid");
    assert_eq!(events[0].categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Banking", "Cards", "Cards"]);
    let state = Categories::evolve(vec![], &events[0]);
    assert!(Categories::decide(&state, &define(good)).expect("same").is_empty());

    for (bad, field) in [
        (vec![category(1, Some(2), "A"), category(2, Some(1), "B")], "parentId"),
        (vec![category(1, Some(9), "Orphan")], "parentId"),
        (vec![category(1, None, "Same"), category(2, None, "same")], "name"),
        (vec![category(1, None, "A"), category(1, None, "B")], "categories"),
        (
            (0..9).map(|index| category(index + 1, (index > 0).then_some(index), &format!("L{index}"))).collect(),
            "parentId",
        ),
    ] {
        let problems = validate_categories(&bad).expect_err("invalid");
        assert!(problems.iter().any(|problem| problem.field == field), "{bad:?}: {problems:?}");
    }
}

#[test]
fn template_names_are_unique_and_deleting_twice_is_harmless() {
    let template = |id: u128, name: &str| Template {
        template_id: Uuid::from_u128(id),
        name: name.into(),
        body_html: "<p>x</p>".into(),
        at: at(),
    };
    let tenant_id = Uuid::nil();
    let (state, results) = decide_all::<Templates>(&[
        TemplatesCommand::Save { tenant_id, template: template(1, " FAQ ") },
        TemplatesCommand::Save { tenant_id, template: template(2, "faq") },
        TemplatesCommand::Save { tenant_id, template: template(1, "FAQ") },
        TemplatesCommand::Delete { tenant_id, template_id: Uuid::from_u128(1), at: at() },
        TemplatesCommand::Delete { tenant_id, template_id: Uuid::from_u128(1), at: at() },
    ]);
    assert_eq!(results[1].as_ref().expect_err("clash").code, "knowledge.invalid_template");
    assert!(results[2].as_ref().expect("unchanged").is_empty());
    assert!(results[4].as_ref().expect("gone").is_empty());
    assert!(state.is_empty());
}

#[test]
fn favourites_toggle_idempotently() {
    let command =
        |action| ReaderCommand { user_id: Uuid::from_u128(1), article_id: Uuid::from_u128(2), at: at(), action };
    let (state, results) = decide_all::<Reader>(&[
        command(ReaderAction::SetFavourite(true)),
        command(ReaderAction::SetFavourite(true)),
        command(ReaderAction::SetFavourite(false)),
        command(ReaderAction::SetFavourite(false)),
    ]);
    let counts: Vec<usize> = results.iter().map(|result| result.as_ref().expect("ok").len()).collect();
    assert_eq!(counts, [1, 0, 1, 0]);
    assert!(state.favourites.is_empty());
}

#[test]
fn a_reader_repeating_a_fruitless_search_counts_once_per_window_and_a_resolved_gap_closes() {
    let tenant_id = Uuid::nil();
    let (alice, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let miss = |user_id, query: &str, minutes| GapsCommand::RecordMiss {
        tenant_id,
        query: query.into(),
        user_id,
        at: at() + Duration::minutes(minutes),
    };
    let resolve = |query: &str| GapsCommand::Resolve { tenant_id, query: query.into(), article_id: None, at: at() };
    let (state, results) = decide_all::<Gaps>(&[
        miss(alice, "  Lost   CARD ", 0),
        miss(alice, "lost card", 5),
        miss(bob, "lost card", 6),
        miss(alice, "lost card", 40),
        miss(alice, "   ", 41),
        resolve("LOST card"),
        resolve("lost card"),
    ]);
    let counts: Vec<usize> = results.iter().map(|result| result.as_ref().map_or(usize::MAX, Vec::len)).collect();
    assert_eq!(counts, [1, 0, 1, 1, 0, 1, usize::MAX]);
    assert_eq!(results[6].as_ref().expect_err("closed").code, "knowledge.gap_not_found");
    assert!(state.open.is_empty());
    assert_eq!(normalise_query(" A  b\tC "), "a b c");
}
