//! The type of a file comes from its content: every accepted type is recognised from real files whatever
//! they are called, and disguised files are refused.

mod common;

use canhgiac_core::{ErrorCategory, ErrorCode};
use canhgiac_evidence::{MediaType, sniff};
use common::*;

#[test]
fn real_files_of_every_accepted_type() {
    for (name, expected) in [
        ("photo-gps.jpg", MediaType::Jpeg),
        ("photo-gps.mpo.jpg", MediaType::Jpeg),
        ("screenshot-gps.png", MediaType::Png),
        ("photo-gps.webp", MediaType::Webp),
        ("document.pdf", MediaType::Pdf),
        ("call.mp3", MediaType::Mp3),
        ("call-noid3.mp3", MediaType::Mp3),
        ("call.m4a", MediaType::M4a),
        ("call-audio-only.mp4", MediaType::M4a),
        ("call.amr", MediaType::Amr),
        ("clip.mp4", MediaType::Mp4),
        ("clip.mov", MediaType::Mp4),
    ] {
        assert_eq!(sniff(&fixture(name)).unwrap(), expected, "{name}");
    }
}

#[test]
fn the_name_does_not_matter() {
    // A file read back from a name that lies about it is still what its bytes are.
    let dir = tempfile::tempdir().unwrap();
    for (source, disguise, expected) in [
        ("photo-gps.jpg", "invoice.pdf", MediaType::Jpeg),
        ("document.pdf", "photo.jpg", MediaType::Pdf),
        ("call.amr", "song.mp3", MediaType::Amr),
        ("clip.mp4", "voice.m4a", MediaType::Mp4),
        ("call.m4a", "clip.mp4", MediaType::M4a),
        ("photo-gps.webp", "noextension", MediaType::Webp),
    ] {
        let path = dir.path().join(disguise);
        std::fs::write(&path, fixture(source)).unwrap();
        assert_eq!(sniff(&std::fs::read(&path).unwrap()).unwrap(), expected, "{source} as {disguise}");
    }
}

#[test]
fn hand_made_magic_bytes() {
    let ftyp = |major: &[u8; 4], compatible: &[&[u8; 4]]| {
        let mut b = ((16 + 4 * compatible.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 2, 0]);
        for brand in compatible {
            b.extend_from_slice(*brand);
        }
        b.extend_from_slice(b"\0\0\0\x08free");
        b
    };
    for (bytes, expected) in [
        (plain_jpeg(), MediaType::Jpeg),
        ([PNG_SIGNATURE.to_vec(), png_ihdr(), png_idat(), png_chunk(b"IEND", &[])].concat(), MediaType::Png),
        (webp(&[riff_chunk(b"VP8L", VP8L_1X1)]), MediaType::Webp),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), MediaType::Pdf),
        (b"#!AMR\n\x3c\x00".to_vec(), MediaType::Amr),
        (b"#!AMR-WB\n\x04\x00".to_vec(), MediaType::Amr),
        (ftyp(b"M4A ", &[b"M4A ", b"mp42", b"isom"]), MediaType::M4a),
        (ftyp(b"M4B ", &[]), MediaType::M4a),
        (ftyp(b"mp42", &[b"M4A ", b"mp42", b"isom"]), MediaType::M4a),
        (ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"]), MediaType::Mp4),
        (ftyp(b"mp42", &[b"mp42", b"mp41"]), MediaType::Mp4),
        (ftyp(b"qt  ", &[b"qt  "]), MediaType::Mp4),
        (ftyp(b"3gp5", &[b"3gp5", b"isom"]), MediaType::Mp4),
        (ftyp(b"M4V ", &[b"M4V ", b"M4A ", b"mp42"]), MediaType::Mp4),
        (ftyp(b"XAVC", &[b"XAVC", b"mp42", b"iso2"]), MediaType::Mp4),
        // An MPEG 1 layer III frame (128 kbps, 44.1 kHz) and an ID3v2.3 tag before one.
        ([vec![0xFF, 0xFB, 0x90, 0x64], vec![0; 413], vec![0xFF, 0xFB, 0x90, 0x64]].concat(), MediaType::Mp3),
        ([b"ID3\x03\0\0\0\0\0\x05".to_vec(), vec![0; 5], vec![0xFF, 0xFB, 0x90, 0x64]].concat(), MediaType::Mp3),
    ] {
        assert_eq!(sniff(&bytes).unwrap(), expected, "{:?}", &bytes[..bytes.len().min(24)]);
    }
}

#[test]
fn disguised_and_other_files_are_refused() {
    let ftyp_heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    for (bytes, looks_like) in [
        (
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode".to_vec(),
            Some("Windows program"),
        ),
        (b"\x7fELF\x02\x01\x01\0".to_vec(), Some("Linux program")),
        (b"PK\x03\x04\x14\0\0\0\x08\0".to_vec(), Some("ZIP archive")),
        (b"Rar!\x1a\x07\x01\0".to_vec(), Some("RAR archive")),
        (b"<!DOCTYPE html><html><body>Ngan hang thong bao</body></html>".to_vec(), Some("HTML page")),
        (b"\xef\xbb\xbf<html><script>location='http://x'</script>".to_vec(), Some("HTML page")),
        (b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(), Some("SVG image")),
        ("Chuyển khoản ngay 5.000.000đ để xác minh".as_bytes().to_vec(), Some("text file")),
        (b"GIF89a\x01\0\x01\0".to_vec(), Some("GIF image")),
        (b"RIFF\x24\0\0\0WAVEfmt ".to_vec(), Some("WAV audio")),
        (b"RIFF\x24\0\0\0AVI LIST".to_vec(), Some("AVI video")),
        (b"OggS\0\x02\0\0".to_vec(), Some("Ogg")),
        (b"\x1a\x45\xdf\xa3\x01\0\0\0".to_vec(), Some("WebM")),
        (ftyp_heic, Some("HEIC")),
        (b"\0\0\0\x14ftypavif\0\0\0\0avif".to_vec(), Some("AVIF")),
        (b"\0\0\0\x14ftypzzzz\0\0\0\0zzzz".to_vec(), Some("unknown kind")),
        // Near misses: the wrong layer, ADTS AAC, a WebP without its form type, a PDF without the dash.
        (vec![0xFF, 0xFD, 0x90, 0x64, 0, 0, 0, 0], None),
        (vec![0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC], None),
        (b"RIFF\x24\0\0\0WEB".to_vec(), None),
        (b"%PDF1.4".to_vec(), Some("text file")),
        // An ID3 tag followed by no audio frame.
        ([b"ID3\x03\0\0\0\0\0\x05".to_vec(), vec![0; 5], b"not audio at all".to_vec()].concat(), None),
        (vec![0x00, 0x01, 0x02, 0x03, 0xFE, 0x80], None),
    ] {
        let err = sniff(&bytes).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedFileType, "{bytes:?}");
        assert_eq!(err.category(), ErrorCategory::UnsupportedMediaType);
        assert!(err.message.contains("JPEG, PNG, WebP, PDF, MP3, M4A, AMR and MP4"), "{}", err.message);
        match looks_like {
            Some(what) => assert!(err.message.contains(what), "{what} in {}", err.message),
            None => assert!(!err.message.contains("looks like"), "{}", err.message),
        }
    }
}

#[test]
fn empty_input_is_an_invalid_file() {
    let err = sniff(b"").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidFile);
    assert!(err.field.is_none());
}

#[test]
fn truncated_starts_are_refused_not_panicking() {
    // Every prefix of every fixture either sniffs to its type or is refused: never a panic.
    for name in ["photo-gps.jpg", "screenshot-gps.png", "photo-gps.webp", "call.mp3", "call.m4a", "clip.mp4"] {
        let bytes = fixture(name);
        for len in 0..bytes.len().min(200) {
            let _ = sniff(&bytes[..len]);
        }
    }
}
