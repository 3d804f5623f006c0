//! A call's media: the caller's RTP socket, the agent's once one answers, the relay between
//! them, music while the caller waits or is held, and the recording of both directions.
//! During a consultation a third leg, the consulted agent's phone, talks with the agent while
//! the caller hears music (not recorded); completing the transfer makes it the agent leg.
//!
//! One task per call owns its sockets, so a packet costs one `recv_from`, at most an
//! in-place G.711 transcode (a PCMA caller talking to a PCMU phone), and one `send_to`. The
//! tasks run on the media plane's own runtime ([`crate::rtp::media_runtime`]).
//! Each side's address is the one its SDP gave until its first packet arrives; from then on
//! replies go where packets come from (symmetric RTP, which gets through NAT).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::g711;
use crate::music::Music;
use crate::rtp::{self, MediaSocket, RtpHeader};
use crate::sdp::Codec;

/// One RTP packet of G.711 at 8 kHz carries 20 ms: 160 samples.
const FRAME_SAMPLES: usize = 160;
const FRAME: Duration = Duration::from_millis(20);
/// The longest recording kept.
pub const MAX_RECORDING: Duration = Duration::from_secs(4 * 3600);
/// With a [`RecordingSink`], each track keeps this many samples in memory (2 s: room for
/// packets that arrive late or out of order) and hands older ones on a chunk at a time.
const KEEP_SAMPLES: usize = 2 * 8000;
const CHUNK_SAMPLES: usize = 4 * 8000;
const MAX_PACKET: usize = 1500;

/// What the call's signalling tells its media.
#[derive(Debug)]
enum Instruction {
    Bridge { socket: MediaSocket, remote: SocketAddr, codec: Codec },
    Unbridge,
    Hold(bool),
    Consult { socket: MediaSocket, remote: SocketAddr, codec: Codec },
    EndConsult,
    CompleteConsult,
    Stop(oneshot::Sender<Recording>),
}

pub use hotline_domain::call::recording::{Chunk, Side};

/// Where a recording's older chunks go while the call runs (the binary seals and spools
/// them), so that a call holds only its last seconds of audio in memory.
pub type RecordingSink = mpsc::UnboundedSender<Chunk>;

/// Both directions of a bridged call, in μ-law, one byte a sample at 8 kHz, silence where
/// nothing arrived: what is still in memory when the call ends, each track from sample
/// `*_start` (the samples before it went to the [`RecordingSink`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recording {
    pub caller: Vec<u8>,
    pub agent: Vec<u8>,
    pub caller_start: usize,
    pub agent_start: usize,
}

impl Recording {
    pub fn duration(&self) -> Duration {
        let samples = (self.caller_start + self.caller.len()).max(self.agent_start + self.agent.len());
        Duration::from_millis(samples as u64 / 8)
    }

    pub fn is_empty(&self) -> bool {
        self.duration().is_zero()
    }

    /// What is in memory, as chunks.
    pub fn into_chunks(self) -> Vec<Chunk> {
        [(Side::Caller, self.caller_start, self.caller), (Side::Agent, self.agent_start, self.agent)]
            .into_iter()
            .filter(|(_, _, samples)| !samples.is_empty())
            .map(|(side, start, samples)| Chunk { side, start: start as u64, samples })
            .collect()
    }
}

/// A stereo WAV file of two μ-law tracks (caller left, agent right), 16-bit linear PCM at
/// 8 kHz.
pub fn to_wav(caller: &[u8], agent: &[u8]) -> Vec<u8> {
    let samples = caller.len().max(agent.len());
    let mut wav = crate::music::wav_header(2, samples);
    let silence = g711::silence(Codec::Pcmu);
    for index in 0..samples {
        for track in [caller, agent] {
            let code = track.get(index).copied().unwrap_or(silence);
            wav.extend_from_slice(&g711::ulaw_to_linear(code).to_le_bytes());
        }
    }
    wav
}

/// Counters of one call's media, for tests and metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MediaCounters {
    pub from_caller: u64,
    pub from_agent: u64,
    pub from_consulted: u64,
    pub music_frames: u64,
}

/// The handle the call's signalling holds.
pub struct MediaSession {
    instructions: mpsc::UnboundedSender<Instruction>,
}

impl MediaSession {
    /// Starts relaying for a caller whose SDP named `remote` and `codec`; `music` plays to the
    /// caller until an agent is bridged, and while the caller is held. The recording's older
    /// chunks go to `sink`, if any (else it stays in memory until the end).
    pub fn start(
        caller: MediaSocket,
        remote: SocketAddr,
        codec: Codec,
        music: Music,
        sink: Option<RecordingSink>,
    ) -> Self {
        let (instructions, received) = mpsc::unbounded_channel();
        crate::rtp::media_runtime().spawn(run(Leg::new(caller, remote, codec), music, received, sink));
        Self { instructions }
    }

    pub fn bridge(&self, socket: MediaSocket, remote: SocketAddr, codec: Codec) {
        let _ = self.instructions.send(Instruction::Bridge { socket, remote, codec });
    }

    /// The agent leg is gone (transferred): music again until the next one.
    pub fn unbridge(&self) {
        let _ = self.instructions.send(Instruction::Unbridge);
    }

    pub fn hold(&self, held: bool) {
        let _ = self.instructions.send(Instruction::Hold(held));
    }

    /// A consultation: the agent talks with the consulted agent's phone (`remote`, `codec`)
    /// instead of the caller, who hears music. Not recorded: the recording is the caller's.
    pub fn consult(&self, socket: MediaSocket, remote: SocketAddr, codec: Codec) {
        let _ = self.instructions.send(Instruction::Consult { socket, remote, codec });
    }

    /// The consultation is over: the agent talks with the caller again (if not held).
    pub fn end_consult(&self) {
        let _ = self.instructions.send(Instruction::EndConsult);
    }

    /// Attended transfer: the consulted phone takes the agent's place, talking with the
    /// caller (off hold); the consulting agent's leg is dropped.
    pub fn complete_consult(&self) {
        let _ = self.instructions.send(Instruction::CompleteConsult);
    }

    /// Stops the media and hands over the recording.
    pub async fn stop(self) -> Recording {
        let (done, recording) = oneshot::channel();
        if self.instructions.send(Instruction::Stop(done)).is_err() {
            return Recording::default();
        }
        recording.await.unwrap_or_default()
    }
}

struct Leg {
    socket: MediaSocket,
    remote: SocketAddr,
    latched: bool,
    codec: Codec,
}

impl Leg {
    fn new(socket: MediaSocket, remote: SocketAddr, codec: Codec) -> Self {
        Self { socket, remote, latched: false, codec }
    }

    fn latch(&mut self, from: SocketAddr) {
        if !self.latched {
            self.remote = from;
            self.latched = true;
        }
    }
}

/// One recorded direction: where each sender's stream starts on the call's timeline.
struct Track {
    side: Side,
    /// The samples from `base` on (the earlier ones went to the sink).
    samples: Vec<u8>,
    base: usize,
    /// The sender's SSRC, its first RTP timestamp and where that sample sits.
    origin: Option<(u32, u32, usize)>,
}

impl Track {
    fn new(side: Side) -> Self {
        Self { side, samples: Vec::new(), base: 0, origin: None }
    }

    /// Where the samples in memory end on the call's timeline.
    fn end(&self) -> usize {
        self.base + self.samples.len()
    }

    /// Hands the oldest chunk to the sink once more than the last seconds are in memory.
    fn spill(&mut self, sink: &RecordingSink) {
        if self.samples.len() >= KEEP_SAMPLES + CHUNK_SAMPLES {
            let samples: Vec<u8> = self.samples.drain(..CHUNK_SAMPLES).collect();
            let _ = sink.send(Chunk { side: self.side, start: self.base as u64, samples });
            self.base += CHUNK_SAMPLES;
        }
    }

    fn write(&mut self, header: &RtpHeader, payload: &[u8], codec: Codec, now_sample: usize) {
        let origin = match self.origin {
            Some((ssrc, timestamp, at)) if ssrc == header.ssrc => (ssrc, timestamp, at),
            // A new sender (or the first): its stream starts where the clock is now.
            _ => {
                let origin = (header.ssrc, header.timestamp, now_sample.max(self.end()));
                self.origin = Some(origin);
                origin
            }
        };
        let offset = header.timestamp.wrapping_sub(origin.1) as usize;
        let start = origin.2 + offset;
        let end = start + payload.len();
        // Too late (its place went to the sink), or absurdly far.
        if start < self.base || end > MAX_RECORDING.as_millis() as usize * 8 || offset > 1 << 30 {
            return;
        }
        let (start, end) = (start - self.base, end - self.base);
        if self.samples.len() < end {
            self.samples.resize(end, g711::silence(Codec::Pcmu));
        }
        let slot = &mut self.samples[start..end];
        slot.copy_from_slice(payload);
        g711::transcode(slot, codec, Codec::Pcmu);
    }
}

/// Records a packet that came in speaking `codec` (when a `track` is given) and relays it to
/// `to`, transcoding it in place when `to` speaks the other G.711. DTMF and other payloads go
/// through untouched.
async fn forward(
    packet: &mut [u8],
    header: &RtpHeader,
    codec: Codec,
    to: &Leg,
    track: Option<(&mut Track, &Option<RecordingSink>)>,
    now_sample: usize,
) {
    if Codec::from_payload_type(header.payload_type) == Some(codec) {
        let payload = &mut packet[header.payload_offset..];
        if let Some((track, sink)) = track {
            track.write(header, payload, codec, now_sample);
            if let Some(sink) = sink {
                track.spill(sink);
            }
        }
        if codec != to.codec {
            g711::transcode(payload, codec, to.codec);
            packet[1] = (packet[1] & 0x80) | to.codec.payload_type();
        }
    }
    let _ = to.socket.socket.send_to(packet, to.remote).await;
}

async fn run(
    mut caller: Leg,
    music: Music,
    mut instructions: mpsc::UnboundedReceiver<Instruction>,
    sink: Option<RecordingSink>,
) {
    let started = Instant::now();
    let mut agent: Option<Leg> = None;
    // The consulted agent's phone, during a consultation: it talks with the agent.
    let mut consulted: Option<Leg> = None;
    let mut held = false;
    let mut caller_track = Track::new(Side::Caller);
    let mut agent_track = Track::new(Side::Agent);
    let mut recording_since: Option<Instant> = None;
    let mut music_clock = tokio::time::interval(FRAME);
    music_clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let ssrc: u32 = rand::random();
    let mut music_sequence: u16 = rand::random();
    let mut music_timestamp: u32 = rand::random();
    let mut music_position = 0_usize;
    let mut from_caller = vec![0_u8; MAX_PACKET];
    let mut from_agent = vec![0_u8; MAX_PACKET];
    let mut from_consulted = vec![0_u8; MAX_PACKET];
    let mut counters = MediaCounters::default();
    let now_sample = |since: Option<Instant>| since.map_or(0, |since| (since.elapsed().as_millis() as usize) * 8);
    let stopped = loop {
        tokio::select! {
            instruction = instructions.recv() => match instruction {
                Some(Instruction::Bridge { socket, remote, codec }) => {
                    if agent.replace(Leg::new(socket, remote, codec)).is_none() {
                        crate::metrics::bridged(true);
                    }
                    recording_since.get_or_insert_with(Instant::now);
                }
                Some(Instruction::Unbridge) => {
                    if agent.take().is_some() {
                        crate::metrics::bridged(false);
                    }
                }
                Some(Instruction::Hold(on)) => held = on,
                Some(Instruction::Consult { socket, remote, codec }) => {
                    consulted = Some(Leg::new(socket, remote, codec));
                }
                Some(Instruction::EndConsult) => consulted = None,
                Some(Instruction::CompleteConsult) => {
                    if let Some(leg) = consulted.take() {
                        if agent.replace(leg).is_none() {
                            crate::metrics::bridged(true);
                        }
                        held = false;
                    }
                }
                Some(Instruction::Stop(done)) => break Some(done),
                None => break None,
            },
            received = caller.socket.socket.recv_from(&mut from_caller) => {
                let Ok((length, from)) = received else { continue };
                let Some(header) = rtp::parse(&from_caller[..length]) else { continue };
                caller.latch(from);
                counters.from_caller += 1;
                let Some(agent) = agent.as_ref().filter(|_| !held) else { continue };
                let packet = &mut from_caller[..length];
                forward(packet, &header, caller.codec, agent, Some((&mut caller_track, &sink)), now_sample(recording_since)).await;
            },
            received = async { agent.as_ref().expect("guarded").socket.socket.recv_from(&mut from_agent).await }, if agent.is_some() => {
                let Ok((length, from)) = received else { continue };
                let Some(header) = rtp::parse(&from_agent[..length]) else { continue };
                let agent = agent.as_mut().expect("guarded");
                agent.latch(from);
                counters.from_agent += 1;
                let packet = &mut from_agent[..length];
                if let Some(consulted) = &consulted {
                    forward(packet, &header, agent.codec, consulted, None, 0).await;
                } else if !held {
                    forward(packet, &header, agent.codec, &caller, Some((&mut agent_track, &sink)), now_sample(recording_since)).await;
                }
            },
            received = async { consulted.as_ref().expect("guarded").socket.socket.recv_from(&mut from_consulted).await }, if consulted.is_some() => {
                let Ok((length, from)) = received else { continue };
                let Some(header) = rtp::parse(&from_consulted[..length]) else { continue };
                let consulted = consulted.as_mut().expect("guarded");
                consulted.latch(from);
                counters.from_consulted += 1;
                let Some(agent) = agent.as_ref() else { continue };
                forward(&mut from_consulted[..length], &header, consulted.codec, agent, None, 0).await;
            },
            _ = music_clock.tick(), if (agent.is_none() || held) && !music.is_empty() => {
                let mut packet = [0_u8; rtp::HEADER_BYTES + FRAME_SAMPLES];
                let header = RtpHeader {
                    marker: counters.music_frames == 0,
                    payload_type: caller.codec.payload_type(),
                    sequence: music_sequence,
                    timestamp: music_timestamp,
                    ssrc,
                    payload_offset: rtp::HEADER_BYTES,
                };
                rtp::write_header(&mut packet, &header);
                let payload = &mut packet[rtp::HEADER_BYTES..];
                for slot in payload.iter_mut() {
                    *slot = music[music_position];
                    music_position = (music_position + 1) % music.len();
                }
                g711::transcode(payload, Codec::Pcmu, caller.codec);
                let _ = caller.socket.socket.send_to(&packet, caller.remote).await;
                music_sequence = music_sequence.wrapping_add(1);
                music_timestamp = music_timestamp.wrapping_add(FRAME_SAMPLES as u32);
                counters.music_frames += 1;
            },
        }
    };
    if agent.is_some() {
        crate::metrics::bridged(false);
    }
    tracing::debug!(?counters, seconds = started.elapsed().as_secs(), "call media stopped");
    crate::metrics::media_stopped(&counters);
    if let Some(done) = stopped {
        let _ = done.send(Recording {
            caller_start: caller_track.base,
            agent_start: agent_track.base,
            caller: caller_track.samples,
            agent: agent_track.samples,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(ssrc: u32, timestamp: u32) -> RtpHeader {
        RtpHeader { marker: false, payload_type: 0, sequence: 0, timestamp, ssrc, payload_offset: 12 }
    }

    #[test]
    fn a_track_places_frames_by_their_timestamps_and_fills_gaps_with_silence() {
        let mut track = Track::new(Side::Caller);
        track.write(&header(1, 1000), &[1; 160], Codec::Pcmu, 800);
        // One frame lost, then the next arrives.
        track.write(&header(1, 1320), &[2; 160], Codec::Pcmu, 1200);
        assert_eq!(track.samples.len(), 800 + 480);
        assert!(track.samples[..800].iter().all(|&code| code == 0xFF));
        assert!(track.samples[800..960].iter().all(|&code| code == 1));
        assert!(track.samples[960..1120].iter().all(|&code| code == 0xFF));
        assert!(track.samples[1120..].iter().all(|&code| code == 2));
        // A new sender continues at the clock, never over what was recorded.
        track.write(&header(2, 5), &[3; 160], Codec::Pcmu, 100);
        assert_eq!(track.samples.len(), 1280 + 160);
    }

    #[test]
    fn a_track_hands_its_older_samples_to_the_sink_and_keeps_the_last_seconds() {
        let (sink, mut chunks) = mpsc::unbounded_channel();
        let mut track = Track::new(Side::Agent);
        let frames = (KEEP_SAMPLES + CHUNK_SAMPLES) / FRAME_SAMPLES + 10;
        for frame in 0..frames {
            let fill = (frame % 200) as u8;
            track.write(&header(7, (frame * FRAME_SAMPLES) as u32), &[fill; FRAME_SAMPLES], Codec::Pcmu, 0);
            track.spill(&sink);
        }
        let chunk = chunks.try_recv().expect("one chunk spilled");
        assert!(chunks.try_recv().is_err(), "only one chunk so far");
        assert_eq!((chunk.side, chunk.start, chunk.samples.len()), (Side::Agent, 0, CHUNK_SAMPLES));
        assert_eq!((track.base, track.end()), (CHUNK_SAMPLES, frames * FRAME_SAMPLES));
        // A frame that comes after its place was spilled is dropped, not misplaced.
        track.write(&header(7, 0), &[255; FRAME_SAMPLES], Codec::Pcmu, 0);
        assert_eq!(track.end(), frames * FRAME_SAMPLES);
        let whole: Vec<u8> = chunk.samples.iter().chain(&track.samples).copied().collect();
        let expected: Vec<u8> = (0..frames).flat_map(|frame| [(frame % 200) as u8; FRAME_SAMPLES]).collect();
        assert_eq!(whole, expected, "the chunk and the tail are the whole track");
    }

    #[test]
    fn a_pcma_frame_is_recorded_as_mulaw() {
        let mut track = Track::new(Side::Caller);
        track.write(&header(1, 0), &[0xD5; 160], Codec::Pcma, 0);
        let quiet = track.samples.iter().all(|&code| g711::ulaw_to_linear(code).abs() <= 8);
        assert!(quiet && track.samples.len() == 160, "A-law silence stays silence in μ-law");
    }

    #[tokio::test]
    async fn a_waiting_caller_hears_the_queues_music_in_its_own_codec() {
        let base = 43_000 + (std::process::id() % 500) as u16 * 4;
        let pool = crate::rtp::PortPool::new("127.0.0.1".parse().unwrap(), base..=base + 3);
        let caller = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let music: Music = (0..1600_u32).map(|index| (index % 251) as u8).collect::<Vec<_>>().into();
        let session =
            MediaSession::start(pool.bind().unwrap(), caller.local_addr().unwrap(), Codec::Pcma, music.clone(), None);
        let mut heard = Vec::new();
        let mut packet = [0_u8; MAX_PACKET];
        while heard.len() < 480 {
            let length = tokio::time::timeout(Duration::from_secs(5), caller.recv(&mut packet)).await.unwrap().unwrap();
            let header = rtp::parse(&packet[..length]).unwrap();
            assert_eq!(header.payload_type, Codec::Pcma.payload_type());
            heard.extend_from_slice(&packet[header.payload_offset..length]);
        }
        let mut expected = music[..480].to_vec();
        g711::transcode(&mut expected, Codec::Pcmu, Codec::Pcma);
        assert_eq!(heard, expected, "three frames of the file, from its start, in A-law");
        assert!(session.stop().await.is_empty(), "nothing is recorded before an agent answers");
    }

    /// Sends a frame of `fill` from `from` until it reaches `to` (an instruction sent just
    /// before may not have been taken yet); answers its payload there.
    async fn relayed(
        from: &tokio::net::UdpSocket,
        target: SocketAddr,
        to: &tokio::net::UdpSocket,
        fill: u8,
    ) -> Vec<u8> {
        let mut packet = [fill; rtp::HEADER_BYTES + FRAME_SAMPLES];
        let header = RtpHeader { payload_offset: rtp::HEADER_BYTES, ..header(u32::from(fill), 0) };
        rtp::write_header(&mut packet, &header);
        let mut received = [0_u8; MAX_PACKET];
        for _ in 0..50 {
            from.send_to(&packet, target).await.unwrap();
            let deadline = tokio::time::Instant::now() + Duration::from_millis(100);
            while let Ok(Ok(length)) = tokio::time::timeout_at(deadline, to.recv(&mut received)).await {
                let payload = &received[rtp::parse(&received[..length]).unwrap().payload_offset..length];
                // Music (the caller is held) and earlier frames are not the one asked for.
                if payload.iter().all(|&code| code == fill) {
                    return payload.to_vec();
                }
            }
        }
        panic!("a frame of {fill} never reached its peer");
    }

    #[tokio::test]
    async fn a_consultation_connects_the_agent_with_the_consulted_phone_and_completing_it_with_the_caller() {
        // Three sockets, each an even RTP port with its RTCP neighbour.
        let base = 45_000 + (std::process::id() % 500) as u16 * 8;
        let pool = crate::rtp::PortPool::new("127.0.0.1".parse().unwrap(), base..=base + 7);
        let bind = || async { tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap() };
        let (caller, agent, consulted) = (bind().await, bind().await, bind().await);
        let (to_caller, to_agent, to_consulted) = (pool.bind().unwrap(), pool.bind().unwrap(), pool.bind().unwrap());
        let (caller_port, agent_port, consulted_port) = (to_caller.port, to_agent.port, to_consulted.port);
        let ours = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        let music: Music = vec![0x7F; 1600].into();
        let session = MediaSession::start(to_caller, caller.local_addr().unwrap(), Codec::Pcmu, music, None);
        session.bridge(to_agent, agent.local_addr().unwrap(), Codec::Pcmu);
        assert_eq!(relayed(&caller, ours(caller_port), &agent, 1).await.len(), FRAME_SAMPLES);

        session.hold(true);
        // The hold is in effect once the caller hears music (then nothing the agent says
        // reaches the caller or the recording).
        let mut received = [0_u8; MAX_PACKET];
        loop {
            let length =
                tokio::time::timeout(Duration::from_secs(5), caller.recv(&mut received)).await.unwrap().unwrap();
            if received[rtp::parse(&received[..length]).unwrap().payload_offset..length]
                .iter()
                .all(|&code| code == 0x7F)
            {
                break;
            }
        }
        session.consult(to_consulted, consulted.local_addr().unwrap(), Codec::Pcmu);
        assert_eq!(relayed(&agent, ours(agent_port), &consulted, 2).await.len(), FRAME_SAMPLES);
        assert_eq!(relayed(&consulted, ours(consulted_port), &agent, 3).await.len(), FRAME_SAMPLES);

        session.complete_consult();
        assert_eq!(relayed(&consulted, ours(consulted_port), &caller, 4).await.len(), FRAME_SAMPLES);
        assert_eq!(relayed(&caller, ours(caller_port), &consulted, 5).await.len(), FRAME_SAMPLES);
        let recording = session.stop().await;
        let recorded = |track: &[u8], fill: u8| track.iter().filter(|&&code| code == fill).count();
        assert_eq!(recorded(&recording.caller, 1), FRAME_SAMPLES);
        assert_eq!(recorded(&recording.agent, 4), FRAME_SAMPLES, "the consulted agent, once transferred to");
        // (A late copy of the consulted phone's frame 3, resent while the relay was slow, may
        // arrive after the completion: it is then the new agent's speech, and recorded.)
        assert_eq!(recorded(&recording.agent, 2), 0, "what the agent said during the consultation is not recorded");
    }

    #[test]
    fn the_wav_is_stereo_linear_pcm_of_the_longer_track() {
        let recording = Recording { caller: vec![0xFF; 8000], agent: vec![0xFF; 4000], ..Default::default() };
        assert_eq!(recording.duration(), Duration::from_secs(1));
        let wav = to_wav(&recording.caller, &recording.agent);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(wav.len(), 44 + 8000 * 4);
    }
}
