//! The accepted types of evidence, read from the file's first bytes ("magic bytes").

use canhgiac_core::{Error, ErrorCode};
use std::fmt;

/// A type of evidence file the platform accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    Pdf,
    Mp3,
    M4a,
    Amr,
    Mp4,
}

impl MediaType {
    pub const ALL: [MediaType; 8] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Webp,
        MediaType::Pdf,
        MediaType::Mp3,
        MediaType::M4a,
        MediaType::Amr,
        MediaType::Mp4,
    ];

    /// The MIME type to serve the file with.
    pub fn mime(&self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Pdf => "application/pdf",
            MediaType::Mp3 => "audio/mpeg",
            MediaType::M4a => "audio/mp4",
            MediaType::Amr => "audio/amr",
            MediaType::Mp4 => "video/mp4",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Webp => "webp",
            MediaType::Pdf => "pdf",
            MediaType::Mp3 => "mp3",
            MediaType::M4a => "m4a",
            MediaType::Amr => "amr",
            MediaType::Mp4 => "mp4",
        }
    }

    /// The stable API and storage value: `jpeg`, `png`, `webp`, `pdf`, `mp3`, `m4a`, `amr`, `mp4`.
    pub fn code(&self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpeg",
            MediaType::Png => "png",
            MediaType::Webp => "webp",
            MediaType::Pdf => "pdf",
            MediaType::Mp3 => "mp3",
            MediaType::M4a => "m4a",
            MediaType::Amr => "amr",
            MediaType::Mp4 => "mp4",
        }
    }

    /// The type whose [`code`](MediaType::code) is `code`.
    pub fn from_code(code: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|media| media.code() == code)
    }

    pub fn is_image(&self) -> bool {
        matches!(self, MediaType::Jpeg | MediaType::Png | MediaType::Webp)
    }

    pub fn is_audio(&self) -> bool {
        matches!(self, MediaType::Mp3 | MediaType::M4a | MediaType::Amr)
    }

    pub fn is_video(&self) -> bool {
        matches!(self, MediaType::Mp4)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

const ACCEPTED: &str = "JPEG, PNG, WebP, PDF, MP3, M4A, AMR and MP4";

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Reads the type of a file from its content, never from its name.
///
/// - JPEG `FF D8 FF`; PNG its 8-byte signature; WebP `RIFF` .... `WEBP`; PDF `%PDF-`.
/// - AMR `#!AMR\n` (narrow band) or `#!AMR-WB\n` (wide band).
/// - MP3: an ID3v2 tag followed by an MPEG audio layer III frame, or such a frame at the start (checked
///   against the next frame when the file is long enough, so that a random `FF Fx` start is not enough).
/// - MP4 and M4A: an ISO media `ftyp` box at offset 4. M4A when the major brand is an audio one (`M4A `,
///   `M4B `, `M4P `), when the compatible brands name an audio brand and no video one, or when the file's
///   tracks are all sound tracks (Android recorders write audio-only files with the generic `isom`/`mp42`
///   brands). MP4 for the MP4 family of brands (`isom`, `iso2`..`iso9`, `mp41`, `mp42`, `avc1`, `dash`,
///   `M4V `, 3GPP...) and for QuickTime (`qt  `): iPhones record `.mov`, whose structure MP4 comes from,
///   and which browsers play as MP4. HEIC/HEIF/AVIF images share the `ftyp` box and are refused.
///
/// Errors: [`ErrorCode::InvalidFile`] for an empty file, [`ErrorCode::UnsupportedFileType`] for any other
/// content, with a message naming the accepted types (and what the file looks like, when known).
pub fn sniff(bytes: &[u8]) -> Result<MediaType, Error> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorCode::InvalidFile, "the file is empty"));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(MediaType::Jpeg);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(MediaType::Png);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(MediaType::Webp);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    if bytes.starts_with(b"#!AMR\n") || bytes.starts_with(b"#!AMR-WB\n") {
        return Ok(MediaType::Amr);
    }
    if let Some(ftyp) = Ftyp::parse(bytes) {
        return ftyp.classify(bytes);
    }
    if is_mp3(bytes) {
        return Ok(MediaType::Mp3);
    }
    Err(unsupported(describe(bytes)))
}

fn unsupported(what: Option<&str>) -> Error {
    let looks = what.map(|what| format!(" (it looks like {what})")).unwrap_or_default();
    Error::new(
        ErrorCode::UnsupportedFileType,
        format!(
            "unsupported file type{looks}: accepted types are {ACCEPTED}; the type is read from the file's \
             content, not its name"
        ),
    )
}

/// What a refused file looks like, for the error message.
fn describe(b: &[u8]) -> Option<&'static str> {
    const KNOWN: &[(&[u8], &str)] = &[
        (b"MZ", "a Windows program"),
        (b"\x7fELF", "a Linux program"),
        (b"\xca\xfe\xba\xbe", "a Java class or macOS program"),
        (b"\xcf\xfa\xed\xfe", "a macOS program"),
        (b"PK\x03\x04", "a ZIP archive, an APK or an Office document"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"Rar!\x1a\x07", "a RAR archive"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"OggS", "an Ogg audio or video file"),
        (b"fLaC", "a FLAC audio file"),
        (b"\x1a\x45\xdf\xa3", "a WebM or Matroska video"),
        (b"{\\rtf", "an RTF document"),
        (b"%!PS", "a PostScript document"),
    ];
    if let Some((_, what)) = KNOWN.iter().find(|(magic, _)| b.starts_with(magic)) {
        return Some(what);
    }
    if b.len() >= 12 && b.starts_with(b"RIFF") {
        return match &b[8..12] {
            b"WAVE" => Some("a WAV audio file"),
            b"AVI " => Some("an AVI video"),
            _ => None,
        };
    }
    // Text: HTML, SVG, scripts, plain text.
    let head = &b[..b.len().min(1024)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // Cut in the middle of a character at the end of the window.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => return None,
    };
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return None;
    }
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<script") {
        Some("an HTML page")
    } else if lower.starts_with('<') && lower.contains("<svg") {
        Some("an SVG image")
    } else {
        Some("a text file")
    }
}

// ---------------------------------------------------------------------------------------------------------
// ISO base media (MP4, M4A, QuickTime, 3GPP, HEIF...).

/// Brands of audio-only files.
const AUDIO_BRANDS: &[&[u8; 4]] = &[b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "];

/// Brands of the MP4 family (and QuickTime), which may hold video.
const VIDEO_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42", b"mp71",
    b"avc1", b"hvc1", b"dash", b"msdh", b"msix", b"cmfc", b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"3gp4", b"3gp5",
    b"3gp6", b"3gp7", b"3gp8", b"3gp9", b"3gg6", b"3g2a", b"3g2b", b"3g2c", b"qt  ", b"f4v ", b"XAVC", b"MSNV",
    b"NDAS", b"kddi",
];

/// Brands that say "video" even next to an audio brand.
const VIDEO_ONLY_BRANDS: &[&[u8; 4]] = &[b"M4V ", b"M4VH", b"M4VP", b"avc1", b"hvc1", b"f4v ", b"XAVC"];

/// Still images in an ISO container: refused, with a hint.
const IMAGE_BRANDS: &[(&[u8; 4], &str)] = &[
    (b"mif1", "a HEIC/HEIF image (export it as JPEG)"),
    (b"msf1", "a HEIC/HEIF image sequence"),
    (b"miaf", "a HEIF image (export it as JPEG)"),
    (b"heic", "a HEIC image (export it as JPEG)"),
    (b"heix", "a HEIC image (export it as JPEG)"),
    (b"heim", "a HEIC image (export it as JPEG)"),
    (b"heis", "a HEIC image (export it as JPEG)"),
    (b"hevc", "a HEIC image sequence"),
    (b"hevx", "a HEIC image sequence"),
    (b"avif", "an AVIF image (export it as JPEG)"),
    (b"avis", "an AVIF image sequence"),
    (b"avci", "an AVC-coded HEIF image"),
    (b"jp2 ", "a JPEG 2000 image"),
    (b"jpx ", "a JPEG 2000 image"),
    (b"crx ", "a Canon raw photo"),
];

struct Ftyp<'a> {
    major: [u8; 4],
    compatible: &'a [u8],
}

impl<'a> Ftyp<'a> {
    /// The `ftyp` box that must open the file.
    fn parse(b: &'a [u8]) -> Option<Ftyp<'a>> {
        if b.len() < 16 || &b[4..8] != b"ftyp" {
            return None;
        }
        let size = u32::from_be_bytes(b[0..4].try_into().unwrap()) as usize;
        // Clamped to the file: a truncated upload still has its brands read.
        let end = size.clamp(16, b.len());
        let compatible = &b[16..end];
        Some(Ftyp { major: b[8..12].try_into().unwrap(), compatible: &compatible[..compatible.len() / 4 * 4] })
    }

    fn brands(&self) -> impl Iterator<Item = &[u8; 4]> {
        std::iter::once(&self.major).chain(self.compatible.chunks_exact(4).map(|brand| brand.try_into().unwrap()))
    }

    fn classify(&self, file: &[u8]) -> Result<MediaType, Error> {
        if let Some((_, what)) = IMAGE_BRANDS.iter().find(|(brand, _)| **brand == self.major) {
            return Err(unsupported(Some(what)));
        }
        if AUDIO_BRANDS.contains(&&self.major) {
            return Ok(MediaType::M4a);
        }
        let known = |brands: &[&[u8; 4]]| self.brands().any(|brand| brands.contains(&brand));
        if !known(VIDEO_BRANDS) && !known(AUDIO_BRANDS) {
            if let Some((_, what)) = IMAGE_BRANDS.iter().find(|(image, _)| self.brands().any(|b| b == *image)) {
                return Err(unsupported(Some(what)));
            }
            return Err(unsupported(Some("an ISO media file of an unknown kind")));
        }
        if known(AUDIO_BRANDS) && !known(VIDEO_ONLY_BRANDS) {
            return Ok(MediaType::M4a);
        }
        let handlers = track_handlers(file);
        let sound_only = !handlers.is_empty() && handlers.iter().all(|h| h != b"vide") && handlers.contains(b"soun");
        Ok(if sound_only { MediaType::M4a } else { MediaType::Mp4 })
    }
}

/// The boxes in `b`: (type, payload). Stops at the first malformed box.
fn boxes(mut b: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        if b.len() < 8 {
            return None;
        }
        let kind: [u8; 4] = b[4..8].try_into().unwrap();
        let (header, size) = match u32::from_be_bytes(b[0..4].try_into().unwrap()) {
            0 => (8, b.len()),
            1 => {
                let size = u64::from_be_bytes(b.get(8..16)?.try_into().unwrap());
                (16, usize::try_from(size).ok()?)
            }
            size => (8, size as usize),
        };
        if size < header || size > b.len() {
            // A truncated last box (an upload cut short): read what there is of it.
            if size > b.len() && b.len() >= header {
                let payload = &b[header..];
                b = &[];
                return Some((kind, payload));
            }
            return None;
        }
        let payload = &b[header..size];
        b = &b[size..];
        Some((kind, payload))
    })
}

/// The handler types (`vide`, `soun`, `hint`, `text`...) of the tracks of an ISO media file.
fn track_handlers(file: &[u8]) -> Vec<[u8; 4]> {
    let mut handlers = Vec::new();
    for (_, moov) in boxes(file).filter(|(kind, _)| kind == b"moov") {
        for (_, trak) in boxes(moov).filter(|(kind, _)| kind == b"trak") {
            for (_, mdia) in boxes(trak).filter(|(kind, _)| kind == b"mdia") {
                for (_, hdlr) in boxes(mdia).filter(|(kind, _)| kind == b"hdlr") {
                    // version and flags (4), pre_defined (4), handler_type (4)
                    if let Some(handler) = hdlr.get(8..12) {
                        handlers.push(handler.try_into().unwrap());
                    }
                }
            }
        }
    }
    handlers
}

// ---------------------------------------------------------------------------------------------------------
// MP3.

fn is_mp3(b: &[u8]) -> bool {
    if let Some(tag_end) = id3v2_end(b) {
        // The first frame follows the tag; some writers leave a little padding or junk before it.
        let window = b.len().min(tag_end.saturating_add(4096));
        return (tag_end..window).any(|pos| mp3_frame_at(b, pos));
    }
    mp3_frame_at(b, 0)
}

/// The end of the ID3v2 tag that opens `b`, if there is one.
fn id3v2_end(b: &[u8]) -> Option<usize> {
    let header = b.get(..10)?;
    let valid = header.starts_with(b"ID3")
        && (2..=4).contains(&header[3])
        && header[4] != 0xFF
        && header[6..10].iter().all(|byte| byte & 0x80 == 0);
    if !valid {
        return None;
    }
    let size = header[6..10].iter().fold(0usize, |size, byte| (size << 7) | usize::from(*byte));
    let footer = if header[3] == 4 && header[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

#[derive(PartialEq, Eq)]
struct FrameHeader {
    version: u8,
    sample_rate: u32,
    len: usize,
}

/// An MPEG audio layer III frame header at `b[0..4]`.
fn frame_header(b: &[u8]) -> Option<FrameHeader> {
    let &[b0, b1, b2, b3] = b.get(..4)? else { return None };
    if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b1 >> 3) & 3; // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
    let layer = (b1 >> 1) & 3; // 1: layer III
    let bitrate_index = usize::from(b2 >> 4);
    let rate_index = usize::from((b2 >> 2) & 3);
    let padding = usize::from((b2 >> 1) & 1);
    let emphasis = b3 & 3;
    if version == 1 || layer != 1 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 || emphasis == 2 {
        return None;
    }
    const MPEG1_KBPS: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const MPEG2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let (kbps, rates, factor) = match version {
        3 => (MPEG1_KBPS[bitrate_index], [44100, 48000, 32000], 144_000),
        2 => (MPEG2_KBPS[bitrate_index], [22050, 24000, 16000], 72_000),
        _ => (MPEG2_KBPS[bitrate_index], [11025, 12000, 8000], 72_000),
    };
    let sample_rate = rates[rate_index];
    let len = (factor * kbps / sample_rate) as usize + padding;
    Some(FrameHeader { version, sample_rate, len })
}

/// A layer III frame at `pos`, followed by another of the same stream when the file is long enough to
/// hold one: two frames in a row are very unlikely by chance.
fn mp3_frame_at(b: &[u8], pos: usize) -> bool {
    let Some(first) = b.get(pos..).and_then(frame_header) else { return false };
    let next = pos + first.len;
    if next + 4 > b.len() {
        return true;
    }
    frame_header(&b[next..])
        .is_some_and(|second| second.version == first.version && second.sample_rate == first.sample_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for media in MediaType::ALL {
            assert_eq!(MediaType::from_code(media.code()), Some(media));
            assert_eq!(media.to_string(), media.code());
            assert_eq!(
                usize::from(media.is_image()) + usize::from(media.is_audio()) + usize::from(media.is_video()),
                usize::from(media != MediaType::Pdf)
            );
        }
        assert_eq!(MediaType::from_code("exe"), None);
    }

    #[test]
    fn mp3_frame_lengths() {
        // MPEG 1 layer III, 128 kbps, 44.1 kHz, no padding: 417 bytes.
        assert_eq!(frame_header(&[0xFF, 0xFB, 0x90, 0x00]).unwrap().len, 417);
        // Layer I and layer II are not MP3.
        assert!(frame_header(&[0xFF, 0xFF, 0x90, 0x00]).is_none());
        assert!(frame_header(&[0xFF, 0xFD, 0x90, 0x00]).is_none());
        // ADTS AAC has layer bits 00.
        assert!(frame_header(&[0xFF, 0xF1, 0x50, 0x80]).is_none());
        // Reserved sample rate and bad bit rate.
        assert!(frame_header(&[0xFF, 0xFB, 0x9C, 0x00]).is_none());
        assert!(frame_header(&[0xFF, 0xFB, 0xF0, 0x00]).is_none());
    }

    #[test]
    fn mp3_needs_a_second_frame_when_there_is_room() {
        let mut stream = Vec::new();
        for _ in 0..3 {
            stream.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
            stream.resize(stream.len() + 413, 0x55);
        }
        assert!(is_mp3(&stream));
        let mut broken = stream.clone();
        broken[417] = 0x00;
        assert!(!is_mp3(&broken));
    }
}
