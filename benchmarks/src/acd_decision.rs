//! `acd-decision`: the latency of one ACD command (`Acd::decide` + `evolve`) in a routing
//! scope of 5,000 agents and 200 queues, in memory, one command at a time.
//!
//! Agents hold 1 voice and 3 chat contacts and belong to 4 queues each; queues use the three
//! strategies in turn, a third require a skill at a minimum level, a third keep sticky agents
//! and a third overflow. The scope is first filled to 105% of its capacity (not measured), so
//! there are always free agents somewhere and contacts waiting somewhere; then a stream of
//! commands is measured: a new contact, an accept of every offer made, a finish that frees an
//! agent (who takes the next waiting contact), and a `Tick` every 50 commands.
//!
//! Baseline, in the same run and on the same stream: a naive matcher with the same rules
//! (membership, presence, capacity per channel, skill, the queue's strategy, priority) that
//! scans every agent for each new contact and every waiting contact of the agent's queues
//! when an agent frees up. It builds no events and keeps no log, so it does less than the
//! system: the ratio is conservative.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use hotline_domain::Decider;
use hotline_domain::acd::{
    Acd, AcdAction, AcdCommand, AcdEvent, AcdState, AgentProfile, Channel, Overflow, Presence, QueueDefinition,
    RoutingStrategy, SkillRequirement,
};
use uuid::Uuid;

use crate::BenchOptions;
use crate::report::{BenchReport, Check, Latency, Measurement, Role, thousands};

const DEFAULT_AGENTS: usize = 5_000;
const QUEUES: usize = 200;
const QUEUES_PER_AGENT: usize = 4;
const SKILLS: usize = 20;
const DEFAULT_COMMANDS: usize = 30_000;
/// The target: p99 at most 1 ms per decision.
const TARGET_P99: Duration = Duration::from_millis(1);
/// Simulated time between two commands.
const STEP_MILLISECONDS: i64 = 20;
const TENANT: Uuid = Uuid::from_u128(0xACD);

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let agents = options.scaled(DEFAULT_AGENTS, 40);
    let queues = QUEUES.min(agents / 5).max(4);
    let commands = options.scaled(DEFAULT_COMMANDS, 300);
    let scope = Scope::generate(agents, queues);
    let mut report = BenchReport::new(
        "acd-decision",
        format!(
            "{} ACD commands (new contact, accept, finish, tick) one at a time against a routing scope of {} agents \
             (1 voice + 3 chats each, {QUEUES_PER_AGENT} queues each, mixed skills) and {} queues (longest idle, \
             skill level, round robin; sticky agent, VIP priority, overflow), filled to 105% of capacity first; \
             in memory; {} rounds.",
            thousands(commands as f64),
            thousands(agents as f64),
            queues,
            options.rounds,
        ),
    );
    let mut system_rounds = Vec::new();
    let mut naive_rounds = Vec::new();
    for _ in 0..options.rounds.max(1) {
        let deadline = Instant::now() + options.phase_time_limit;
        let mut system = SystemRouter::new(&scope);
        let system_run = drive(&mut system, &scope, commands, deadline);
        let deadline = Instant::now() + options.phase_time_limit;
        let mut naive = NaiveRouter::new(&scope);
        let naive_run = drive(&mut naive, &scope, commands, deadline);
        system_rounds.push(system_run);
        naive_rounds.push(naive_run);
    }
    let ratios: Vec<f64> = system_rounds
        .iter()
        .zip(&naive_rounds)
        .map(|(system, naive)| naive.p99().as_secs_f64() / system.p99().as_secs_f64().max(f64::EPSILON))
        .collect();
    let system = median_run(system_rounds);
    let naive = median_run(naive_rounds);
    let system_p99 = system.p99();
    report.note(format!(
        "system: {} offers made in the measured stream, {} contacts waiting at the end; baseline: {} offers",
        thousands(system.offers as f64),
        thousands(system.waiting_at_end as f64),
        thousands(naive.offers as f64),
    ));
    report.note(format!(
        "in microseconds (the table rounds to 0.01 ms): system p50 {}, p99 {}; baseline p50 {}, p99 {}",
        microseconds(system.percentile(0.50)),
        microseconds(system_p99),
        microseconds(naive.percentile(0.50)),
        microseconds(naive.p99()),
    ));
    report.note(format!(
        "system by command kind, p99: new contact {}, accept {}, finish {}, tick {}",
        kind_p99(&system, Kind::Enqueue),
        kind_p99(&system, Kind::Accept),
        kind_p99(&system, Kind::Finish),
        kind_p99(&system, Kind::Tick),
    ));
    report.note(format!(
        "baseline by command kind, p99: new contact {}, accept {}, finish {}",
        kind_p99(&naive, Kind::Enqueue),
        kind_p99(&naive, Kind::Accept),
        kind_p99(&naive, Kind::Finish),
    ));
    report.measure(
        system.into_measurement(Role::System, "Acd::decide + evolve (indexed free agents and waiting contacts)"),
    );
    report.measure(naive.into_measurement(Role::Baseline, "naive matcher: scans every agent per contact"));
    report.ratio_of_rounds("baseline p99 / system p99", &ratios);
    report.checks.push(Check {
        target: format!("p99 ≤ {} ms per ACD decision", TARGET_P99.as_millis()),
        measured: format!("{:.3} ms", system_p99.as_secs_f64() * 1000.0),
        met: system_p99 <= TARGET_P99,
    });
    Ok(report)
}

fn microseconds(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

fn kind_p99(run: &Run, kind: Kind) -> String {
    let samples: Vec<Duration> =
        run.samples.iter().filter(|(sample_kind, _)| *sample_kind == kind).map(|(_, duration)| *duration).collect();
    match Latency::of("command", samples) {
        Some(latency) => format!("{:.3} ms", latency.p99.as_secs_f64() * 1000.0),
        None => "–".to_owned(),
    }
}

fn median_run(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(Run::p99);
    runs.swap_remove((runs.len() - 1) / 2)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enqueue,
    Accept,
    Finish,
    Tick,
}

/// What one measured stream gave.
struct Run {
    samples: Vec<(Kind, Duration)>,
    offers: usize,
    waiting_at_end: usize,
}

impl Run {
    fn p99(&self) -> Duration {
        self.percentile(0.99)
    }

    /// Nearest rank, as `Latency::of`.
    fn percentile(&self, fraction: f64) -> Duration {
        let mut durations: Vec<Duration> = self.samples.iter().map(|(_, duration)| *duration).collect();
        if durations.is_empty() {
            return Duration::ZERO;
        }
        durations.sort_unstable();
        let index = ((durations.len() as f64 * fraction).ceil() as usize).clamp(1, durations.len()) - 1;
        durations[index]
    }

    fn into_measurement(self, role: Role, label: &str) -> Measurement {
        let samples: Vec<Duration> = self.samples.into_iter().map(|(_, duration)| duration).collect();
        Measurement {
            role,
            label: label.to_owned(),
            operations: samples.len() as u64,
            unit: "commands",
            elapsed: samples.iter().sum(),
            latency: Latency::of("command", samples),
        }
    }
}

/// SplitMix64: a small deterministic generator, so both routers see the same choices.
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
}

/// The agents and queues of the benchmark.
struct Scope {
    queues: Vec<QueueDefinition>,
    agents: Vec<AgentProfile>,
}

fn skill_name(index: usize) -> String {
    format!("skill {index}")
}

impl Scope {
    fn generate(agent_count: usize, queue_count: usize) -> Self {
        let mut random = Random(7);
        let queue_id = |index: usize| Uuid::from_u128(0x0100_0000 + index as u128);
        let queues: Vec<QueueDefinition> = (0..queue_count)
            .map(|index| QueueDefinition {
                queue_id: queue_id(index),
                name: format!("queue {index}"),
                strategy: [RoutingStrategy::LongestIdle, RoutingStrategy::SkillLevel, RoutingStrategy::RoundRobin]
                    [index % 3],
                required_skill: (index % 3 == 1)
                    .then(|| SkillRequirement { skill: skill_name(index % SKILLS), minimum_level: 3 }),
                customer_priority: index % 2 == 0,
                sticky_agent_seconds: (index % 3 == 0).then_some(10),
                // Overflow into the next queue, defined before this one.
                overflow: (index % 3 == 2 && index > 0)
                    .then(|| Overflow { after_seconds: 60, to_queue_id: queue_id(index - 1) }),
                offer_timeout_seconds: 30,
            })
            .collect();
        let agents = (0..agent_count)
            .map(|index| {
                let mut queue_ids = BTreeSet::new();
                while queue_ids.len() < QUEUES_PER_AGENT.min(queue_count) {
                    queue_ids.insert(queues[random.below(queue_count)].queue_id);
                }
                let mut skills = BTreeMap::new();
                for queue in queues.iter().filter(|queue| queue_ids.contains(&queue.queue_id)) {
                    if let Some(required) = &queue.required_skill {
                        skills.insert(required.skill.clone(), 1 + random.below(10) as u8);
                    }
                }
                skills.insert(skill_name(random.below(SKILLS)), 1 + random.below(10) as u8);
                AgentProfile {
                    agent_id: Uuid::from_u128(0x0200_0000 + index as u128),
                    capacity: BTreeMap::from([(Channel::Voice, 1), (Channel::Chat, 3)]),
                    skills,
                    queue_ids,
                }
            })
            .collect();
        Self { queues, agents }
    }

    fn capacity(&self) -> usize {
        self.agents.iter().map(|agent| agent.capacity.values().sum::<u32>() as usize).sum()
    }
}

/// A router under test: handles one command, returns the offers it made (contact, agent).
trait Router {
    fn handle(&mut self, command: &AcdCommand) -> Vec<(Uuid, Uuid)>;
    fn waiting(&self) -> usize;
}

fn time(step: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).single().expect("a valid time")
        + chrono::Duration::milliseconds(step as i64 * STEP_MILLISECONDS)
}

/// Fills the scope to 105% of its capacity (not measured), then measures `commands` commands.
fn drive(router: &mut impl Router, scope: &Scope, commands: usize, deadline: Instant) -> Run {
    let mut random = Random(11);
    let mut step = 0u64;
    let mut next_contact = 0u128;
    let mut pending: VecDeque<(Uuid, Uuid)> = VecDeque::new();
    let mut assigned: Vec<(Uuid, Uuid)> = Vec::new();
    let mut active = 0usize;
    let target = scope.capacity() * 105 / 100;
    let mut samples = Vec::with_capacity(commands);
    let mut offers = 0usize;
    let mut filled = false;
    while samples.len() < commands && Instant::now() < deadline {
        step += 1;
        let (kind, action) = if step.is_multiple_of(50) {
            (Kind::Tick, AcdAction::Tick)
        } else if let Some((contact_id, agent_id)) = pending.pop_front() {
            assigned.push((contact_id, agent_id));
            (Kind::Accept, AcdAction::AcceptOffer { contact_id, agent_id })
        } else if active >= target && !assigned.is_empty() {
            filled = true;
            let (contact_id, agent_id) = assigned.swap_remove(random.below(assigned.len()));
            active -= 1;
            (Kind::Finish, AcdAction::FinishContact { contact_id, agent_id, after_call_work: false })
        } else {
            next_contact += 1;
            active += 1;
            let queue = &scope.queues[random.below(scope.queues.len())];
            let vip = random.below(10) == 0;
            (
                Kind::Enqueue,
                AcdAction::EnqueueContact {
                    contact_id: Uuid::from_u128(0x0300_0000 + next_contact),
                    channel: if random.below(4) == 0 { Channel::Voice } else { Channel::Chat },
                    queue_id: queue.queue_id,
                    priority: if vip { 9 } else { 0 },
                    customer_key: Some(format!("customer {}", random.below(50_000))),
                },
            )
        };
        let command = AcdCommand { tenant_id: TENANT, at: time(step), action };
        let started = Instant::now();
        let made = router.handle(&command);
        let elapsed = started.elapsed();
        if filled {
            samples.push((kind, elapsed));
            offers += made.len();
        }
        pending.extend(made);
    }
    Run { samples, offers, waiting_at_end: router.waiting() }
}

/// Hotline's ACD: the decider, its state kept in memory between commands.
struct SystemRouter {
    state: AcdState,
}

impl SystemRouter {
    fn new(scope: &Scope) -> Self {
        let mut router = Self { state: AcdState::default() };
        let at = time(0);
        let mut setup: Vec<AcdAction> = scope.queues.iter().cloned().map(AcdAction::DefineQueue).collect();
        setup.extend(scope.agents.iter().cloned().map(AcdAction::RegisterAgent));
        setup.extend(
            scope
                .agents
                .iter()
                .map(|agent| AcdAction::SetPresence { agent_id: agent.agent_id, presence: Presence::Available }),
        );
        for action in setup {
            router.handle(&AcdCommand { tenant_id: TENANT, at, action });
        }
        router
    }
}

impl Router for SystemRouter {
    fn handle(&mut self, command: &AcdCommand) -> Vec<(Uuid, Uuid)> {
        let events = Acd::decide(&self.state, command).expect("the benchmark sends valid commands");
        let offers = events
            .iter()
            .filter_map(|event| match event {
                AcdEvent::ContactOffered(offered) => Some((offered.contact_id, offered.agent_id)),
                _ => None,
            })
            .collect();
        let state = std::mem::take(&mut self.state);
        self.state = events.iter().fold(state, Acd::evolve);
        offers
    }

    fn waiting(&self) -> usize {
        self.state
            .contacts
            .values()
            .filter(|contact| contact.status == hotline_domain::acd::ContactStatus::Waiting)
            .count()
    }
}

struct NaiveAgent {
    agent_id: Uuid,
    queue_ids: Vec<Uuid>,
    skills: BTreeMap<String, u8>,
    capacity: BTreeMap<Channel, u32>,
    load: BTreeMap<Channel, u32>,
    idle_since: DateTime<Utc>,
}

struct NaiveContact {
    contact_id: Uuid,
    channel: Channel,
    priority: u8,
    queued_at: DateTime<Utc>,
}

/// A waiting contact's urgency in the baseline: (priority, queued at, contact, queue, position).
type WaitingKey = (Reverse<u8>, DateTime<Utc>, Uuid, Uuid, usize);

/// The baseline: plain vectors, a scan per decision.
struct NaiveRouter {
    queues: BTreeMap<Uuid, QueueDefinition>,
    agents: Vec<NaiveAgent>,
    waiting: BTreeMap<Uuid, Vec<NaiveContact>>,
    round_robin_last: BTreeMap<Uuid, Uuid>,
    contact_channels: BTreeMap<Uuid, Channel>,
}

impl NaiveRouter {
    fn new(scope: &Scope) -> Self {
        Self {
            queues: scope.queues.iter().map(|queue| (queue.queue_id, queue.clone())).collect(),
            agents: scope
                .agents
                .iter()
                .map(|agent| NaiveAgent {
                    agent_id: agent.agent_id,
                    queue_ids: agent.queue_ids.iter().copied().collect(),
                    skills: agent.skills.clone(),
                    capacity: agent.capacity.clone(),
                    load: BTreeMap::new(),
                    idle_since: time(0),
                })
                .collect(),
            waiting: BTreeMap::new(),
            round_robin_last: BTreeMap::new(),
            contact_channels: BTreeMap::new(),
        }
    }

    fn eligible(queue: &QueueDefinition, agent: &NaiveAgent, channel: Channel) -> bool {
        let load = agent.load.get(&channel).copied().unwrap_or(0);
        let room = load < agent.capacity.get(&channel).copied().unwrap_or(0);
        let skilled = queue.required_skill.as_ref().is_none_or(|required| {
            agent.skills.get(&required.skill).is_some_and(|level| *level >= required.minimum_level)
        });
        room && skilled && agent.queue_ids.contains(&queue.queue_id)
    }

    fn offer(&mut self, agent_index: usize, contact_id: Uuid, channel: Channel, queue_id: Uuid) -> (Uuid, Uuid) {
        let agent = &mut self.agents[agent_index];
        *agent.load.entry(channel).or_default() += 1;
        self.round_robin_last.insert(queue_id, agent.agent_id);
        self.contact_channels.insert(contact_id, channel);
        (contact_id, agent.agent_id)
    }
}

impl Router for NaiveRouter {
    fn handle(&mut self, command: &AcdCommand) -> Vec<(Uuid, Uuid)> {
        match &command.action {
            AcdAction::EnqueueContact { contact_id, channel, queue_id, priority, .. } => {
                let queue = &self.queues[queue_id];
                let cursor = self.round_robin_last.get(queue_id).copied();
                // Scan every agent; the smallest key wins.
                let best = self
                    .agents
                    .iter()
                    .enumerate()
                    .filter(|(_, agent)| Self::eligible(queue, agent, *channel))
                    .min_by_key(|(_, agent)| {
                        let load = agent.load.get(channel).copied().unwrap_or(0);
                        let level = queue
                            .required_skill
                            .as_ref()
                            .and_then(|required| agent.skills.get(&required.skill).copied())
                            .unwrap_or(0);
                        match queue.strategy {
                            RoutingStrategy::RoundRobin => (
                                cursor.is_some_and(|last| agent.agent_id <= last),
                                Reverse(0),
                                0,
                                time(0),
                                agent.agent_id,
                            ),
                            RoutingStrategy::LongestIdle => (false, Reverse(0), load, agent.idle_since, agent.agent_id),
                            RoutingStrategy::SkillLevel => {
                                (false, Reverse(level), load, agent.idle_since, agent.agent_id)
                            }
                        }
                    })
                    .map(|(index, _)| index);
                match best {
                    Some(index) => vec![self.offer(index, *contact_id, *channel, *queue_id)],
                    None => {
                        self.waiting.entry(*queue_id).or_default().push(NaiveContact {
                            contact_id: *contact_id,
                            channel: *channel,
                            priority: if queue.customer_priority { *priority } else { 0 },
                            queued_at: command.at,
                        });
                        vec![]
                    }
                }
            }
            AcdAction::FinishContact { contact_id, agent_id, .. } => {
                let Some(index) = self.agents.iter().position(|agent| agent.agent_id == *agent_id) else {
                    return vec![];
                };
                let channel = self.contact_channels.remove(contact_id).expect("an offered contact");
                let agent = &mut self.agents[index];
                *agent.load.entry(channel).or_default() -= 1;
                agent.idle_since = command.at;
                // Scan every waiting contact of the agent's queues; the most urgent wins.
                let mut best: Option<WaitingKey> = None;
                for queue_id in &self.agents[index].queue_ids {
                    let queue = &self.queues[queue_id];
                    for (position, contact) in self.waiting.get(queue_id).into_iter().flatten().enumerate() {
                        if !Self::eligible(queue, &self.agents[index], contact.channel) {
                            continue;
                        }
                        let key =
                            (Reverse(contact.priority), contact.queued_at, contact.contact_id, *queue_id, position);
                        if best.is_none_or(|current| key < current) {
                            best = Some(key);
                        }
                    }
                }
                match best {
                    Some((_, _, contact_id, queue_id, position)) => {
                        let contact = self.waiting.get_mut(&queue_id).expect("found above").remove(position);
                        vec![self.offer(index, contact_id, contact.channel, queue_id)]
                    }
                    None => vec![],
                }
            }
            _ => vec![],
        }
    }

    fn waiting(&self) -> usize {
        self.waiting.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_run_reports_both_routers_and_the_target() {
        let options = BenchOptions { scale: 0.02, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements.len(), 2);
        assert!(report.measurements.iter().all(|measurement| measurement.operations > 0), "{report}");
        assert_eq!(report.checks.len(), 1);
    }
}
