//! RTP (RFC 3550) as a relay needs it: the fixed header read and written by hand (12 bytes,
//! no allocation per packet), a pool of UDP ports for the legs' media sockets, and the
//! runtime media runs on.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};

/// The media plane's own tokio runtime: every media socket is registered with it and every
/// relay task runs on it, so RTP keeps flowing on time whatever the signalling and the log
/// are busy with (hundreds of calls ending at once write hundreds of events and recordings).
/// Its threads get the kernel's fair share of the cores beside the main runtime's.
pub fn media_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, usize::from).min(4);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("hotline-media")
            .enable_all()
            .build()
            .expect("the media runtime starts")
    })
}

/// The fixed header's length; CSRCs and extensions come after it.
pub const HEADER_BYTES: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// Where the payload starts (after CSRCs and any header extension).
    pub payload_offset: usize,
}

/// Reads an RTP version 2 header; `None` for anything else (RTCP, STUN, garbage).
pub fn parse(packet: &[u8]) -> Option<RtpHeader> {
    if packet.len() < HEADER_BYTES || packet[0] >> 6 != 2 {
        return None;
    }
    let payload_type = packet[1] & 0x7F;
    // 72..=76 would be RTCP sent to the RTP port (RFC 5761).
    if (72..=76).contains(&payload_type) {
        return None;
    }
    let csrc_count = usize::from(packet[0] & 0x0F);
    let mut payload_offset = HEADER_BYTES + 4 * csrc_count;
    if packet[0] & 0x10 != 0 {
        let extension = packet.get(payload_offset..payload_offset + 4)?;
        payload_offset += 4 + 4 * usize::from(u16::from_be_bytes([extension[2], extension[3]]));
    }
    if payload_offset > packet.len() {
        return None;
    }
    Some(RtpHeader {
        marker: packet[1] & 0x80 != 0,
        payload_type,
        sequence: u16::from_be_bytes([packet[2], packet[3]]),
        timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
        ssrc: u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]),
        payload_offset,
    })
}

/// Writes a fixed header (no CSRCs, no extension) at the start of `packet`.
pub fn write_header(packet: &mut [u8], header: &RtpHeader) {
    packet[0] = 0x80;
    packet[1] = (u8::from(header.marker) << 7) | (header.payload_type & 0x7F);
    packet[2..4].copy_from_slice(&header.sequence.to_be_bytes());
    packet[4..8].copy_from_slice(&header.timestamp.to_be_bytes());
    packet[8..12].copy_from_slice(&header.ssrc.to_be_bytes());
}

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// Every port of the range is in use: the call is refused (503), not queued.
    #[error("no free RTP port in {first}..={last}")]
    Exhausted { first: u16, last: u16 },
}

/// UDP ports for media, taken from a configured range (even ports, RTP's convention; the
/// odd port above each is left for RTCP, which the relay does not read).
#[derive(Debug)]
pub struct PortPool {
    ip: IpAddr,
    first: u16,
    last: u16,
    state: Mutex<PoolState>,
}

#[derive(Debug)]
struct PoolState {
    next: u16,
    used: HashSet<u16>,
}

impl PortPool {
    pub fn new(ip: IpAddr, range: RangeInclusive<u16>) -> Arc<Self> {
        let first = range.start() + range.start() % 2;
        let last = *range.end();
        Arc::new(Self { ip, first, last, state: Mutex::new(PoolState { next: first, used: HashSet::new() }) })
    }

    /// The address media sockets bind to (and the SDP announces).
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// How many ports are taken now.
    #[cfg(test)]
    fn in_use(&self) -> usize {
        self.state.lock().expect("port pool lock").used.len()
    }

    /// Binds the next free port of the range, round robin (a port just released is not
    /// reused at once, so late packets of an ended call do not reach the next one).
    pub fn bind(self: &Arc<Self>) -> Result<MediaSocket, PoolError> {
        let mut state = self.state.lock().expect("port pool lock");
        let slots = usize::from((self.last.saturating_sub(self.first)) / 2 + 1);
        for _ in 0..slots {
            let port = state.next;
            state.next = if port.saturating_add(2) > self.last { self.first } else { port + 2 };
            if state.used.contains(&port) {
                continue;
            }
            // A port some other program holds is skipped, not fatal.
            let Ok(socket) = std::net::UdpSocket::bind(SocketAddr::new(self.ip, port)) else { continue };
            if socket.set_nonblocking(true).is_err() {
                continue;
            }
            let Ok(socket) = ({
                let _media = media_runtime().enter();
                tokio::net::UdpSocket::from_std(socket)
            }) else {
                continue;
            };
            state.used.insert(port);
            return Ok(MediaSocket { socket, port, pool: self.clone() });
        }
        Err(PoolError::Exhausted { first: self.first, last: self.last })
    }

    fn release(&self, port: u16) {
        self.state.lock().expect("port pool lock").used.remove(&port);
    }
}

/// A leg's media socket; its port goes back to the pool when dropped.
#[derive(Debug)]
pub struct MediaSocket {
    pub socket: tokio::net::UdpSocket,
    pub port: u16,
    pool: Arc<PortPool>,
}

impl Drop for MediaSocket {
    fn drop(&mut self) {
        self.pool.release(self.port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_written_is_read_back() {
        let header = RtpHeader {
            marker: true,
            payload_type: 8,
            sequence: 65_535,
            timestamp: 160,
            ssrc: 0xDEAD_BEEF,
            payload_offset: 12,
        };
        let mut packet = [0_u8; 172];
        write_header(&mut packet, &header);
        assert_eq!(parse(&packet), Some(header));
    }

    #[test]
    fn csrcs_and_extensions_move_the_payload_and_non_rtp_is_refused() {
        let mut packet = vec![0_u8; 40];
        packet[0] = 0x80 | 0x10 | 0x01; // one CSRC and an extension
        packet[1] = 0;
        packet[16..20].copy_from_slice(&[0xBE, 0xDE, 0x00, 0x02]); // two words of extension
        assert_eq!(parse(&packet).unwrap().payload_offset, 12 + 4 + 4 + 8);
        assert_eq!(parse(&packet[..20]), None, "the extension runs past the end");
        assert_eq!(parse(&[0x80, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None, "RTCP");
        assert_eq!(parse(&[0x40; 12]), None, "version 1");
        assert_eq!(parse(&[0x80; 4]), None, "too short");
    }

    #[tokio::test]
    async fn the_pool_hands_out_even_ports_round_robin_and_refuses_when_full() {
        let base = 41_000 + (std::process::id() % 500) as u16 * 20;
        let pool = PortPool::new("127.0.0.1".parse().unwrap(), base + 1..=base + 5);
        let first = pool.bind().unwrap();
        let second = pool.bind().unwrap();
        assert_eq!((first.port, second.port), (base + 2, base + 4));
        assert!(matches!(pool.bind(), Err(PoolError::Exhausted { .. })));
        drop(first);
        assert_eq!(pool.in_use(), 1);
        assert_eq!(pool.bind().unwrap().port, base + 2);
    }
}
