//! `knowledge-search`: the latency of one knowledge-base search through
//! `KnowledgeIndex::search` on an index of 100,000 articles, against a bare tantivy query on
//! the same index.
//!
//! The articles come from a seeded generator: Chinese, English and mixed, with a contact
//! centre's vocabulary (common topic words far more frequent than rare ones), a title of about
//! 15 characters, 2 to 4 keywords, a summary, a body of about 600 characters with order
//! numbers in it, a tenth of them drafts, in 20 categories and 2 tenants. They are indexed on
//! disk (a scratch directory) through `KnowledgeIndex::apply`, 1,000 per commit, as the
//! indexer applies the log; that build is timed as a diagnostic. The searches start once
//! tantivy's background merges are over, on a reader reloaded onto the merged segments.
//!
//! System: one query at a time (one or two words, Chinese or English, some with a typo, some
//! Chinese pairs typed without a space) through `KnowledgeIndex::search` as the search route
//! calls it: the tenant filter, published only, fuzzy alternatives for English words, the
//! total count, 10 hits with their highlighted title and snippet.
//!
//! Baseline, in the same run on the same index and searcher: the same texts through a plain
//! `QueryParser` over the same five fields, `TopDocs` of 10 by score; no tenant or published
//! filter, no fuzzy terms, no count, no stored documents read, no snippets. It does less than
//! the system, so the ratio of the medians says what the rest costs; at p99 the baseline can
//! be the slower one, as `QueryParser` makes a Chinese pair typed without a space a phrase.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hotline_infra::search::{ArticleDocument, IndexChange, KnowledgeIndex, KnowledgeQuery};
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use uuid::Uuid;

use crate::BenchOptions;
use crate::measure::median;
use crate::report::{BenchReport, Check, Latency, Measurement, Role, milliseconds, thousands};
use crate::scratch::ScratchDirectory;

const DEFAULT_ARTICLES: usize = 100_000;
const MINIMUM_ARTICLES: usize = 500;
const DEFAULT_QUERIES: usize = 2_000;
const MINIMUM_QUERIES: usize = 50;
/// The target: p99 at most 20 ms per search.
const TARGET_P99: Duration = Duration::from_millis(20);
/// Articles per `apply` (one commit), as the indexer batches the log.
const ARTICLES_PER_COMMIT: usize = 1_000;
const HITS: usize = 10;
/// Queries run through both paths before measuring, so neither pays for cold pages alone.
const WARM_UP_QUERIES: usize = 100;
const TENANTS: [Uuid; 2] = [Uuid::from_u128(0x4B_0001), Uuid::from_u128(0x4B_0002)];
const CATEGORIES: u128 = 20;

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let articles = options.scaled(DEFAULT_ARTICLES, MINIMUM_ARTICLES);
    let query_count = options.scaled(DEFAULT_QUERIES, MINIMUM_QUERIES);
    let queries = queries(query_count);
    let mut report = BenchReport::new(
        "knowledge-search",
        format!(
            "{} searches, one at a time (one or two words, Chinese or English, a tenth with a typo), through \
             `KnowledgeIndex::search` (tenant filter, published only, fuzzy English terms, total count, {HITS} hits \
             with highlighted title and snippet) on an on-disk index of {} generated articles (Chinese, English \
             and mixed; title ~15 characters, body ~600) in 2 tenants; baseline the same texts as a plain \
             `QueryParser` query over the same fields, top {HITS} by score, on the same searcher; {} rounds, each \
             on a freshly built index.",
            thousands(query_count as f64),
            thousands(articles as f64),
            options.rounds,
        ),
    );

    let mut rounds = Vec::with_capacity(options.rounds.max(1));
    for _ in 0..options.rounds.max(1) {
        let scratch = ScratchDirectory::create(&options.work_dir)?;
        let round_options = options.clone();
        let round_queries = queries.clone();
        // Searching and indexing block: off the runtime's threads.
        let measured =
            tokio::task::spawn_blocking(move || round(&round_options, scratch.path(), articles, &round_queries))
                .await??;
        rounds.push(measured);
    }
    let ratio_of = |percentile: fn(&Searches) -> Duration| -> Vec<f64> {
        rounds
            .iter()
            .map(|round| {
                percentile(&round.system).as_secs_f64() / percentile(&round.baseline).as_secs_f64().max(f64::EPSILON)
            })
            .collect()
    };
    let p99_ratios = ratio_of(Searches::p99);
    let p50_ratios = ratio_of(Searches::p50);
    let notes_per_round = format!(
        "round by round: system p99 {}; baseline p99 {}; build {} articles/s",
        rounds.iter().map(|round| milliseconds(round.system.p99())).collect::<Vec<_>>().join(", "),
        rounds.iter().map(|round| milliseconds(round.baseline.p99())).collect::<Vec<_>>().join(", "),
        rounds.iter().map(|round| thousands(round.build_rate())).collect::<Vec<_>>().join(", "),
    );
    rounds.sort_by_key(|round| round.system.p99());
    let middle = rounds.swap_remove((rounds.len() - 1) / 2);
    let system_p99 = middle.system.p99();

    report.note(format!(
        "the index (median round): {} articles in {} segments, {:.0} MiB on disk; built in {:.1} s; searches \
         started once tantivy's background merges were over, {:.1} s after the last commit",
        thousands(middle.indexed as f64),
        middle.segments,
        middle.index_bytes as f64 / (1024.0 * 1024.0),
        middle.build.elapsed.as_secs_f64(),
        middle.settled.as_secs_f64(),
    ));
    if middle.indexed < articles {
        report.note(format!(
            "the build was cut off by the phase time limit after {} of {} articles",
            thousands(middle.indexed as f64),
            thousands(articles as f64)
        ));
    }
    report.note(format!(
        "system by kind of query, p50 / p99: {}",
        QueryKind::ALL
            .iter()
            .map(|kind| format!("{} {}", kind.label(), middle.system.percentiles_of(*kind)))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    report.note(format!(
        "articles matching a query (median): {} (the system counts them all; the baseline does not count); queries \
         without a hit: system {}, baseline {}",
        thousands(middle.system.median_matching()),
        middle.system.without_hits(),
        middle.baseline.without_hits(),
    ));
    report.note(
        "the baseline reads an unquoted Chinese pair typed without a space (`退款流程`) as a phrase, and a typo as an \
         unknown word, so it matches fewer articles than the system; it filters nothing and reads no stored text",
    );
    report.note(notes_per_round);

    report.measure(middle.system.into_measurement(Role::System, "KnowledgeIndex::search, 10 hits with snippets"));
    report.measure(middle.baseline.into_measurement(Role::Baseline, "QueryParser + TopDocs(10), no filter or snippet"));
    report.measure(Measurement {
        role: Role::Diagnostic,
        label: format!("KnowledgeIndex::apply, {} articles per commit (build)", thousands(ARTICLES_PER_COMMIT as f64)),
        operations: middle.indexed as u64,
        unit: "articles",
        elapsed: middle.build.elapsed,
        latency: Latency::of("commit", middle.build.latencies),
    });
    report.ratio_of_rounds("system p99 / baseline p99", &p99_ratios);
    report.ratio_of_rounds("system p50 / baseline p50", &p50_ratios);
    report.checks.push(Check {
        target: format!("p99 ≤ {} ms per search (KnowledgeIndex::search)", TARGET_P99.as_millis()),
        measured: format!("{:.2} ms", system_p99.as_secs_f64() * 1000.0),
        met: system_p99 <= TARGET_P99,
    });
    Ok(report)
}

/// What one round measured.
struct Round {
    build: Build,
    indexed: usize,
    segments: usize,
    index_bytes: u64,
    /// How long after the last commit the background merges were over (as `wait_for_merges`
    /// sees it: to within half a second).
    settled: Duration,
    system: Searches,
    baseline: Searches,
}

struct Build {
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// The searches of one phase: per query its kind, latency and what it found.
struct Searches {
    samples: Vec<(QueryKind, Duration, Found)>,
    elapsed: Duration,
}

/// What one search found.
struct Found {
    /// Hits returned (at most [`HITS`]).
    hits: usize,
    /// Articles matching in all, where the path counts them.
    matching: Option<usize>,
}

impl Searches {
    fn latency(&self) -> Option<Latency> {
        Latency::of("query", self.samples.iter().map(|(_, latency, _)| *latency).collect())
    }

    fn p50(&self) -> Duration {
        self.latency().map_or(Duration::ZERO, |latency| latency.p50)
    }

    fn p99(&self) -> Duration {
        self.latency().map_or(Duration::ZERO, |latency| latency.p99)
    }

    fn percentiles_of(&self, kind: QueryKind) -> String {
        let samples = self.samples.iter().filter(|(of, ..)| *of == kind).map(|(_, latency, _)| *latency).collect();
        match Latency::of("query", samples) {
            Some(latency) => format!("{} / {}", milliseconds(latency.p50), milliseconds(latency.p99)),
            None => "–".to_owned(),
        }
    }

    fn median_matching(&self) -> f64 {
        median(
            &self
                .samples
                .iter()
                .filter_map(|(_, _, found)| found.matching)
                .map(|count| count as f64)
                .collect::<Vec<_>>(),
        )
    }

    fn without_hits(&self) -> usize {
        self.samples.iter().filter(|(_, _, found)| found.hits == 0).count()
    }

    fn into_measurement(self, role: Role, label: &str) -> Measurement {
        let latencies: Vec<Duration> = self.samples.iter().map(|(_, latency, _)| *latency).collect();
        Measurement {
            role,
            label: label.to_owned(),
            operations: latencies.len() as u64,
            unit: "queries",
            elapsed: self.elapsed,
            latency: Latency::of("query", latencies),
        }
    }
}

impl Round {
    /// Articles indexed per second of `apply`.
    fn build_rate(&self) -> f64 {
        self.indexed as f64 / self.build.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

fn round(options: &BenchOptions, directory: &Path, articles: usize, queries: &[Query]) -> anyhow::Result<Round> {
    let index = KnowledgeIndex::open(&directory.join("knowledge"))?;

    // The build: generating a batch is not timed, applying it is.
    let mut generator = Articles::new();
    let deadline = Instant::now() + options.phase_time_limit;
    let mut build = Build { elapsed: Duration::ZERO, latencies: Vec::new() };
    let mut indexed = 0;
    while indexed < articles && Instant::now() < deadline {
        let batch: Vec<IndexChange> = (indexed..(indexed + ARTICLES_PER_COMMIT).min(articles))
            .map(|number| IndexChange::Upsert(generator.article(number)))
            .collect();
        let batch_size = batch.len();
        let begun = Instant::now();
        index.apply(batch, (indexed + batch_size) as u64)?;
        let took = begun.elapsed();
        build.elapsed += took;
        build.latencies.push(took);
        indexed += batch_size;
    }
    let settled = wait_for_merges(options.phase_time_limit)?;
    // An empty commit reloads the reader onto the merged segments.
    index.apply(Vec::new(), indexed as u64)?;
    let (searcher, fields) = index.searcher_for_baseline();
    let segments = searcher.segment_readers().len();
    let index_bytes = directory_bytes(&directory.join("knowledge"))?;
    let parser = QueryParser::for_index(searcher.index(), fields);
    let collector = TopDocs::with_limit(HITS).order_by_score();

    let system_search = |query: &Query| -> anyhow::Result<Found> {
        let request = KnowledgeQuery {
            text: query.text.clone(),
            category_ids: vec![],
            published_only: true,
            limit: HITS,
            offset: 0,
        };
        let results = index.search(query.tenant_id, &request)?;
        Ok(Found { hits: results.hits.len(), matching: Some(results.total) })
    };
    let baseline_search = |query: &Query| -> anyhow::Result<Found> {
        let parsed = parser.parse_query(&query.text)?;
        Ok(Found { hits: searcher.search(&parsed, &collector)?.len(), matching: None })
    };
    for query in queries.iter().take(WARM_UP_QUERIES) {
        system_search(query)?;
        baseline_search(query)?;
    }
    let system = timed(queries, options.phase_time_limit, system_search)?;
    let baseline = timed(queries, options.phase_time_limit, baseline_search)?;
    Ok(Round { build, indexed, segments, index_bytes, settled, system, baseline })
}

/// Waits until tantivy's background merges are over (the process uses less than a tenth of a
/// core over half a second), at most `limit`: searches measured while two merge threads share
/// the two cores would measure the merges. Returns how long it waited.
fn wait_for_merges(limit: Duration) -> anyhow::Result<Duration> {
    const PERIOD: Duration = Duration::from_millis(500);
    let started = Instant::now();
    let mut before = process_cpu_time()?;
    while started.elapsed() < limit {
        std::thread::sleep(PERIOD);
        let now = process_cpu_time()?;
        if now.saturating_sub(before) < PERIOD / 10 {
            break;
        }
        before = now;
    }
    Ok(started.elapsed())
}

/// The CPU time this process has used, from `/proc/self/stat` (Linux; in clock ticks of 10 ms).
fn process_cpu_time() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The fields after the command name (which may hold spaces), from the third on.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("").split_whitespace().collect();
    let ticks = |index: usize| -> anyhow::Result<u64> {
        Ok(fields.get(index).ok_or_else(|| anyhow::anyhow!("/proc/self/stat is short"))?.parse()?)
    };
    // utime and stime are fields 14 and 15, the 12th and 13th after the name.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// Runs `search` on every query, one at a time, until the time limit.
fn timed(
    queries: &[Query],
    time_limit: Duration,
    search: impl Fn(&Query) -> anyhow::Result<Found>,
) -> anyhow::Result<Searches> {
    let started = Instant::now();
    let mut samples = Vec::with_capacity(queries.len());
    for query in queries {
        if started.elapsed() >= time_limit {
            break;
        }
        let begun = Instant::now();
        let found = search(query)?;
        samples.push((query.kind, begun.elapsed(), found));
    }
    Ok(Searches { samples, elapsed: started.elapsed() })
}

fn directory_bytes(directory: &Path) -> anyhow::Result<u64> {
    let mut bytes = 0;
    for entry in std::fs::read_dir(directory)? {
        bytes += entry?.metadata()?.len();
    }
    Ok(bytes)
}

/// SplitMix64: a small deterministic generator, so every round indexes the same articles.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    /// An index below `bound`, small ones far more often (about as words are used).
    fn skewed(&mut self, bound: usize) -> usize {
        let uniform = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((uniform * uniform * uniform) * bound as f64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.skewed(words.len())]
    }
}

/// What a contact centre's knowledge base talks about.
const TOPICS_ZH: &[&str] = &[
    "退款",
    "订单",
    "快递",
    "密码",
    "发票",
    "信用卡",
    "挂失",
    "延误",
    "优惠券",
    "积分",
    "会员",
    "投诉",
    "地址",
    "取消",
    "物流",
    "账户",
    "注销",
    "登录",
    "验证码",
    "补卡",
    "保修",
    "维修",
    "换货",
    "退货",
    "支付",
    "到账",
    "审核",
    "发货",
    "包裹",
    "签收",
    "套餐",
    "流量",
    "话费",
    "宽带",
    "网络",
    "故障",
    "停机",
    "复机",
    "实名",
    "认证",
    "合同",
    "违约金",
    "押金",
    "分期",
    "利息",
    "额度",
    "冻结",
    "解冻",
    "转账",
    "余额",
    "提现",
    "充值",
    "红包",
    "预约",
    "上门",
    "安装",
    "配送",
    "破损",
    "赔偿",
    "保险",
    "理赔",
    "年费",
    "短信",
    "通知",
    "升级",
    "降级",
    "携号转网",
    "国际漫游",
];
const FILLER_ZH: &[&str] = &[
    "客户",
    "需要",
    "可以",
    "如果",
    "请",
    "时间",
    "工作日",
    "处理",
    "联系",
    "提供",
    "确认",
    "信息",
    "系统",
    "问题",
    "情况",
    "操作",
    "页面",
    "办理",
    "申请",
    "完成",
    "之后",
    "之前",
    "以及",
    "或者",
    "已经",
    "没有",
    "相关",
    "部门",
    "工单",
    "记录",
    "说明",
    "流程",
    "规则",
    "费用",
    "金额",
    "身份",
    "核实",
    "客服",
    "热线",
    "人工",
    "及时",
    "告知",
    "注意",
    "一般",
    "小时",
];
const TOPICS_EN: &[&str] = &[
    "refund",
    "order",
    "delivery",
    "password",
    "invoice",
    "card",
    "loss",
    "delay",
    "coupon",
    "points",
    "membership",
    "complaint",
    "address",
    "cancel",
    "shipping",
    "account",
    "closure",
    "login",
    "verification",
    "replacement",
    "warranty",
    "repair",
    "exchange",
    "return",
    "payment",
    "transfer",
    "review",
    "dispatch",
    "parcel",
    "signature",
    "plan",
    "data",
    "bill",
    "broadband",
    "network",
    "outage",
    "suspension",
    "identity",
    "contract",
    "penalty",
    "deposit",
    "instalment",
    "interest",
    "limit",
    "freeze",
    "balance",
    "withdrawal",
    "top-up",
    "appointment",
    "installation",
    "damage",
    "compensation",
    "insurance",
    "claim",
    "subscription",
    "notification",
    "upgrade",
    "roaming",
    "porting",
    "voucher",
];
const FILLER_EN: &[&str] = &[
    "the",
    "customer",
    "please",
    "can",
    "will",
    "within",
    "days",
    "check",
    "confirm",
    "before",
    "after",
    "if",
    "and",
    "to",
    "of",
    "for",
    "with",
    "on",
    "service",
    "team",
    "request",
    "agent",
    "business",
    "hours",
    "should",
    "must",
    "when",
    "their",
    "number",
    "details",
    "ticket",
    "record",
    "call",
    "email",
    "message",
    "policy",
    "process",
    "system",
    "page",
    "information",
    "fee",
    "amount",
    "time",
    "status",
    "update",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    Chinese,
    English,
    Mixed,
}

/// The articles: the same sequence from every new generator.
struct Articles {
    random: Random,
}

impl Articles {
    fn new() -> Self {
        Self { random: Random(0x4B_5EA2C4) }
    }

    fn article(&mut self, number: usize) -> ArticleDocument {
        let random = &mut self.random;
        let language = match random.below(10) {
            0..5 => Language::Chinese,
            5..8 => Language::English,
            _ => Language::Mixed,
        };
        let topics: Vec<&str> = (0..4)
            .map(|_| {
                let english = language == Language::English || (language == Language::Mixed && random.below(3) == 0);
                random.pick(if english { TOPICS_EN } else { TOPICS_ZH })
            })
            .collect();
        let title = match language {
            Language::English => {
                let mut title = topics[..3].join(" ");
                title[..1].make_ascii_uppercase();
                title
            }
            _ => format!("{}{}{}", topics[0], topics[1], ["说明", "处理", "流程", "常见问题"][random.below(4)]),
        };
        let keywords = topics[..2 + random.below(3)].iter().map(|word| (*word).to_owned()).collect();
        let summary = sentence(random, language, &topics, 40);
        let mut body = String::with_capacity(1_800);
        while body.chars().count() < 600 {
            body.push_str(&sentence(random, language, &topics, 60));
        }
        ArticleDocument {
            tenant_id: TENANTS[number % TENANTS.len()],
            article_id: Uuid::from_u128(0x4B_0000_0000 + number as u128),
            category_id: Some(Uuid::from_u128(0x4B_C000 + (number as u128 % CATEGORIES))),
            title,
            keywords,
            summary,
            body_text: body,
            attachments_text: String::new(),
            published: random.below(10) != 0,
            updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("a valid time")
                + chrono::Duration::seconds(number as i64),
        }
    }
}

/// A sentence of about `length` characters: the article's topics often, other topics and
/// filler words otherwise, now and then an order number.
fn sentence(random: &mut Random, language: Language, topics: &[&str], length: usize) -> String {
    let mut sentence = String::with_capacity(length * 3);
    let mut characters = 0;
    while characters < length {
        let english = match language {
            Language::Chinese => random.below(40) == 0,
            Language::English => true,
            Language::Mixed => random.below(3) == 0,
        };
        let word = match random.below(10) {
            0..3 => topics[random.below(topics.len())].to_owned(),
            3 => random.pick(if english { TOPICS_EN } else { TOPICS_ZH }).to_owned(),
            4 if random.below(4) == 0 => format!("{}", 10_000_000 + random.below(90_000_000)),
            _ => random.pick(if english { FILLER_EN } else { FILLER_ZH }).to_owned(),
        };
        if english && !sentence.is_empty() {
            sentence.push(' ');
        }
        characters += word.chars().count() + 1;
        sentence.push_str(&word);
        if !english && random.below(6) == 0 {
            sentence.push('，');
        }
    }
    sentence.push(if language == Language::English { '.' } else { '。' });
    if language == Language::English {
        sentence.push(' ');
    }
    sentence
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryKind {
    ChineseWord,
    ChinesePair,
    EnglishWord,
    EnglishPair,
    Typo,
}

impl QueryKind {
    const ALL: [QueryKind; 5] = [
        QueryKind::ChineseWord,
        QueryKind::ChinesePair,
        QueryKind::EnglishWord,
        QueryKind::EnglishPair,
        QueryKind::Typo,
    ];

    fn label(self) -> &'static str {
        match self {
            QueryKind::ChineseWord => "one Chinese word",
            QueryKind::ChinesePair => "two Chinese words",
            QueryKind::EnglishWord => "one English word",
            QueryKind::EnglishPair => "two English words",
            QueryKind::Typo => "an English word with a typo",
        }
    }
}

#[derive(Clone)]
struct Query {
    tenant_id: Uuid,
    text: String,
    kind: QueryKind,
}

/// `count` searches: 40 % one Chinese word, 20 % two (half of them typed without a space),
/// 20 % one English word, 10 % two, 10 % an English word with a letter dropped or swapped.
fn queries(count: usize) -> Vec<Query> {
    let mut random = Random(0x5EA2C4);
    (0..count)
        .map(|number| {
            let (kind, text) = match random.below(10) {
                0..4 => (QueryKind::ChineseWord, random.pick(TOPICS_ZH).to_owned()),
                4 | 5 => {
                    let separator = if random.below(2) == 0 { " " } else { "" };
                    (QueryKind::ChinesePair, format!("{}{separator}{}", random.pick(TOPICS_ZH), random.pick(TOPICS_ZH)))
                }
                6 | 7 => (QueryKind::EnglishWord, random.pick(TOPICS_EN).to_owned()),
                8 => (QueryKind::EnglishPair, format!("{} {}", random.pick(TOPICS_EN), random.pick(TOPICS_EN))),
                _ => (QueryKind::Typo, typo(&mut random)),
            };
            Query { tenant_id: TENANTS[number % TENANTS.len()], text, kind }
        })
        .collect()
}

/// An English topic word of 5 letters or more with one letter dropped or two swapped.
fn typo(random: &mut Random) -> String {
    let word = loop {
        let word = random.pick(TOPICS_EN);
        if word.len() >= 5 && word.bytes().all(|byte| byte.is_ascii_lowercase()) {
            break word;
        }
    };
    let mut letters: Vec<u8> = word.bytes().collect();
    let at = 1 + random.below(letters.len() - 2);
    if random.below(2) == 0 {
        letters.remove(at);
    } else {
        letters.swap(at, at + 1);
    }
    String::from_utf8(letters).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_the_same_articles_and_queries_every_time() {
        let titles = || {
            let mut generator = Articles::new();
            (0..20).map(|number| generator.article(number).title).collect::<Vec<_>>()
        };
        assert_eq!(titles(), titles());
        let texts = |queries: Vec<Query>| queries.into_iter().map(|query| query.text).collect::<Vec<_>>();
        assert_eq!(texts(queries(50)), texts(queries(50)));
    }

    #[test]
    fn articles_are_about_as_long_as_real_ones() {
        let mut generator = Articles::new();
        for number in 0..50 {
            let article = generator.article(number);
            let body = article.body_text.chars().count();
            assert!((600..800).contains(&body), "{body}: {}", article.body_text);
            assert!(article.title.chars().count() <= 40, "{}", article.title);
            assert!(!article.keywords.is_empty());
        }
    }

    #[tokio::test]
    async fn a_small_run_reports_both_paths_and_the_target() {
        let options = BenchOptions { scale: 0.005, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements.len(), 3);
        assert!(report.measurements.iter().all(|measurement| measurement.operations > 0), "{report}");
        assert_eq!(report.checks.len(), 1);
    }
}
