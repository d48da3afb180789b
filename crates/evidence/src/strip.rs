//! Removing location metadata from images.
//!
//! The rule is an allow-list: an image keeps what is needed to show it (pixels, colour profile,
//! transparency, animation) and loses everything else: EXIF (GPS position, camera, time), XMP (which
//! repeats the GPS position and may name the place), IPTC (city, province), comments and text chunks,
//! C2PA manifests (which can embed the GPS position), vendor data, and whatever follows the image (the
//! second picture of a multi-picture JPEG carries its own EXIF). The one EXIF field kept is the
//! orientation, rewritten alone, so that a phone photo is not shown sideways.
//!
//! PDF, audio and video files are returned unchanged. Their metadata (a PDF's author, an MP4's `©xyz`
//! location atom, ID3 tags) is not rewritten: that needs a full parser and writer for each format, and a
//! rewriting bug would corrupt the evidence itself. Their bytes are kept exactly as received.

use crate::media::MediaType;
use canhgiac_core::{Error, ErrorCode};
use img_parts::{Bytes, ImageEXIF, png::Png, riff::RiffContent, webp::WebP};

/// Returns the image without its location metadata (see the module documentation for what is kept), or the
/// bytes unchanged for PDF, audio and video.
///
/// `media` is the type [`sniff`](crate::sniff) found. Errors: [`ErrorCode::InvalidFile`] for a corrupt or
/// truncated image.
pub fn strip_location_metadata(media: MediaType, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    match media {
        MediaType::Jpeg => strip_jpeg(bytes),
        MediaType::Png => strip_png(bytes),
        MediaType::Webp => strip_webp(bytes),
        MediaType::Pdf | MediaType::Mp3 | MediaType::M4a | MediaType::Amr | MediaType::Mp4 => Ok(bytes.to_vec()),
    }
}

fn invalid(format: &str, why: &str) -> Error {
    Error::new(ErrorCode::InvalidFile, format!("the {format} image is corrupt or truncated: {why}"))
}

// ---------------------------------------------------------------------------------------------------------
// EXIF orientation.

/// The orientation (1 to 8) in EXIF data, the TIFF structure after JPEG's `Exif\0\0` prefix.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let tiff = tiff.strip_prefix(b"Exif\0\0").unwrap_or(tiff);
    let big_endian = match tiff.get(..4)? {
        b"MM\0*" => true,
        b"II*\0" => false,
        _ => return None,
    };
    let u16_at = |pos: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(pos..pos + 2)?.try_into().ok()?;
        Some(if big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    };
    let u32_at = |pos: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(pos..pos + 4)?.try_into().ok()?;
        Some(if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    let ifd0 = u32_at(4)? as usize;
    let count = usize::from(u16_at(ifd0)?);
    (0..count).find_map(|i| {
        let entry = ifd0 + 2 + 12 * i;
        // tag 0x0112 Orientation, type 3 SHORT, count 1, value in the first two bytes of the value field
        if u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3 && u32_at(entry + 4)? == 1 {
            u16_at(entry + 8).filter(|o| (1..=8).contains(o))
        } else {
            None
        }
    })
}

/// EXIF data holding nothing but an orientation: a big-endian TIFF header and one IFD with one entry.
fn orientation_only_exif(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0*");
    tiff.extend_from_slice(&8u32.to_be_bytes()); // IFD0 right after the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value field padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff
}

/// The orientation worth keeping: anything but 1, "as stored".
fn kept_orientation(orientation: Option<u16>) -> Option<Vec<u8>> {
    orientation.filter(|&o| o != 1).map(orientation_only_exif)
}

// ---------------------------------------------------------------------------------------------------------
// JPEG.

/// Rewrites a JPEG segment by segment, keeping the segments that decoding needs and the image data, up to
/// the first image's end marker. Segments between the scans of a progressive JPEG are filtered too.
fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, Error> {
    const SOI: u8 = 0xD8;
    const EOI: u8 = 0xD9;
    const SOS: u8 = 0xDA;
    if !b.starts_with(&[0xFF, SOI]) {
        return Err(invalid("JPEG", "no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, SOI]);
    // Where the orientation segment goes: after the start marker and the APP0 (JFIF) segments.
    let mut exif_at = out.len();
    let mut leading_app0 = true;
    let mut orientation = None;
    let mut frame = false;
    let mut scan = false;
    let mut pos = 2;
    loop {
        // Next marker; bytes that are not one are skipped, as decoders do.
        while pos < b.len() && b[pos] != 0xFF {
            pos += 1;
        }
        while pos < b.len() && b[pos] == 0xFF {
            pos += 1; // fill bytes
        }
        let Some(&marker) = b.get(pos) else {
            if !scan {
                return Err(invalid("JPEG", "it ends before its image data"));
            }
            // Truncated after the image data began: keep what there is, properly ended.
            out.extend_from_slice(&[0xFF, EOI]);
            break;
        };
        pos += 1;
        match marker {
            EOI => {
                if !scan {
                    return Err(invalid("JPEG", "it ends before its image data"));
                }
                out.extend_from_slice(&[0xFF, EOI]);
                // Anything after the first image (a multi-picture file's other images, vendor trailers) goes.
                break;
            }
            SOI => return Err(invalid("JPEG", "a second start-of-image marker inside the image")),
            // Stuffing seen outside image data: not a marker.
            0x00 => continue,
            // Markers without a length (TEM, restart markers).
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            _ => {}
        }
        let len = match b.get(pos..pos + 2) {
            Some(len) => usize::from(u16::from_be_bytes([len[0], len[1]])),
            None => return Err(invalid("JPEG", "a segment is cut short")),
        };
        if len < 2 || pos + len > b.len() {
            return Err(invalid("JPEG", "a segment is cut short"));
        }
        let payload = &b[pos + 2..pos + len];
        let segment = &b[pos - 2..pos + len];
        pos += len;

        if marker == 0xE1 && orientation.is_none() && payload.starts_with(b"Exif\0\0") {
            orientation = exif_orientation(payload);
        }
        let keep = match marker {
            0xE0 => true,                                  // APP0: JFIF, no metadata
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"), // colour profile (not MPF, FlashPix...)
            0xEE => payload.starts_with(b"Adobe"),         // colour transform, needed to decode CMYK/YCCK
            0xE1..=0xEF | 0xFE => false,                   // EXIF, XMP, IPTC, C2PA, comments, vendor data
            _ => true,                                     // tables, frame and scan headers
        };
        if keep {
            out.extend_from_slice(segment);
            if marker == 0xE0 && leading_app0 {
                exif_at = out.len();
            } else {
                leading_app0 = false;
            }
        }
        // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC); SOF55 (F7) for JPEG-LS.
        if matches!(marker, 0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC)) || marker == 0xF7 {
            frame = true;
        }
        if marker == SOS {
            if !frame {
                return Err(invalid("JPEG", "image data before the frame header"));
            }
            scan = true;
            // Entropy-coded data runs to the next marker: FF followed by C0..FE but a restart marker. FF 00
            // is stuffing, FF 01..BF cannot be a marker (JPEG-LS stuffs that way), FF FF is fill.
            let start = pos;
            while pos < b.len() {
                if b[pos] != 0xFF {
                    pos += 1;
                } else {
                    match b.get(pos + 1) {
                        Some(0x00..=0xBF | 0xD0..=0xD7) => pos += 2,
                        Some(_) | None => break,
                    }
                }
            }
            out.extend_from_slice(&b[start..pos]);
        }
    }
    if let Some(exif) = kept_orientation(orientation) {
        let mut segment = Vec::with_capacity(4 + 6 + exif.len());
        segment.extend_from_slice(&[0xFF, 0xE1]);
        segment.extend_from_slice(&((2 + 6 + exif.len()) as u16).to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&exif);
        out.splice(exif_at..exif_at, segment);
    }
    // The result must read as a JPEG by an independent parser.
    img_parts::jpeg::Jpeg::from_bytes(Bytes::copy_from_slice(&out)).map_err(|e| invalid("JPEG", &e.to_string()))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// PNG.

/// Ancillary chunks kept: those that change how the pixels look (colour, transparency, gamma, HDR,
/// physical pixel size), animation (APNG) and the modification time. Critical chunks (upper-case first
/// letter: IHDR, PLTE, IDAT, IEND) are always kept. Dropped: `eXIf`, `tEXt`, `zTXt`, `iTXt` (where XMP
/// lives), `caBX` (C2PA) and every other chunk.
const PNG_KEPT: &[&[u8; 4]] = &[
    b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs",
    b"sPLT", b"tIME", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(b: &[u8]) -> Result<Vec<u8>, Error> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(b)).map_err(|e| invalid("PNG", &e.to_string()))?;
    if png.chunks().first().map(|chunk| chunk.kind()) != Some(*b"IHDR") {
        return Err(invalid("PNG", "it does not start with an IHDR chunk"));
    }
    if !png.chunks().iter().any(|chunk| &chunk.kind() == b"IDAT") {
        return Err(invalid("PNG", "it has no image data"));
    }
    let orientation = png.exif().and_then(|exif| exif_orientation(&exif));
    png.chunks_mut().retain(|chunk| {
        let kind = chunk.kind();
        kind[0].is_ascii_uppercase() || PNG_KEPT.contains(&&kind)
    });
    png.set_exif(kept_orientation(orientation).map(Bytes::from));
    // Anything after IEND was already left out by the parser.
    Ok(png.encoder().bytes().to_vec())
}

// ---------------------------------------------------------------------------------------------------------
// WebP.

/// Chunks kept: image data, alpha, animation and colour profile. Dropped: `EXIF`, `XMP ` and unknown chunks.
const WEBP_KEPT: &[&[u8; 4]] = &[b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"];

/// The XMP and EXIF bits of the VP8X flags byte.
const VP8X_XMP: u8 = 0b0000_0100;
const VP8X_EXIF: u8 = 0b0000_1000;

fn strip_webp(b: &[u8]) -> Result<Vec<u8>, Error> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(b)).map_err(|e| invalid("WebP", &e.to_string()))?;
    if !webp.chunks().iter().any(|chunk| matches!(&chunk.id(), b"VP8 " | b"VP8L" | b"ANMF")) {
        return Err(invalid("WebP", "it has no image data"));
    }
    let orientation = webp.exif().and_then(|exif| exif_orientation(&exif));
    webp.chunks_mut().retain(|chunk| WEBP_KEPT.contains(&&chunk.id()));
    // Sets or removes the EXIF chunk, then adds or removes VP8X as the remaining chunks need and updates its
    // ICC and EXIF flags.
    webp.set_exif(kept_orientation(orientation).map(Bytes::from));
    // img-parts leaves the XMP flag as it was: clear it, since no XMP chunk is left.
    let has_exif = webp.has_chunk(img_parts::webp::CHUNK_EXIF);
    if let Some(vp8x) = webp.chunks_mut().iter_mut().find(|chunk| &chunk.id() == b"VP8X")
        && let RiffContent::Data(data) = vp8x.content_mut()
        && let Some(&flags) = data.first()
    {
        let mut flags = flags & !VP8X_XMP;
        if !has_exif {
            flags &= !VP8X_EXIF;
        }
        let mut fixed = data.to_vec();
        fixed[0] = flags;
        *data = Bytes::from(fixed);
    }
    // The RIFF size is computed from the chunks when encoding.
    Ok(webp.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_round_trips() {
        for o in 1..=8 {
            assert_eq!(exif_orientation(&orientation_only_exif(o)), Some(o));
        }
        assert_eq!(exif_orientation(b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0"), Some(6));
        assert_eq!(exif_orientation(b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x09\0\0\0\0\0\0"), None);
        assert_eq!(exif_orientation(b"MM\0*\xff\xff\xff\xff"), None);
        assert_eq!(exif_orientation(b""), None);
    }

    #[test]
    fn documents_and_media_are_unchanged() {
        let bytes = b"%PDF-1.4\n% /Author (someone) /GPS (21.0 105.8)\n";
        assert_eq!(strip_location_metadata(MediaType::Pdf, bytes).unwrap(), bytes);
    }
}
