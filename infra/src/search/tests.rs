//! The index against a small knowledge base of a contact centre, in Chinese and English.

use chrono::TimeZone;

use super::*;

const TENANT: Uuid = Uuid::from_u128(0xA);
const OTHER_TENANT: Uuid = Uuid::from_u128(0xB);

const PAYMENTS: Uuid = Uuid::from_u128(0xC1);
const DELIVERY: Uuid = Uuid::from_u128(0xC2);
const ACCOUNT: Uuid = Uuid::from_u128(0xC3);
const PRODUCTS: Uuid = Uuid::from_u128(0xC4);

const REFUND_ZH: u128 = 1;
const CARD_LOSS_ZH: u128 = 2;
const PASSWORD_ZH: u128 = 3;
const DELIVERY_DELAY_ZH: u128 = 4;
const VPN_ZH: u128 = 5;
const INVOICE_ZH: u128 = 6;
const PHISHING_ZH: u128 = 7;
const REFUND_DRAFT_ZH: u128 = 8;
const REFUND_EN: u128 = 20;
const PASSWORD_EN: u128 = 21;
const LATE_DELIVERY_EN: u128 = 22;
const WARRANTY_EN: u128 = 23;
const DAMAGED_ITEM_EN: u128 = 24;

/// (id, category, published, title, keywords, summary, body, attachments)
type Fixture = (u128, Uuid, bool, &'static str, &'static [&'static str], &'static str, &'static str, &'static str);

const ARTICLES: &[Fixture] = &[
    (
        REFUND_ZH,
        PAYMENTS,
        true,
        "退款流程说明",
        &["退款", "退货"],
        "如何受理客户的退款申请，以及退款多久到账。",
        "客户申请退款后，客服需在24小时内完成审核。审核通过后，退款将在七个工作日内原路退回。\
         如果客户使用信用卡支付，到账时间以发卡行为准。请提醒客户保留退货快递单号。",
        "",
    ),
    (
        CARD_LOSS_ZH,
        PAYMENTS,
        true,
        "信用卡挂失",
        &["挂失", "冻结", "补卡"],
        "银行卡或信用卡丢失、被盗后如何挂失和补办。",
        "客户来电报告信用卡丢失或被盗时，先核实客户身份，然后立即冻结卡片并办理挂失。\
         挂失成功后可以申请补办新卡，新卡将在五个工作日内寄出。挂失前发生的盗刷交易需提交争议申请。",
        "",
    ),
    (
        PASSWORD_ZH,
        ACCOUNT,
        true,
        "密码重置",
        &["密码", "登录"],
        "客户忘记登录密码时的处理办法。",
        "客户忘记登录密码怎么办？请引导客户在登录页点击“忘记密码”，通过手机验证码重置密码。\
         连续输错五次后账户会被锁定三十分钟。",
        "",
    ),
    (
        DELIVERY_DELAY_ZH,
        DELIVERY,
        true,
        "快递延误处理",
        &["快递", "物流"],
        "包裹没有按时送达时怎么安抚客户。",
        "因天气或节假日导致快递延误时，先向客户致歉并查询物流轨迹。超过七天仍未送达的，\
         可以为客户重新发货，或者按照退款流程办理退款。",
        "",
    ),
    (
        VPN_ZH,
        ACCOUNT,
        true,
        "会员中心无法访问",
        &["会员中心", "网络"],
        "客户打不开会员中心页面时的排查步骤。",
        "部分客户在公司网络中使用 VPN 时无法打开会员中心。请让客户关闭代理后刷新页面，\
         或者更换手机网络再试。",
        "",
    ),
    (
        INVOICE_ZH,
        PAYMENTS,
        true,
        "电子发票开具",
        &["增值税", "报销"],
        "订单完成后如何申请电子发票。",
        "客户可以在订单详情页申请电子发票，开具后会发送到客户预留的邮箱。抬头填写错误的可以作废重开一次。",
        "",
    ),
    (
        PHISHING_ZH,
        ACCOUNT,
        true,
        "防范钓鱼诈骗",
        &["诈骗", "安全"],
        "提醒客户识别冒充客服的诈骗。",
        "有人冒充客服发送钓鱼链接，页面中藏有 <script>alert('x')</script> 之类的代码。\
         请提醒客户不要点击陌生链接，也不要向任何人透露验证码。",
        "",
    ),
    (
        REFUND_DRAFT_ZH,
        PAYMENTS,
        false,
        "退款新规（草稿）",
        &["退款"],
        "下个季度生效的退款规则，尚未发布。",
        "自下季度起，退款审核时间缩短为十二小时。",
        "",
    ),
    (
        9,
        PAYMENTS,
        true,
        "优惠券使用规则",
        &["优惠券", "满减"],
        "优惠券的使用条件和有效期。",
        "每个订单只能使用一张优惠券，优惠券过期后不能延期。满减券需要订单金额达到门槛才能使用。",
        "",
    ),
    (
        10,
        DELIVERY,
        true,
        "修改收货地址",
        &["收货地址", "改地址"],
        "订单发货前后如何修改收货地址。",
        "订单发货前客户可以在订单详情页自行修改收货地址；发货后需要联系快递公司改派，可能产生额外费用。",
        "",
    ),
    (
        11,
        PAYMENTS,
        true,
        "取消订单",
        &["取消", "订单"],
        "客户想取消订单时的处理方式。",
        "未发货的订单可以直接取消，款项原路退回；已发货的订单需要客户拒收后再处理。",
        "",
    ),
    (
        12,
        ACCOUNT,
        true,
        "会员积分说明",
        &["积分", "会员"],
        "积分的获取、使用和过期规则。",
        "每消费一元累计一个积分，积分可以在下单时抵扣现金，每年十二月三十一日清零上一年度的积分。",
        "",
    ),
    (
        13,
        ACCOUNT,
        true,
        "投诉升级流程",
        &["投诉", "升级"],
        "一线客服无法解决的投诉如何升级。",
        "客户对处理结果不满意时，记录投诉内容并在工单中选择升级，由主管在四小时内回电。",
        "",
    ),
    (
        14,
        ACCOUNT,
        true,
        "客服工作时间",
        &["工作时间", "热线"],
        "人工客服的服务时间。",
        "人工客服服务时间为每天早上九点到晚上九点，其他时间可以留言，次日优先回复。",
        "",
    ),
    (
        15,
        ACCOUNT,
        true,
        "注销账户",
        &["注销", "账户"],
        "客户要求注销账户时需要确认的事项。",
        "注销前请确认账户没有未完成的订单和余额。注销后订单记录和积分将无法恢复。",
        "",
    ),
    (
        16,
        PRODUCTS,
        true,
        "手机卡补办",
        &["SIM卡", "补卡"],
        "手机卡丢失或损坏后的补办流程。",
        "客户需携带身份证到营业厅补办手机卡，原号码保留，补卡费用十元。",
        "",
    ),
    (
        REFUND_EN,
        PAYMENTS,
        true,
        "Refund policy",
        &["refund", "money back"],
        "When and how customers get their money back.",
        "Customers can request a refund within 30 days of purchase. Refunds are issued to the original \
         payment method within 7 business days. Items must be returned unused and in their original packaging.",
        "",
    ),
    (
        PASSWORD_EN,
        ACCOUNT,
        true,
        "How to reset a password",
        &["password", "login"],
        "Help customers who cannot sign in.",
        "If a customer forgot their password, send a password reset link to the registered email address. \
         The reset link expires after 24 hours; after that a new link must be requested.",
        "",
    ),
    (
        LATE_DELIVERY_EN,
        DELIVERY,
        true,
        "Late deliveries",
        &["delivery", "courier"],
        "What to do when a parcel arrives late.",
        "When a parcel was shipped late or the courier delays the delivery, apologise, check the tracking \
         number with the customer and offer free express shipping on the next order.",
        "",
    ),
    (
        WARRANTY_EN,
        PRODUCTS,
        true,
        "Warranty claim",
        &["warranty", "repair"],
        "How to file a warranty claim for a faulty product.",
        "Products are covered by a 24-month warranty. To file a warranty claim, collect the serial number \
         and the proof of purchase. Shipping costs for repairs are covered by us.",
        "Warranty terms and conditions. The warranty does not cover water damage or accidental drops.",
    ),
    (
        DAMAGED_ITEM_EN,
        PRODUCTS,
        true,
        "Damaged item received",
        &["damaged", "broken"],
        "A customer received a broken product.",
        "Ask the customer for a photo of the damaged item and its box, then offer a replacement or a refund.",
        "",
    ),
    (
        25,
        DELIVERY,
        true,
        "Change a delivery address",
        &["address"],
        "Updating where an order goes.",
        "The address can be changed until the order leaves the warehouse. After that, contact the courier.",
        "",
    ),
    (
        26,
        PAYMENTS,
        true,
        "Cancel an order",
        &["cancel"],
        "Cancelling orders before and after dispatch.",
        "Orders that have not been dispatched can be cancelled in the order page. Dispatched orders must be \
         refused at the door or returned.",
        "",
    ),
    (
        27,
        ACCOUNT,
        true,
        "Loyalty points",
        &["points", "membership"],
        "Earning and spending loyalty points.",
        "Customers earn one point per dollar spent. Points expire at the end of the following year.",
        "",
    ),
    (
        28,
        PAYMENTS,
        true,
        "Gift cards",
        &["gift card", "voucher"],
        "Buying and redeeming gift cards.",
        "Gift cards are valid for three years and cannot be exchanged for cash.",
        "",
    ),
    (
        29,
        ACCOUNT,
        true,
        "Opening hours",
        &["hours", "hotline"],
        "When agents answer the phone.",
        "Agents answer the hotline every day from 9 am to 9 pm. Outside those hours customers can leave a message.",
        "",
    ),
    (
        30,
        ACCOUNT,
        true,
        "Data privacy requests",
        &["privacy", "personal data"],
        "Handling requests to see or erase personal data.",
        "Forward every request to see, correct or erase personal data to the privacy team within one business day.",
        "",
    ),
];

fn article_id(number: u128) -> Uuid {
    Uuid::from_u128(0x1000 + number)
}

fn document_of(tenant_id: Uuid, fixture: &Fixture) -> ArticleDocument {
    let (number, category, published, title, keywords, summary, body, attachments) = *fixture;
    ArticleDocument {
        tenant_id,
        article_id: article_id(number),
        category_id: Some(category),
        title: title.to_owned(),
        keywords: keywords.iter().map(|keyword| (*keyword).to_owned()).collect(),
        summary: summary.to_owned(),
        body_text: body.to_owned(),
        attachments_text: attachments.to_owned(),
        published,
        updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(number as i64),
    }
}

fn knowledge_base() -> KnowledgeIndex {
    let index = KnowledgeIndex::in_memory().unwrap();
    let changes = ARTICLES.iter().map(|fixture| IndexChange::Upsert(document_of(TENANT, fixture))).collect();
    index.apply(changes, 1).unwrap();
    index
}

fn query(text: &str) -> KnowledgeQuery {
    KnowledgeQuery { text: text.to_owned(), category_ids: vec![], published_only: true, limit: 10, offset: 0 }
}

fn search(index: &KnowledgeIndex, text: &str) -> SearchResults {
    index.search(TENANT, &query(text)).unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn ids(results: &SearchResults) -> Vec<Uuid> {
    results.hits.iter().map(|hit| hit.article_id).collect()
}

fn top(index: &KnowledgeIndex, text: &str) -> Uuid {
    let results = search(index, text);
    results.hits.first().unwrap_or_else(|| panic!("{text}: no hits")).article_id
}

fn syntax_error(index: &KnowledgeIndex, text: &str) -> String {
    match index.search(TENANT, &query(text)) {
        Err(SearchError::Syntax(message)) => message,
        other => panic!("{text}: expected a syntax error, got {other:?}"),
    }
}

#[test]
fn the_index_is_a_cheap_handle_shared_across_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<KnowledgeIndex>();
}

#[test]
fn a_chinese_word_finds_the_article_about_it_first() {
    let index = knowledge_base();
    let results = search(&index, "退款");
    assert_eq!(results.hits[0].article_id, article_id(REFUND_ZH), "{results:#?}");
    assert!(ids(&results).contains(&article_id(DELIVERY_DELAY_ZH)), "the delay article mentions 退款 too");
}

#[test]
fn a_chinese_question_typed_without_spaces_finds_the_article_by_its_words() {
    let index = knowledge_base();
    assert_eq!(top(&index, "信用卡挂失怎么办"), article_id(CARD_LOSS_ZH));
    assert_eq!(top(&index, "忘记密码怎么办"), article_id(PASSWORD_ZH));
    assert_eq!(top(&index, "快递一直没到"), article_id(DELIVERY_DELAY_ZH));
}

#[test]
fn a_word_only_in_the_keywords_finds_the_article() {
    let index = knowledge_base();
    assert!(!ARTICLES.iter().any(|fixture| fixture.6.contains("报销") || fixture.3.contains("报销")));
    let results = search(&index, "报销");
    assert_eq!(ids(&results), vec![article_id(INVOICE_ZH)]);
}

#[test]
fn an_english_word_finds_the_article_about_it_first() {
    let index = knowledge_base();
    let results = search(&index, "refund");
    assert_eq!(results.hits[0].article_id, article_id(REFUND_EN), "{results:#?}");
    assert!(ids(&results).contains(&article_id(DAMAGED_ITEM_EN)));
}

#[test]
fn a_typo_still_finds_the_article_and_exact_matches_rank_first() {
    let index = knowledge_base();
    let results = search(&index, "pasword reset");
    assert_eq!(results.hits[0].article_id, article_id(PASSWORD_EN), "{results:#?}");
    assert!(results.hits[0].snippet_html.contains("<mark>password</mark>"), "{:?}", results.hits[0].snippet_html);
    assert!(results.hits[0].title_html.contains("<mark>password</mark>"), "{:?}", results.hits[0].title_html);
    // Short words and Chinese are not fuzzy: one character off is another word.
    assert!(search(&index, "退歀").hits.is_empty());
    assert!(search(&index, "hourz").hits.iter().any(|hit| hit.article_id == article_id(29)));
    assert!(search(&index, "gft").hits.is_empty());
}

#[test]
fn english_words_match_their_other_forms() {
    let index = knowledge_base();
    // "shipping delays" against "shipped late ... delays ... shipping".
    assert_eq!(top(&index, "shipping delays"), article_id(LATE_DELIVERY_EN));
    assert_eq!(top(&index, "cancelling"), article_id(26));
}

#[test]
fn an_english_word_inside_a_chinese_article_is_found() {
    let index = knowledge_base();
    assert_eq!(ids(&search(&index, "vpn")), vec![article_id(VPN_ZH)]);
    assert_eq!(ids(&search(&index, "VPN 会员中心"))[0], article_id(VPN_ZH));
}

#[test]
fn quoted_phrases_match_words_in_that_order_only() {
    let index = knowledge_base();
    let words = search(&index, "refund policy");
    let phrase = search(&index, "\"refund policy\"");
    assert_eq!(ids(&phrase), vec![article_id(REFUND_EN)]);
    assert!(words.total > phrase.total, "{} words, {} phrase", words.total, phrase.total);
    assert!(search(&index, "\"policy refund\"").hits.is_empty());
    assert_eq!(ids(&search(&index, "\"七个工作日内\"")), vec![article_id(REFUND_ZH)]);
    assert_eq!(ids(&search(&index, "\"reset link expires\"")), vec![article_id(PASSWORD_EN)]);
}

#[test]
fn plus_requires_and_minus_excludes() {
    let index = knowledge_base();
    let refund = ids(&search(&index, "refund"));
    assert!(refund.contains(&article_id(DAMAGED_ITEM_EN)) && refund.contains(&article_id(REFUND_EN)));
    let without_replacement = ids(&search(&index, "refund -replacement"));
    assert!(without_replacement.contains(&article_id(REFUND_EN)));
    assert!(!without_replacement.contains(&article_id(DAMAGED_ITEM_EN)));
    let both = ids(&search(&index, "+refund +replacement"));
    assert_eq!(both, vec![article_id(DAMAGED_ITEM_EN)]);
    let either = search(&index, "warranty OR gift").total;
    let and = search(&index, "warranty AND gift").total;
    assert_eq!((either, and), (2, 0));
    assert_eq!(ids(&search(&index, "(warranty OR gift) AND cash")), vec![article_id(28)]);
    // The refund article mentions payment by 信用卡; the delivery delay article does not.
    let without_cards = ids(&search(&index, "退款 -信用卡"));
    assert!(without_cards.contains(&article_id(DELIVERY_DELAY_ZH)));
    assert!(!without_cards.contains(&article_id(REFUND_ZH)));
    assert_eq!(ids(&search(&index, "退款 NOT 信用卡")), without_cards);
}

#[test]
fn a_field_can_be_searched_alone() {
    let index = knowledge_base();
    assert_eq!(ids(&search(&index, "title:退款")), vec![article_id(REFUND_ZH)]);
    assert_eq!(ids(&search(&index, "attachments:water")), vec![article_id(WARRANTY_EN)]);
    assert!(search(&index, "title:water").hits.is_empty());
}

#[test]
fn syntax_errors_say_what_is_wrong() {
    let index = knowledge_base();
    assert!(syntax_error(&index, "\"unterminated").contains("unbalanced quote"));
    assert!(syntax_error(&index, "(a OR").contains("unbalanced parenthesis"));
    let message = syntax_error(&index, "tenant_id:x");
    assert!(message.contains("unknown field \"tenant_id\""), "{message}");
    assert!(message.contains("title, keywords, summary, body, attachments"), "{message}");
    assert!(syntax_error(&index, "article_id:00000000-0000-0000-0000-000000001014").contains("unknown field"));
    assert!(syntax_error(&index, "-refund").contains("not excluded"));
    assert!(syntax_error(&index, "title:[a TO b]").contains("not supported"));
    // An apostrophe in a word is not a quote.
    assert!(index.search(TENANT, &query("customer's refund")).is_ok());
}

#[test]
fn empty_or_overlong_searches_are_invalid() {
    let index = knowledge_base();
    for text in ["", "   ", "!!!", &"退".repeat(501)] {
        assert!(
            matches!(index.search(TENANT, &query(text)), Err(SearchError::InvalidQuery(_))),
            "{text:?} should be invalid"
        );
    }
    assert!(index.search(TENANT, &query(&"退".repeat(500))).is_ok());
    let too_deep = KnowledgeQuery { offset: 10_001, ..query("refund") };
    assert!(matches!(index.search(TENANT, &too_deep), Err(SearchError::InvalidQuery(_))));
}

#[test]
fn tenants_only_see_their_own_articles() {
    let index = knowledge_base();
    let copy = IndexChange::Upsert(ArticleDocument {
        article_id: Uuid::from_u128(0xB001),
        ..document_of(OTHER_TENANT, &ARTICLES[0])
    });
    index.apply(vec![copy], 2).unwrap();
    let mine = ids(&search(&index, "退款流程说明"));
    assert!(mine.contains(&article_id(REFUND_ZH)));
    assert!(!mine.contains(&Uuid::from_u128(0xB001)));
    let theirs = index.search(OTHER_TENANT, &query("退款流程说明")).unwrap();
    assert_eq!(ids(&theirs), vec![Uuid::from_u128(0xB001)]);
    assert_eq!(index.count(TENANT).unwrap(), ARTICLES.len() as u64);
    assert_eq!(index.count(OTHER_TENANT).unwrap(), 1);
    assert_eq!(index.count(Uuid::from_u128(0xC)).unwrap(), 0);
}

#[test]
fn drafts_are_hidden_from_published_only_searches() {
    let index = knowledge_base();
    let published = ids(&search(&index, "退款"));
    assert!(!published.contains(&article_id(REFUND_DRAFT_ZH)));
    let everything = index.search(TENANT, &KnowledgeQuery { published_only: false, ..query("退款") }).unwrap();
    assert!(ids(&everything).contains(&article_id(REFUND_DRAFT_ZH)));
    assert_eq!(everything.total, published.len() + 1);
}

#[test]
fn the_category_filter_keeps_articles_of_those_categories() {
    let index = knowledge_base();
    let in_delivery = index.search(TENANT, &KnowledgeQuery { category_ids: vec![DELIVERY], ..query("退款") }).unwrap();
    assert_eq!(ids(&in_delivery), vec![article_id(DELIVERY_DELAY_ZH)]);
    let two = KnowledgeQuery { category_ids: vec![DELIVERY, PAYMENTS], ..query("退款") };
    let in_two = ids(&index.search(TENANT, &two).unwrap());
    assert!(in_two.contains(&article_id(DELIVERY_DELAY_ZH)) && in_two.contains(&article_id(REFUND_ZH)));
    let none = index.search(TENANT, &KnowledgeQuery { category_ids: vec![PRODUCTS], ..query("退款") }).unwrap();
    assert_eq!(none.total, 0);
}

#[test]
fn pages_through_the_hits_and_counts_them_all() {
    let index = knowledge_base();
    let all = index.search(TENANT, &KnowledgeQuery { limit: 100, ..query("customer") }).unwrap();
    assert!(all.total >= 4, "{}", all.total);
    let first = index.search(TENANT, &KnowledgeQuery { limit: 2, ..query("customer") }).unwrap();
    let second = index.search(TENANT, &KnowledgeQuery { limit: 2, offset: 2, ..query("customer") }).unwrap();
    assert_eq!((first.total, second.total), (all.total, all.total));
    assert_eq!(ids(&first), ids(&all)[..2]);
    assert_eq!(ids(&second), ids(&all)[2..4]);
    let count_only = index.search(TENANT, &KnowledgeQuery { limit: 0, ..query("customer") }).unwrap();
    assert_eq!((count_only.total, count_only.hits.len()), (all.total, 0));
    let capped = index.search(TENANT, &KnowledgeQuery { limit: 1_000, ..query("客户 customer") }).unwrap();
    assert!(capped.hits.len() <= 100);
}

#[test]
fn snippets_mark_the_matched_words_and_escape_the_text() {
    let index = knowledge_base();
    let hit = &search(&index, "钓鱼").hits[0];
    assert_eq!(hit.article_id, article_id(PHISHING_ZH));
    assert!(hit.snippet_html.contains("<mark>钓鱼</mark>"), "{}", hit.snippet_html);
    assert!(hit.snippet_html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{}", hit.snippet_html);
    assert!(!hit.snippet_html.contains("<script>"));
    assert_eq!(hit.title_html, "防范<mark>钓鱼</mark>诈骗");
    assert!(!hit.matched_in_attachment);

    let hit = &search(&index, "信用卡挂失").hits[0];
    assert!(hit.snippet_html.contains("<mark>信用卡</mark>"), "{}", hit.snippet_html);
    assert!(hit.snippet_html.contains("<mark>挂失</mark>"), "{}", hit.snippet_html);
    assert!(hit.snippet_html.chars().count() <= highlight::SNIPPET_CHARS + 2 + 13 * 6, "{}", hit.snippet_html);
}

#[test]
fn a_match_only_in_an_attachment_is_snipped_from_it() {
    let index = knowledge_base();
    // Unquoted, the "Damaged item received" article ranks first: its title has "damaged".
    assert_eq!(top(&index, "water damage"), article_id(DAMAGED_ITEM_EN));
    let hit = &search(&index, "\"water damage\"").hits[0];
    assert_eq!(hit.article_id, article_id(WARRANTY_EN));
    assert!(hit.matched_in_attachment);
    assert!(hit.snippet_html.contains("<mark>water</mark> <mark>damage</mark>"), "{}", hit.snippet_html);
}

#[test]
fn a_hit_matched_in_its_title_or_keywords_only_shows_the_start_of_its_summary() {
    let index = knowledge_base();
    let hit = &search(&index, "报销").hits[0];
    assert_eq!(hit.snippet_html, "订单完成后如何申请电子发票。");
    assert!(!hit.matched_in_attachment);
    let hit = &search(&index, "title:gift").hits[0];
    assert_eq!(hit.title_html, "<mark>Gift</mark> cards");
    assert_eq!(hit.snippet_html, "Buying and redeeming gift cards.");
}

#[test]
fn an_upsert_replaces_the_article_and_applying_twice_changes_nothing() {
    let index = knowledge_base();
    let mut changed = document_of(TENANT, &ARTICLES[0]);
    changed.title = "退款与退货流程".into();
    changed.body_text = "新的退款说明：审核后三个工作日内到账。".into();
    let changes = vec![IndexChange::Upsert(changed.clone())];
    index.apply(changes.clone(), 2).unwrap();
    index.apply(changes, 2).unwrap();
    assert_eq!(index.count(TENANT).unwrap(), ARTICLES.len() as u64);
    let results = search(&index, "\"三个工作日\"");
    assert_eq!(ids(&results), vec![article_id(REFUND_ZH)]);
    assert!(results.hits[0].title_html.contains("退货"), "{}", results.hits[0].title_html);
    assert!(search(&index, "\"七个工作日内\"").hits.is_empty(), "the old body is gone");
    // An upsert and its repeat inside one batch leave one document too.
    index.apply(vec![IndexChange::Upsert(changed.clone()), IndexChange::Upsert(changed)], 3).unwrap();
    assert_eq!(index.count(TENANT).unwrap(), ARTICLES.len() as u64);
}

#[test]
fn a_delete_removes_the_article_of_that_tenant_only() {
    let index = knowledge_base();
    let copy = ArticleDocument { tenant_id: OTHER_TENANT, ..document_of(TENANT, &ARTICLES[0]) };
    index.apply(vec![IndexChange::Upsert(copy)], 2).unwrap();
    index.apply(vec![IndexChange::Delete { tenant_id: TENANT, article_id: article_id(REFUND_ZH) }], 3).unwrap();
    assert!(!ids(&search(&index, "退款")).contains(&article_id(REFUND_ZH)));
    assert_eq!(index.count(TENANT).unwrap(), ARTICLES.len() as u64 - 1);
    assert_eq!(index.count(OTHER_TENANT).unwrap(), 1, "the same article id in another tenant stays");
    assert_eq!(index.position(), Some(3));
}

#[test]
fn the_position_survives_reopening_and_clear_starts_again() {
    let directory = std::env::temp_dir().join(format!("hotline_knowledge_{}", Uuid::now_v7().simple()));
    {
        let index = KnowledgeIndex::open(&directory).unwrap();
        assert_eq!(index.position(), None);
        let changes = ARTICLES.iter().take(5).map(|fixture| IndexChange::Upsert(document_of(TENANT, fixture)));
        index.apply(changes.collect(), 42).unwrap();
        assert_eq!(index.position(), Some(42));
    }
    {
        let index = KnowledgeIndex::open(&directory).unwrap();
        assert_eq!(index.position(), Some(42));
        assert_eq!(index.count(TENANT).unwrap(), 5);
        assert_eq!(top(&index, "信用卡挂失怎么办"), article_id(CARD_LOSS_ZH));
        index.clear().unwrap();
        assert_eq!(index.position(), Some(0));
        assert_eq!(index.count(TENANT).unwrap(), 0);
    }
    let index = KnowledgeIndex::open(&directory).unwrap();
    assert_eq!((index.position(), index.count(TENANT).unwrap()), (Some(0), 0));
    drop(index);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn equal_scores_put_the_article_updated_last_first() {
    let index = KnowledgeIndex::in_memory().unwrap();
    let twin = |number: u128, minute: i64| {
        IndexChange::Upsert(ArticleDocument {
            article_id: article_id(number),
            updated_at: Utc.with_ymd_and_hms(2026, 2, 1, 0, minute as u32, 0).unwrap(),
            ..document_of(TENANT, &ARTICLES[0])
        })
    };
    index.apply(vec![twin(100, 1), twin(101, 30), twin(102, 5)], 1).unwrap();
    let results = search(&index, "退款");
    assert_eq!(ids(&results), vec![article_id(101), article_id(102), article_id(100)]);
}
