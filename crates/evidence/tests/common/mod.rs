//! Sample files for the tests: fixtures written by real encoders (see `fixtures/make_fixtures.py`), and
//! images assembled here byte by byte, so that each metadata structure is exactly where the test expects it.
#![allow(dead_code)]

use std::path::PathBuf;

/// Marker strings that the fixtures' metadata carries (see `fixtures/make_fixtures.py`).
pub const GPS_MARKER: &[u8] = b"GPS-SECRET-HOAN-KIEM";
pub const XMP_MARKER: &[u8] = b"XMP-SECRET-LOCATION";
pub const TEXT_MARKER: &[u8] = b"TEXT-SECRET-LOCATION";
/// The marker in the hand-built metadata.
pub const HAND_MARKER: &[u8] = b"HANDMADE-SECRET-PLACE";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

// ---------------------------------------------------------------------------------------------------------
// EXIF (TIFF) with a GPS position.

/// A little-endian TIFF structure: IFD0 with Make, Orientation (when given) and a pointer to a GPS IFD
/// holding latitude, longitude and a map datum carrying [`HAND_MARKER`]. Hoan Kiem Lake, Hanoi.
pub fn exif_tiff_with_gps(orientation: Option<u16>) -> Vec<u8> {
    enum Value {
        Ascii(Vec<u8>),
        Short(u16),
        Long(u32),
        Rationals(Vec<(u32, u32)>),
    }
    fn ascii(s: &[u8]) -> Value {
        let mut v = s.to_vec();
        v.push(0);
        Value::Ascii(v)
    }
    // Lays out an IFD at `at`, its out-of-line values right after it. Returns the bytes.
    fn ifd(at: usize, entries: &[(u16, Value)]) -> Vec<u8> {
        let mut head = Vec::new();
        let mut tail = Vec::new();
        let tail_at = at + 2 + 12 * entries.len() + 4;
        head.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, value) in entries {
            let (kind, count, data): (u16, u32, Vec<u8>) = match value {
                Value::Ascii(s) => (2, s.len() as u32, s.clone()),
                Value::Short(v) => (3, 1, v.to_le_bytes().to_vec()),
                Value::Long(v) => (4, 1, v.to_le_bytes().to_vec()),
                Value::Rationals(rs) => (
                    5,
                    rs.len() as u32,
                    rs.iter().flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()]).flatten().collect(),
                ),
            };
            head.extend_from_slice(&tag.to_le_bytes());
            head.extend_from_slice(&kind.to_le_bytes());
            head.extend_from_slice(&count.to_le_bytes());
            if data.len() <= 4 {
                let mut inline = data.clone();
                inline.resize(4, 0);
                head.extend_from_slice(&inline);
            } else {
                head.extend_from_slice(&((tail_at + tail.len()) as u32).to_le_bytes());
                tail.extend_from_slice(&data);
                if tail.len() % 2 == 1 {
                    tail.push(0);
                }
            }
        }
        head.extend_from_slice(&0u32.to_le_bytes());
        head.extend_from_slice(&tail);
        head
    }
    let gps = |at| {
        ifd(
            at,
            &[
                (0x0001, ascii(b"N")),
                (0x0002, Value::Rationals(vec![(21, 1), (1, 1), (426, 10)])),
                (0x0003, ascii(b"E")),
                (0x0004, Value::Rationals(vec![(105, 1), (51, 1), (79, 10)])),
                (0x0012, ascii(HAND_MARKER)),
            ],
        )
    };
    // IFD0 first, with a placeholder GPS pointer to learn its size, then for real.
    let ifd0_entries = |gps_at: u32| {
        let mut entries = vec![(0x010F, ascii(b"canhgiac-handmade-camera"))];
        if let Some(o) = orientation {
            entries.push((0x0112, Value::Short(o)));
        }
        entries.push((0x8825, Value::Long(gps_at)));
        entries
    };
    let ifd0_len = ifd(8, &ifd0_entries(0)).len();
    let gps_at = 8 + ifd0_len;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&ifd(8, &ifd0_entries(gps_at as u32)));
    tiff.extend_from_slice(&gps(gps_at));
    tiff
}

// ---------------------------------------------------------------------------------------------------------
// JPEG.

/// A JPEG segment: marker, length, payload.
pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// The tables, frame header, scan and end of a minimal valid baseline JPEG: 8x8 pixels, one grey component,
/// every pixel 128. One Huffman code per table: DC difference 0, then end-of-block. Checked to decode with
/// Pillow when written.
pub fn jpeg_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(segment(0xDB, &[[0u8].as_slice(), &[1u8; 64]].concat())); // DQT: all ones
    b.extend(segment(0xC0, &[8, 0, 8, 0, 8, 1, 1, 0x11, 0])); // SOF0: 8 bits, 8x8, 1 component
    let table = |class: u8| [[class, 1].as_slice(), &[0u8; 15], &[0]].concat(); // one code of length 1: symbol 0
    b.extend(segment(0xC4, &table(0x00))); // DHT DC 0
    b.extend(segment(0xC4, &table(0x10))); // DHT AC 0
    b.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0])); // SOS
    b.push(0b0011_1111); // DC code "0", EOB code "0", padded with ones
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

pub fn jfif() -> Vec<u8> {
    segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
}

/// A minimal valid JPEG with no metadata.
pub fn plain_jpeg() -> Vec<u8> {
    [vec![0xFF, 0xD8], jfif(), jpeg_body()].concat()
}

pub const ICC_PAYLOAD: &[u8] = b"ICC_PROFILE\0\x01\x01fake-profile-bytes";

/// A JPEG with every kind of metadata that can locate someone: EXIF with GPS (and an orientation), XMP,
/// IPTC, a comment, a C2PA (APP11) box; a colour profile that must be kept; and a second image with its own
/// EXIF after the end of the first, as multi-picture files have.
pub fn jpeg_with_everything(orientation: Option<u16>) -> Vec<u8> {
    let exif = [b"Exif\0\0".as_slice(), &exif_tiff_with_gps(orientation)].concat();
    let xmp = [b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta photoshop:City=\"".as_slice(), HAND_MARKER, b"\"/>"].concat();
    let iptc = [b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x1a\x1c\x02\x5a\0\x15".as_slice(), HAND_MARKER].concat();
    let c2pa = [b"JP\0\x01\0\0\0\x01jumb".as_slice(), HAND_MARKER].concat();
    let second = [vec![0xFF, 0xD8], segment(0xE1, &exif), jpeg_body()].concat();
    [
        vec![0xFF, 0xD8],
        jfif(),
        segment(0xE1, &exif),
        segment(0xE1, &xmp),
        segment(0xE2, ICC_PAYLOAD),
        segment(0xED, &iptc),
        segment(0xEB, &c2pa),
        segment(0xFE, HAND_MARKER),
        jpeg_body(),
        second,
    ]
    .concat()
}

// ---------------------------------------------------------------------------------------------------------
// PNG.

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
    c
}

/// A zlib stream holding `data` in one stored (uncompressed) deflate block.
pub fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend_from_slice(&len.to_le_bytes());
    z.extend_from_slice(&(!len).to_le_bytes());
    z.extend_from_slice(data);
    z.extend_from_slice(&adler32(data).to_be_bytes());
    z
}

pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub fn png_ihdr() -> Vec<u8> {
    png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]) // 1x1, 8-bit grey
}

pub fn png_idat() -> Vec<u8> {
    png_chunk(b"IDAT", &zlib_stored(&[0, 0x80])) // filter 0, one grey pixel
}

/// A 1x1 grey PNG with an eXIf chunk (GPS), tEXt, zTXt and iTXt (XMP) chunks, a private chunk, a pHYs chunk
/// that must be kept, and data after IEND.
pub fn png_with_everything(orientation: Option<u16>) -> Vec<u8> {
    let text = [b"Location\0".as_slice(), HAND_MARKER].concat();
    let ztxt = [b"Comment\0\0".as_slice(), &zlib_stored(HAND_MARKER)].concat();
    let itxt = [b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta City=\"".as_slice(), HAND_MARKER, b"\"/>"].concat();
    [
        PNG_SIGNATURE.to_vec(),
        png_ihdr(),
        png_chunk(b"eXIf", &exif_tiff_with_gps(orientation)),
        png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]),
        png_chunk(b"tEXt", &text),
        png_chunk(b"zTXt", &ztxt),
        png_idat(),
        png_chunk(b"iTXt", &itxt),
        png_chunk(b"prVt", HAND_MARKER),
        png_chunk(b"IEND", &[]),
        HAND_MARKER.to_vec(),
    ]
    .concat()
}

// ---------------------------------------------------------------------------------------------------------
// WebP.

/// The VP8L bitstream of a 1x1 lossless WebP (one opaque red pixel), as Pillow 13 writes it.
pub const VP8L_1X1: &[u8] = b"\x2f\x00\x00\x00\x00\x07\x50\x8f\x22\x17\xa5\xff\x81\x88\xe8\x7f\x00";

pub fn riff_chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(data.len() as u32).to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

pub fn webp(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut w = b"RIFF".to_vec();
    w.extend_from_slice(&((4 + body.len()) as u32).to_le_bytes());
    w.extend_from_slice(b"WEBP");
    w.extend_from_slice(&body);
    w
}

/// A VP8X chunk: flags, and the canvas size minus one in 24 bits each.
pub fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![flags, 0, 0, 0];
    data.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    data.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    riff_chunk(b"VP8X", &data)
}

/// An extended 1x1 WebP: VP8X (EXIF and XMP flags, and ICC when `icc`), an optional ICC profile, the image,
/// EXIF with GPS, XMP and an unknown chunk.
pub fn webp_with_everything(orientation: Option<u16>, icc: bool) -> Vec<u8> {
    let xmp = [b"<x:xmpmeta City=\"".as_slice(), HAND_MARKER, b"\"/>"].concat();
    let mut chunks = vec![vp8x(0x08 | 0x04 | if icc { 0x20 } else { 0 }, 1, 1)];
    if icc {
        chunks.push(riff_chunk(b"ICCP", b"fake-profile-bytes"));
    }
    chunks.push(riff_chunk(b"VP8L", VP8L_1X1));
    chunks.push(riff_chunk(b"EXIF", &exif_tiff_with_gps(orientation)));
    chunks.push(riff_chunk(b"XMP ", &xmp));
    chunks.push(riff_chunk(b"prVt", HAND_MARKER));
    webp(&chunks)
}
