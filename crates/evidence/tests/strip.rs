//! Location metadata is removed from images, which stay valid; other files are kept byte for byte.

mod common;

use canhgiac_core::ErrorCode;
use canhgiac_evidence::{EvidenceLimits, MediaType, prepare, sha256_hex, sniff, strip_location_metadata};
use common::*;
use img_parts::{Bytes, ImageEXIF, ImageICC, jpeg::Jpeg, png::Png, riff::RiffContent, webp::WebP};

/// EXIF holding only an orientation, as the stripping writes it.
fn orientation_only(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0; 6]);
    tiff
}

fn strip(media: MediaType, bytes: &[u8]) -> Vec<u8> {
    assert_eq!(sniff(bytes).unwrap(), media);
    let stripped = strip_location_metadata(media, bytes).unwrap();
    assert_eq!(sniff(&stripped).unwrap(), media, "still the same type");
    assert_eq!(strip_location_metadata(media, &stripped).unwrap(), stripped, "stripping twice changes nothing");
    stripped
}

fn assert_no_markers(bytes: &[u8]) {
    for marker in [GPS_MARKER, XMP_MARKER, TEXT_MARKER, HAND_MARKER] {
        assert!(!contains(bytes, marker), "{} left in the output", String::from_utf8_lossy(marker));
    }
    assert!(!contains(bytes, b"http://ns.adobe.com/xap/1.0/"), "XMP left");
    assert!(!contains(bytes, b"<x:xmpmeta"), "XMP left");
}

// ---------------------------------------------------------------------------------------------------------
// JPEG.

/// The bytes from the first SOS marker to the end: the image data, which must not change.
fn scan_data(jpeg: &[u8]) -> &[u8] {
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    &jpeg[sos..]
}

#[test]
fn jpeg_from_a_phone_camera_loses_gps_xmp_and_comment() {
    let original = fixture("photo-gps.jpg");
    assert!(contains(&original, GPS_MARKER) && contains(&original, XMP_MARKER) && contains(&original, TEXT_MARKER));
    let stripped = strip(MediaType::Jpeg, &original);
    assert_no_markers(&stripped);
    assert!(stripped.starts_with(&[0xFF, 0xD8, 0xFF]) && stripped.ends_with(&[0xFF, 0xD9]));

    let before = Jpeg::from_bytes(Bytes::from(original.clone())).unwrap();
    let after = Jpeg::from_bytes(Bytes::from(stripped.clone())).unwrap();
    assert_eq!(after.dimensions(), Some((16, 16)));
    assert_eq!(after.dimensions(), before.dimensions());
    // Only the orientation is left of the EXIF data (the photo was taken with the phone turned: 6).
    assert_eq!(after.exif().unwrap(), orientation_only(6));
    assert_eq!(after.segments_by_marker(0xE1).count(), 1);
    assert_eq!(after.segments_by_marker(0xFE).count(), 0);
    // The tables and image data are untouched.
    assert_eq!(scan_data(&stripped), scan_data(&original));
    for marker in [0xDB, 0xC0, 0xC4] {
        let contents = |jpeg: &Jpeg| jpeg.segments_by_marker(marker).map(|s| s.contents().clone()).collect::<Vec<_>>();
        assert_eq!(contents(&after), contents(&before), "segment {marker:#x}");
    }
    // The JFIF segment stays first, the orientation right after it.
    let markers: Vec<u8> = after.segments().iter().map(|s| s.marker()).collect();
    assert_eq!(&markers[..2], &[0xE0, 0xE1]);
}

#[test]
fn multi_picture_jpeg_loses_the_second_picture_and_its_gps() {
    let original = fixture("photo-gps.mpo.jpg");
    assert_eq!(count(&original, GPS_MARKER), 2, "both pictures carry the position");
    let stripped = strip(MediaType::Jpeg, &original);
    assert_no_markers(&stripped);
    assert!(!contains(&stripped, b"Exif"), "orientation 1 needs no EXIF at all");
    assert!(!contains(&stripped, b"MPF\0"), "the multi-picture index goes with the pictures it indexes");
    assert_eq!(count(&stripped, &[0xFF, 0xD8]), 1, "one image left");
    assert!(stripped.ends_with(&[0xFF, 0xD9]));
    assert_eq!(Jpeg::from_bytes(Bytes::from(stripped)).unwrap().dimensions(), Some((16, 16)));
}

#[test]
fn hand_made_jpeg_keeps_only_what_decoding_needs() {
    let original = jpeg_with_everything(Some(8));
    assert_eq!(count(&original, HAND_MARKER), 6);
    let stripped = strip(MediaType::Jpeg, &original);
    assert_no_markers(&stripped);
    let after = Jpeg::from_bytes(Bytes::from(stripped.clone())).unwrap();
    assert_eq!(after.exif().unwrap(), orientation_only(8));
    // The colour profile is kept, IPTC (APP13) and C2PA (APP11) are not.
    assert_eq!(after.icc_profile().unwrap(), &ICC_PAYLOAD[14..]);
    for marker in [0xEB, 0xED, 0xFE] {
        assert_eq!(after.segments_by_marker(marker).count(), 0, "segment {marker:#x}");
    }
    // Exactly: SOI, JFIF, orientation, ICC, then the untouched body of the first image.
    let orientation_segment = segment(0xE1, &[b"Exif\0\0".as_slice(), &orientation_only(8)].concat());
    let expected = [vec![0xFF, 0xD8], jfif(), orientation_segment, segment(0xE2, ICC_PAYLOAD), jpeg_body()].concat();
    assert_eq!(stripped, expected);
}

#[test]
fn jpeg_without_metadata_is_unchanged() {
    let plain = plain_jpeg();
    assert_eq!(strip(MediaType::Jpeg, &plain), plain);
    let fixture_once = strip(MediaType::Jpeg, &fixture("photo-gps.jpg"));
    assert_eq!(strip(MediaType::Jpeg, &fixture_once), fixture_once);
}

#[test]
fn jpeg_metadata_between_progressive_scans_is_removed() {
    // A second scan preceded by a table and an APP1 segment: the table stays, the APP1 goes.
    let body = jpeg_body();
    let (first, eoi) = body.split_at(body.len() - 2);
    let dht = segment(0xC4, &[[0x11u8, 1].as_slice(), &[0u8; 15], &[0]].concat());
    let app1 = segment(0xE1, &[b"Exif\0\0".as_slice(), &exif_tiff_with_gps(None)].concat());
    let second_scan = [segment(0xDA, &[1, 1, 0, 0, 63, 0]), vec![0b0011_1111]].concat();
    let original = [vec![0xFF, 0xD8], first.to_vec(), dht.clone(), app1, second_scan.clone(), eoi.to_vec()].concat();
    let stripped = strip(MediaType::Jpeg, &original);
    assert_no_markers(&stripped);
    assert_eq!(stripped, [vec![0xFF, 0xD8], first.to_vec(), dht, second_scan, eoi.to_vec()].concat());
}

#[test]
fn truncated_jpeg_after_the_image_data_began_is_kept_and_ended() {
    let mut cut = plain_jpeg();
    cut.truncate(cut.len() - 2); // no end-of-image marker
    let stripped = strip(MediaType::Jpeg, &cut);
    assert_eq!(stripped, plain_jpeg());
}

#[test]
fn corrupt_jpegs_are_invalid_files() {
    let plain = plain_jpeg();
    let sos = plain.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let sof = plain.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    for (why, bytes) in [
        ("only the signature", vec![0xFF, 0xD8, 0xFF]),
        ("start then end", vec![0xFF, 0xD8, 0xFF, 0xD9]),
        ("a segment longer than the file", vec![0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00, b'E', b'x']),
        ("a segment length under 2", vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0, 0]),
        ("cut before the image data", plain[..sos].to_vec()),
        ("image data without a frame header", [&plain[..sof], &plain[sof + 13..]].concat()),
        ("a second start marker", [vec![0xFF, 0xD8], vec![0xFF, 0xD8], plain[2..].to_vec()].concat()),
    ] {
        let err = strip_location_metadata(MediaType::Jpeg, &bytes).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidFile, "{why}");
        assert!(err.message.starts_with("the JPEG image is corrupt or truncated: "), "{why}: {}", err.message);
    }
}

// ---------------------------------------------------------------------------------------------------------
// PNG.

fn png_kinds(png: &Png) -> Vec<[u8; 4]> {
    png.chunks().iter().map(|c| c.kind()).collect()
}

#[test]
fn png_screenshot_loses_exif_and_text_chunks() {
    let original = fixture("screenshot-gps.png");
    let before = Png::from_bytes(Bytes::from(original.clone())).unwrap();
    for kind in [b"eXIf", b"tEXt", b"zTXt", b"iTXt"] {
        assert!(png_kinds(&before).contains(kind));
    }
    let stripped = strip(MediaType::Png, &original);
    assert_no_markers(&stripped);
    assert!(stripped.starts_with(PNG_SIGNATURE));
    // Parsing checks every chunk's CRC.
    let after = Png::from_bytes(Bytes::from(stripped)).unwrap();
    assert_eq!(png_kinds(&after), [*b"IHDR", *b"IDAT", *b"IEND"]);
    assert_eq!(after.dimensions(), Some((16, 16)));
    assert_eq!(after.chunk_by_type(*b"IDAT"), before.chunk_by_type(*b"IDAT"));
}

#[test]
fn hand_made_png_keeps_pixels_physical_size_and_orientation() {
    let original = png_with_everything(Some(3));
    let stripped = strip(MediaType::Png, &original);
    assert_no_markers(&stripped);
    let after = Png::from_bytes(Bytes::from(stripped.clone())).unwrap();
    assert_eq!(png_kinds(&after), [*b"IHDR", *b"eXIf", *b"pHYs", *b"IDAT", *b"IEND"]);
    assert_eq!(after.exif().unwrap(), orientation_only(3));
    let expected = [
        PNG_SIGNATURE.to_vec(),
        png_ihdr(),
        png_chunk(b"eXIf", &orientation_only(3)),
        png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]),
        png_idat(),
        png_chunk(b"IEND", &[]),
    ]
    .concat();
    assert_eq!(stripped, expected, "byte for byte, with CRCs computed independently");

    let without_orientation = strip(MediaType::Png, &png_with_everything(None));
    assert!(!contains(&without_orientation, b"eXIf"));
}

#[test]
fn corrupt_pngs_are_invalid_files() {
    let good = [PNG_SIGNATURE.to_vec(), png_ihdr(), png_idat(), png_chunk(b"IEND", &[])].concat();
    assert_eq!(strip(MediaType::Png, &good), good);
    let mut bad_crc = good.clone();
    let last = PNG_SIGNATURE.len() + png_ihdr().len() - 1;
    bad_crc[last] ^= 0xFF;
    for (why, bytes) in [
        ("a bad CRC", bad_crc),
        ("a chunk cut short", good[..PNG_SIGNATURE.len() + 10].to_vec()),
        ("no IHDR first", [PNG_SIGNATURE.to_vec(), png_idat(), png_ihdr(), png_chunk(b"IEND", &[])].concat()),
        ("no image data", [PNG_SIGNATURE.to_vec(), png_ihdr(), png_chunk(b"IEND", &[])].concat()),
        ("the signature alone", PNG_SIGNATURE.to_vec()),
    ] {
        let err = strip_location_metadata(MediaType::Png, &bytes).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidFile, "{why}");
        assert!(err.message.starts_with("the PNG image is corrupt or truncated: "), "{why}: {}", err.message);
    }
}

// ---------------------------------------------------------------------------------------------------------
// WebP.

fn webp_ids(webp: &WebP) -> Vec<[u8; 4]> {
    webp.chunks().iter().map(|c| c.id()).collect()
}

fn vp8x_flags(webp: &WebP) -> Option<u8> {
    match webp.chunk_by_id(*b"VP8X")?.content() {
        RiffContent::Data(data) => data.first().copied(),
        RiffContent::List { .. } => None,
    }
}

fn riff_size_is_right(bytes: &[u8]) -> bool {
    u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize == bytes.len() - 8
}

#[test]
fn webp_photo_loses_gps_and_xmp_and_its_flags_follow() {
    let original = fixture("photo-gps.webp");
    let before = WebP::from_bytes(Bytes::from(original.clone())).unwrap();
    assert!(before.has_chunk(*b"EXIF") && before.has_chunk(*b"XMP "));
    let stripped = strip(MediaType::Webp, &original);
    assert_no_markers(&stripped);
    assert!(stripped.starts_with(b"RIFF") && &stripped[8..12] == b"WEBP");
    assert!(riff_size_is_right(&stripped));
    let after = WebP::from_bytes(Bytes::from(stripped)).unwrap();
    assert_eq!(webp_ids(&after), [*b"VP8X", *b"VP8L", *b"EXIF"]);
    assert_eq!(after.exif().unwrap(), orientation_only(6));
    assert_eq!(vp8x_flags(&after), Some(0x08), "EXIF flag only: no XMP");
    assert_eq!(after.dimensions(), Some((16, 16)));
    assert_eq!(after.chunk_by_id(*b"VP8L"), before.chunk_by_id(*b"VP8L"));
}

#[test]
fn hand_made_webp_goes_back_to_the_simple_format() {
    let original = webp_with_everything(None, false);
    let stripped = strip(MediaType::Webp, &original);
    assert_no_markers(&stripped);
    // Nothing extended is left, so VP8X goes too: a plain lossless WebP.
    assert_eq!(stripped, webp(&[riff_chunk(b"VP8L", VP8L_1X1)]));
    assert!(riff_size_is_right(&stripped));
}

#[test]
fn hand_made_webp_keeps_its_colour_profile() {
    let stripped = strip(MediaType::Webp, &webp_with_everything(Some(6), true));
    assert_no_markers(&stripped);
    assert!(riff_size_is_right(&stripped));
    let after = WebP::from_bytes(Bytes::from(stripped)).unwrap();
    assert_eq!(webp_ids(&after), [*b"VP8X", *b"ICCP", *b"VP8L", *b"EXIF"]);
    assert_eq!(vp8x_flags(&after), Some(0x20 | 0x08), "ICC and EXIF flags, no XMP");
    assert_eq!(after.icc_profile().unwrap(), &b"fake-profile-bytes"[..]);
    assert_eq!(after.exif().unwrap(), orientation_only(6));

    let stripped = strip(MediaType::Webp, &webp_with_everything(None, true));
    let after = WebP::from_bytes(Bytes::from(stripped)).unwrap();
    assert_eq!(webp_ids(&after), [*b"VP8X", *b"ICCP", *b"VP8L"]);
    assert_eq!(vp8x_flags(&after), Some(0x20), "ICC flag only");
}

#[test]
fn corrupt_webps_are_invalid_files() {
    let good = webp(&[riff_chunk(b"VP8L", VP8L_1X1)]);
    let mut too_long = good.clone();
    too_long[4..8].copy_from_slice(&1000u32.to_le_bytes());
    for (why, bytes) in [
        ("a RIFF size past the end", too_long),
        ("a chunk cut short", good[..good.len() - 6].to_vec()),
        ("no image data", webp(&[vp8x(0x08, 1, 1), riff_chunk(b"EXIF", &exif_tiff_with_gps(None))])),
    ] {
        let err = strip_location_metadata(MediaType::Webp, &bytes).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidFile, "{why}");
        assert!(err.message.starts_with("the WebP image is corrupt or truncated: "), "{why}: {}", err.message);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Other types, and prepare().

#[test]
fn documents_recordings_and_videos_are_kept_byte_for_byte() {
    for (name, media) in [
        ("document.pdf", MediaType::Pdf),
        ("call.mp3", MediaType::Mp3),
        ("call.m4a", MediaType::M4a),
        ("call.amr", MediaType::Amr),
        ("clip.mp4", MediaType::Mp4),
        ("clip.mov", MediaType::Mp4),
    ] {
        let bytes = fixture(name);
        assert_eq!(strip_location_metadata(media, &bytes).unwrap(), bytes, "{name}");
    }
}

#[test]
fn prepare_sniffs_strips_and_hashes() {
    let original = fixture("photo-gps.jpg");
    let prepared = prepare(&original, &EvidenceLimits::default()).unwrap();
    assert_eq!(prepared.media, MediaType::Jpeg);
    assert_no_markers(&prepared.bytes);
    assert_eq!(prepared.sha256_hex, sha256_hex(&prepared.bytes));
    assert_ne!(prepared.sha256_hex, sha256_hex(&original));
    assert_eq!(prepared.size(), prepared.bytes.len() as u64);

    let pdf = fixture("document.pdf");
    let prepared = prepare(&pdf, &EvidenceLimits::default()).unwrap();
    assert_eq!((prepared.media, prepared.bytes.as_slice()), (MediaType::Pdf, pdf.as_slice()));
    assert_eq!(prepared.sha256_hex, sha256_hex(&pdf));
}

#[test]
fn prepare_enforces_the_size_limit_first() {
    let limits = EvidenceLimits { max_file_bytes: 1024, max_files: 20 };
    let err = prepare(&[0u8; 1025], &limits).unwrap_err();
    assert_eq!(err.code, ErrorCode::FileTooLarge);
    assert_eq!(err.message, "the file is 1.1 KB, over the limit of 1 KB per file");
    // At the limit is fine.
    let mut at_limit = b"%PDF-1.4\n".to_vec();
    at_limit.resize(1024, b' ');
    assert_eq!(prepare(&at_limit, &limits).unwrap().media, MediaType::Pdf);

    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let err = prepare(&big, &EvidenceLimits::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::FileTooLarge);
    assert!(err.message.ends_with("over the limit of 10 MB per file"), "{}", err.message);
}

#[test]
fn prepare_refuses_what_is_not_evidence() {
    let limits = EvidenceLimits::default();
    assert_eq!(prepare(b"", &limits).unwrap_err().code, ErrorCode::InvalidFile);
    assert_eq!(prepare(b"MZ\x90\0", &limits).unwrap_err().code, ErrorCode::UnsupportedFileType);
    assert_eq!(prepare(&[0xFF, 0xD8, 0xFF, 0xD9], &limits).unwrap_err().code, ErrorCode::InvalidFile);
    let err = prepare(b"PK\x03\x04", &limits).unwrap_err().with_field("files[2]");
    assert_eq!(err.field.as_deref(), Some("files[2]"));
}

#[test]
fn damaged_images_never_panic() {
    // Every prefix and every single-byte change of each sample image either strips or is an invalid file.
    let samples = [
        (MediaType::Jpeg, fixture("photo-gps.jpg")),
        (MediaType::Jpeg, jpeg_with_everything(Some(6))),
        (MediaType::Png, fixture("screenshot-gps.png")),
        (MediaType::Png, png_with_everything(Some(6))),
        (MediaType::Webp, fixture("photo-gps.webp")),
        (MediaType::Webp, webp_with_everything(Some(6), true)),
    ];
    for (media, bytes) in samples {
        let mut damaged = Vec::new();
        for len in 0..bytes.len() {
            damaged.push(bytes[..len].to_vec());
        }
        for pos in 0..bytes.len() {
            for value in [0x00, 0xFF, bytes[pos] ^ 0x80] {
                let mut changed = bytes.clone();
                changed[pos] = value;
                damaged.push(changed);
            }
        }
        for bytes in damaged {
            match strip_location_metadata(media, &bytes) {
                Ok(_) => {}
                Err(err) => assert_eq!(err.code, ErrorCode::InvalidFile),
            }
        }
    }
}
