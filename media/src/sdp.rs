//! The slice of SDP (RFC 4566, offer/answer RFC 3264) a G.711 B2BUA needs: one audio stream,
//! its address, port, codecs, DTMF payload type and direction.

use std::fmt::Write as _;
use std::net::IpAddr;

/// A G.711 codec, by its static RTP payload type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    Pcmu,
    Pcma,
}

impl Codec {
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    pub fn from_payload_type(payload_type: u8) -> Option<Self> {
        match payload_type {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    fn rtpmap(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU/8000",
            Codec::Pcma => "PCMA/8000",
        }
    }
}

/// Which way media flows, as the describing side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// A peer that stops sending to us (`sendonly`/`inactive` from its side) puts us on hold.
    pub fn is_hold(self) -> bool {
        matches!(self, Direction::SendOnly | Direction::Inactive)
    }
}

/// One side's audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDescription {
    pub address: IpAddr,
    pub port: u16,
    /// The G.711 codecs offered, in the describing side's order of preference.
    pub codecs: Vec<Codec>,
    /// The payload type of RFC 4733 telephone events (DTMF), if offered.
    pub telephone_event: Option<u8>,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("the SDP has no audio stream")]
    NoAudio,
    #[error("the SDP has no connection address")]
    NoAddress,
    #[error("the SDP offers no codec we speak (PCMU or PCMA)")]
    NoCommonCodec,
    #[error("the SDP line {0:?} is malformed")]
    Malformed(String),
}

/// Reads the first audio stream of an SDP body.
pub fn parse(body: &str) -> Result<AudioDescription, SdpError> {
    let mut session_address = None;
    let mut media_address = None;
    let mut audio: Option<(u16, Vec<u8>)> = None;
    let mut in_audio = false;
    let mut seen_audio = false;
    let mut telephone_event = None;
    let mut direction = Direction::SendRecv;
    for line in body.lines().map(str::trim_end) {
        let Some((kind, value)) = line.split_once('=') else { continue };
        match kind {
            "m" => {
                in_audio = !seen_audio && value.starts_with("audio ");
                if in_audio {
                    seen_audio = true;
                    let mut fields = value.split_whitespace().skip(1);
                    let port = fields
                        .next()
                        .and_then(|port| port.split('/').next()?.parse().ok())
                        .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
                    let formats = fields.skip(1).filter_map(|format| format.parse().ok()).collect();
                    audio = Some((port, formats));
                }
            }
            "c" => {
                let address = value
                    .split_whitespace()
                    .nth(2)
                    .and_then(|address| address.split('/').next()?.parse::<IpAddr>().ok())
                    .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
                if in_audio {
                    media_address = Some(address)
                } else if !seen_audio {
                    session_address = Some(address)
                }
            }
            "a" if in_audio || !seen_audio => match value {
                "sendrecv" => direction = Direction::SendRecv,
                "sendonly" => direction = Direction::SendOnly,
                "recvonly" => direction = Direction::RecvOnly,
                "inactive" => direction = Direction::Inactive,
                _ => {
                    if let Some(map) = value.strip_prefix("rtpmap:")
                        && in_audio
                        && let Some((payload_type, encoding)) = map.split_once(' ')
                        && encoding.to_ascii_lowercase().starts_with("telephone-event/")
                    {
                        telephone_event = payload_type.parse().ok();
                    }
                }
            },
            _ => {}
        }
    }
    let (port, formats) = audio.ok_or(SdpError::NoAudio)?;
    let address = media_address.or(session_address).ok_or(SdpError::NoAddress)?;
    let codecs: Vec<Codec> = formats.iter().filter_map(|format| Codec::from_payload_type(*format)).collect();
    // A port of 0 rejects or disables the stream; it has no codec to agree on then.
    if codecs.is_empty() && port != 0 {
        return Err(SdpError::NoCommonCodec);
    }
    Ok(AudioDescription { address, port, codecs, telephone_event, direction })
}

/// Writes our side of an audio stream: an offer (several codecs) or an answer (one).
pub fn write(session_id: u64, ours: &AudioDescription) -> String {
    let family = if ours.address.is_ipv4() { "IP4" } else { "IP6" };
    let address = ours.address;
    let mut formats: Vec<String> = ours.codecs.iter().map(|codec| codec.payload_type().to_string()).collect();
    if let Some(telephone_event) = ours.telephone_event {
        formats.push(telephone_event.to_string());
    }
    let mut sdp = String::new();
    let _ = write!(
        sdp,
        "v=0\r\no=hotline {session_id} {session_id} IN {family} {address}\r\ns=Hotline\r\nc=IN {family} {address}\r\nt=0 0\r\nm=audio {} RTP/AVP {}\r\n",
        ours.port,
        formats.join(" ")
    );
    for codec in &ours.codecs {
        let _ = write!(sdp, "a=rtpmap:{} {}\r\n", codec.payload_type(), codec.rtpmap());
    }
    if let Some(telephone_event) = ours.telephone_event {
        let _ = write!(sdp, "a=rtpmap:{telephone_event} telephone-event/8000\r\na=fmtp:{telephone_event} 0-16\r\n");
    }
    let _ = write!(sdp, "a=ptime:20\r\na={}\r\n", ours.direction.attribute());
    sdp
}

/// The codec to answer an offer with: the offerer's first choice.
pub fn choose_codec(offer: &AudioDescription) -> Result<Codec, SdpError> {
    offer.codecs.first().copied().ok_or(SdpError::NoCommonCodec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIPP_OFFER: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-11,16\r\n";

    #[test]
    fn reads_what_sipp_offers() {
        let offer = parse(SIPP_OFFER).unwrap();
        assert_eq!(offer.address, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!((offer.port, offer.codecs.clone(), offer.telephone_event), (6000, vec![Codec::Pcma], Some(101)));
        assert_eq!(offer.direction, Direction::SendRecv);
        assert_eq!(choose_codec(&offer), Ok(Codec::Pcma));
    }

    #[test]
    fn the_media_line_overrides_the_session_address_and_hold_is_seen() {
        let sdp = "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0 8\nc=IN IP4 10.0.0.2\na=sendonly\nm=video 5000 RTP/AVP 96\n";
        let offer = parse(sdp).unwrap();
        assert_eq!(offer.address, "10.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(offer.codecs, vec![Codec::Pcmu, Codec::Pcma]);
        assert!(offer.direction.is_hold());
    }

    #[test]
    fn what_we_write_we_read_back() {
        let ours = AudioDescription {
            address: "127.0.0.1".parse().unwrap(),
            port: 20_000,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            telephone_event: Some(101),
            direction: Direction::SendRecv,
        };
        assert_eq!(parse(&write(7, &ours)).unwrap(), ours);
    }

    #[test]
    fn offers_without_audio_address_or_g711_are_refused() {
        assert_eq!(parse("v=0\nc=IN IP4 10.0.0.1\nm=video 5000 RTP/AVP 96\n"), Err(SdpError::NoAudio));
        assert_eq!(parse("v=0\nm=audio 4000 RTP/AVP 0\n"), Err(SdpError::NoAddress));
        assert_eq!(parse("v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 18\n"), Err(SdpError::NoCommonCodec));
        assert!(matches!(parse("v=0\nc=IN IP4 nowhere\nm=audio 4000 RTP/AVP 0\n"), Err(SdpError::Malformed(_))));
    }
}
