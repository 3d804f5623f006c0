//! Process-wide voice counters for `/metrics` (Prometheus text): calls in progress and in
//! conversation (bridged to an agent's phone), and RTP
//! packets received from callers and from agents' phones, and music frames sent. Packet
//! counts are added when a call's media stops, so a long call shows at its end.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::relay::MediaCounters;

static CALLS_IN_PROGRESS: AtomicU64 = AtomicU64::new(0);
static CALLS_TOTAL: AtomicU64 = AtomicU64::new(0);
static CALLS_BRIDGED: AtomicU64 = AtomicU64::new(0);
static RTP_FROM_CALLERS: AtomicU64 = AtomicU64::new(0);
static RTP_FROM_AGENTS: AtomicU64 = AtomicU64::new(0);
static MUSIC_FRAMES: AtomicU64 = AtomicU64::new(0);

pub(crate) fn call_started() {
    CALLS_IN_PROGRESS.fetch_add(1, Ordering::Relaxed);
    CALLS_TOTAL.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn call_ended() {
    CALLS_IN_PROGRESS.fetch_sub(1, Ordering::Relaxed);
}

/// A call's media started (`true`) or stopped (`false`) relaying to an agent's phone.
pub(crate) fn bridged(on: bool) {
    if on {
        CALLS_BRIDGED.fetch_add(1, Ordering::Relaxed);
    } else {
        CALLS_BRIDGED.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(crate) fn media_stopped(counters: &MediaCounters) {
    RTP_FROM_CALLERS.fetch_add(counters.from_caller, Ordering::Relaxed);
    RTP_FROM_AGENTS.fetch_add(counters.from_agent, Ordering::Relaxed);
    MUSIC_FRAMES.fetch_add(counters.music_frames, Ordering::Relaxed);
}

pub fn prometheus_text() -> String {
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    format!(
        "# HELP hotline_calls_in_progress Calls this node's SIP server is handling now.\n\
         # TYPE hotline_calls_in_progress gauge\n\
         hotline_calls_in_progress {}\n\
         # HELP hotline_calls_total Calls this node's SIP server has taken since it started.\n\
         # TYPE hotline_calls_total counter\n\
         hotline_calls_total {}\n\
         # HELP hotline_calls_bridged Calls whose media is relayed to an agent's phone now.\n\
         # TYPE hotline_calls_bridged gauge\n\
         hotline_calls_bridged {}\n\
         # HELP hotline_rtp_packets_received_total RTP packets received, by who sent them (counted when a call's media stops).\n\
         # TYPE hotline_rtp_packets_received_total counter\n\
         hotline_rtp_packets_received_total{{from=\"caller\"}} {}\n\
         hotline_rtp_packets_received_total{{from=\"agent\"}} {}\n\
         # HELP hotline_music_frames_total 20 ms frames of music sent to waiting or held callers.\n\
         # TYPE hotline_music_frames_total counter\n\
         hotline_music_frames_total {}\n",
        load(&CALLS_IN_PROGRESS),
        load(&CALLS_TOTAL),
        load(&CALLS_BRIDGED),
        load(&RTP_FROM_CALLERS),
        load(&RTP_FROM_AGENTS),
        load(&MUSIC_FRAMES),
    )
}
