//! G.711 (ITU-T G.711): μ-law (PCMU) and A-law (PCMA) to and from 16-bit linear samples,
//! and the byte-for-byte tables that carry a call between a PCMU leg and a PCMA leg.

use std::sync::OnceLock;

use crate::sdp::Codec;

pub fn ulaw_to_linear(code: u8) -> i16 {
    let code = !code;
    let exponent = (code >> 4) & 0x07;
    let mantissa = i32::from(code & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if code & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

pub fn alaw_to_linear(code: u8) -> i16 {
    let code = code ^ 0x55;
    let exponent = (code >> 4) & 0x07;
    let mantissa = i32::from(code & 0x0F);
    let magnitude = if exponent == 0 { (mantissa << 4) + 8 } else { ((mantissa << 4) + 0x108) << (exponent - 1) };
    // In A-law the sign bit set means positive.
    (if code & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

/// The segment (exponent) of a magnitude: the position of its highest bit among bits 8..=14.
fn segment(magnitude: i32) -> i32 {
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && magnitude & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    exponent
}

pub fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32_635;
    let sample = i32::from(sample);
    let sign = if sample < 0 { 0x80 } else { 0 };
    let magnitude = sample.abs().min(CLIP) + BIAS;
    let exponent = segment(magnitude);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

pub fn linear_to_alaw(sample: i16) -> u8 {
    let sample = i32::from(sample);
    let (sign, magnitude) = if sample >= 0 { (0x80, sample) } else { (0, (-sample - 1).min(32_767)) };
    let code = if magnitude >= 256 {
        let exponent = segment(magnitude);
        (exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0F)
    } else {
        magnitude >> 4
    };
    ((sign | code) as u8) ^ 0x55
}

/// The code for silence in each codec.
pub fn silence(codec: Codec) -> u8 {
    match codec {
        Codec::Pcmu => 0xFF,
        Codec::Pcma => 0xD5,
    }
}

fn tables() -> &'static ([u8; 256], [u8; 256]) {
    static TABLES: OnceLock<([u8; 256], [u8; 256])> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut ulaw_to_alaw = [0; 256];
        let mut alaw_to_ulaw = [0; 256];
        for code in 0..=255_u8 {
            ulaw_to_alaw[usize::from(code)] = linear_to_alaw(ulaw_to_linear(code));
            alaw_to_ulaw[usize::from(code)] = linear_to_ulaw(alaw_to_linear(code));
        }
        (ulaw_to_alaw, alaw_to_ulaw)
    })
}

/// Rewrites a G.711 payload from one codec to the other, in place.
pub fn transcode(payload: &mut [u8], from: Codec, to: Codec) {
    let table = match (from, to) {
        (Codec::Pcmu, Codec::Pcma) => &tables().0,
        (Codec::Pcma, Codec::Pcmu) => &tables().1,
        _ => return,
    };
    for byte in payload {
        *byte = table[usize::from(*byte)];
    }
}

/// A payload as 16-bit linear samples.
#[cfg(test)]
fn decode(payload: &[u8], codec: Codec) -> impl Iterator<Item = i16> + '_ {
    payload.iter().map(move |&code| match codec {
        Codec::Pcmu => ulaw_to_linear(code),
        Codec::Pcma => alaw_to_linear(code),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_survives_a_round_trip_through_linear() {
        for code in 0..=255_u8 {
            assert_eq!(ulaw_to_linear(linear_to_ulaw(ulaw_to_linear(code))), ulaw_to_linear(code), "μ-law {code:#x}");
            assert_eq!(alaw_to_linear(linear_to_alaw(alaw_to_linear(code))), alaw_to_linear(code), "A-law {code:#x}");
        }
    }

    #[test]
    fn known_values_match_the_standard() {
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x00), -32_124);
        assert_eq!(ulaw_to_linear(0x80), 32_124);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32_256);
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
    }

    #[test]
    fn transcoding_keeps_the_sound_within_one_step() {
        let mut payload: Vec<u8> = (0..=255).collect();
        let original: Vec<i16> = decode(&payload, Codec::Pcmu).collect();
        transcode(&mut payload, Codec::Pcmu, Codec::Pcma);
        let transcoded: Vec<i16> = decode(&payload, Codec::Pcma).collect();
        for (before, after) in original.iter().zip(&transcoded) {
            let tolerance = (i32::from(*before).abs() / 16).max(16);
            assert!((i32::from(*before) - i32::from(*after)).abs() <= tolerance, "{before} became {after}");
        }
    }
}
