//! Music for callers who wait in a queue or are held: an administrator's WAV file turned into
//! what the relay plays (μ-law, 8 kHz, mono: one byte a sample, the form G.711 carries), and
//! back into a WAV file for listening to it in the web app.
//!
//! Accepted: RIFF/WAVE with 8- or 16-bit linear PCM, μ-law or A-law samples, mono or stereo
//! (mixed down), at 8 kHz or faster (averaged down to 8 kHz, which also keeps what a phone
//! line cannot carry from folding back as noise).

use std::sync::Arc;

use crate::g711;

/// The telephone rate every music file is played at.
pub const SAMPLE_RATE: u32 = 8_000;
/// The fastest rate accepted (studio files are 44.1 or 48 kHz).
const MAX_SAMPLE_RATE: u32 = 192_000;

/// Music as the relay plays it: μ-law samples at 8 kHz.
pub type Music = Arc<[u8]>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MusicFileError(pub String);

fn refuse(why: impl Into<String>) -> MusicFileError {
    MusicFileError(why.into())
}

/// How the file's samples are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// 8-bit linear PCM is unsigned, 16-bit signed little-endian.
    Linear {
        bits: u16,
    },
    Ulaw,
    Alaw,
}

/// Decodes a WAV file into μ-law samples at 8 kHz, mono.
pub fn decode_wav(file: &[u8]) -> Result<Vec<u8>, MusicFileError> {
    if file.len() < 12 || &file[..4] != b"RIFF" || &file[8..12] != b"WAVE" {
        return Err(refuse("not a WAV file (RIFF/WAVE)"));
    }
    let mut format = None;
    let mut data = None;
    let mut at = 12;
    while at + 8 <= file.len() {
        let id = &file[at..at + 4];
        let size = u32::from_le_bytes(file[at + 4..at + 8].try_into().expect("four bytes")) as usize;
        let body = &file[at + 8..(at + 8).saturating_add(size).min(file.len())];
        match id {
            b"fmt " => format = Some(body),
            b"data" => data = Some(body),
            _ => {}
        }
        // Chunks are padded to an even length.
        at = at.saturating_add(8).saturating_add(size).saturating_add(size & 1);
    }
    let format =
        format.filter(|format| format.len() >= 16).ok_or_else(|| refuse("the WAV file has no format chunk"))?;
    let data = data.ok_or_else(|| refuse("the WAV file has no data chunk"))?;
    let word = |offset: usize| u16::from_le_bytes([format[offset], format[offset + 1]]);
    let (tag, channels, bits) = (word(0), word(2), word(14));
    let rate = u32::from_le_bytes(format[4..8].try_into().expect("four bytes"));
    let encoding = match (tag, bits) {
        (1, 8 | 16) => Encoding::Linear { bits },
        (7, 8) => Encoding::Ulaw,
        (6, 8) => Encoding::Alaw,
        _ => {
            return Err(refuse(format!(
                "WAV format {tag} with {bits}-bit samples is not supported: use 16-bit PCM, μ-law or A-law"
            )));
        }
    };
    if !(1..=2).contains(&channels) {
        return Err(refuse(format!("{channels} channels: music is mono or stereo")));
    }
    if !(SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(refuse(format!("{rate} Hz: music is sampled at 8 to 192 kHz")));
    }
    let bytes_per_sample = usize::from(bits / 8);
    let frame = bytes_per_sample * usize::from(channels);
    let sample = |bytes: &[u8]| -> i32 {
        i32::from(match encoding {
            Encoding::Linear { bits: 8 } => (i16::from(bytes[0]) - 128) << 8,
            Encoding::Linear { .. } => i16::from_le_bytes([bytes[0], bytes[1]]),
            Encoding::Ulaw => g711::ulaw_to_linear(bytes[0]),
            Encoding::Alaw => g711::alaw_to_linear(bytes[0]),
        })
    };
    let mono: Vec<i32> = data
        .chunks_exact(frame)
        .map(|frame| frame.chunks_exact(bytes_per_sample).map(sample).sum::<i32>() / i32::from(channels))
        .collect();
    Ok(downsample(&mono, rate).into_iter().map(g711::linear_to_ulaw).collect())
}

/// `samples` at `rate` to 8 kHz: each output sample is the mean of the input samples of its
/// 125 μs (a box filter, enough for music on a phone line).
fn downsample(samples: &[i32], rate: u32) -> Vec<i16> {
    let to_i16 = |value: i64| value.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
    if rate == SAMPLE_RATE {
        return samples.iter().map(|&sample| to_i16(i64::from(sample))).collect();
    }
    let outputs = (samples.len() as u64 * u64::from(SAMPLE_RATE) / u64::from(rate)) as usize;
    (0..outputs)
        .map(|index| {
            let start = (index as u64 * u64::from(rate) / u64::from(SAMPLE_RATE)) as usize;
            let end = (((index + 1) as u64 * u64::from(rate) / u64::from(SAMPLE_RATE)) as usize)
                .clamp(start + 1, samples.len());
            let window = &samples[start.min(samples.len() - 1)..end];
            to_i16(window.iter().map(|&sample| i64::from(sample)).sum::<i64>() / window.len() as i64)
        })
        .collect()
}

/// The 44-byte header of a WAV file of 16-bit linear PCM at 8 kHz, with room reserved for
/// its `frames` frames of `channels` samples.
pub(crate) fn wav_header(channels: u16, frames: usize) -> Vec<u8> {
    let block = usize::from(channels) * 2;
    let data_bytes = frames * block;
    let mut wav = Vec::with_capacity(44 + data_bytes);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&((36 + data_bytes) as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16_u32.to_le_bytes());
    wav.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&channels.to_le_bytes());
    wav.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    wav.extend_from_slice(&(SAMPLE_RATE * block as u32).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&(block as u16).to_le_bytes()); // block align
    wav.extend_from_slice(&16_u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data_bytes as u32).to_le_bytes());
    wav
}

/// μ-law samples at 8 kHz as a mono 16-bit WAV file.
pub fn to_wav(music: &[u8]) -> Vec<u8> {
    let mut wav = wav_header(1, music.len());
    for &code in music {
        wav.extend_from_slice(&g711::ulaw_to_linear(code).to_le_bytes());
    }
    wav
}

/// The built-in music: a soft two-tone chime, half a second on and half off.
pub fn chime() -> Music {
    use std::sync::OnceLock;
    static CHIME: OnceLock<Music> = OnceLock::new();
    CHIME
        .get_or_init(|| {
            (0..16_000)
                .map(|sample| {
                    let time = f64::from(sample) / f64::from(SAMPLE_RATE);
                    let on = (sample / 4000) % 2 == 0;
                    let tone = if (sample / 8000) % 2 == 0 { 523.25 } else { 659.25 };
                    let level = if on { 4000.0 * (std::f64::consts::TAU * tone * time).sin() } else { 0.0 };
                    g711::linear_to_ulaw(level as i16)
                })
                .collect()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file of 16-bit PCM.
    fn pcm_wav(rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|sample| sample.to_le_bytes()).collect();
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&((36 + data.len() + 10) as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVE");
        // A chunk the decoder skips, of odd length (padded).
        wav.extend_from_slice(b"LIST");
        wav.extend_from_slice(&1_u32.to_le_bytes());
        wav.extend_from_slice(&[0, 0]);
        wav.extend_from_slice(b"fmt ");
        wav.extend_from_slice(&16_u32.to_le_bytes());
        wav.extend_from_slice(&1_u16.to_le_bytes());
        wav.extend_from_slice(&channels.to_le_bytes());
        wav.extend_from_slice(&rate.to_le_bytes());
        wav.extend_from_slice(&(rate * 2 * u32::from(channels)).to_le_bytes());
        wav.extend_from_slice(&(2 * channels).to_le_bytes());
        wav.extend_from_slice(&16_u16.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
        wav.extend_from_slice(&data);
        wav
    }

    #[test]
    fn a_16_khz_stereo_file_becomes_8_khz_mono_mulaw() {
        // One second of 16 kHz stereo: left 1000, right 3000 (mean 2000).
        let samples: Vec<i16> = (0..16_000).flat_map(|_| [1000, 3000]).collect();
        let music = decode_wav(&pcm_wav(16_000, 2, &samples)).unwrap();
        assert_eq!(music.len(), 8_000);
        let level = g711::ulaw_to_linear(music[100]);
        assert!((1900..=2100).contains(&level), "{level}");
    }

    #[test]
    fn an_8_khz_file_keeps_its_samples_and_comes_back_as_the_same_wav() {
        let samples: Vec<i16> = (0..8_000).map(|index| ((index % 200) * 100 - 10_000) as i16).collect();
        let music = decode_wav(&pcm_wav(8_000, 1, &samples)).unwrap();
        assert_eq!(music.len(), 8_000);
        let again = decode_wav(&to_wav(&music)).unwrap();
        assert_eq!(again, music, "μ-law → linear → μ-law is lossless");
    }

    #[test]
    fn what_is_not_music_is_refused_with_the_reason() {
        assert_eq!(decode_wav(b"ID3 an mp3").unwrap_err().0, "not a WAV file (RIFF/WAVE)");
        let slow = decode_wav(&pcm_wav(4_000, 1, &[0; 100])).unwrap_err().0;
        assert!(slow.contains("4000 Hz"), "{slow}");
        let mut float = pcm_wav(8_000, 1, &[0; 100]);
        // Format tag 3 (IEEE float) with 32-bit samples.
        let tag = float.windows(4).position(|window| window == b"fmt ").unwrap() + 8;
        float[tag] = 3;
        float[tag + 14] = 32;
        assert!(decode_wav(&float).unwrap_err().0.contains("format 3"));
    }

    #[test]
    fn the_chime_is_two_seconds() {
        assert_eq!(chime().len(), 16_000);
    }
}
