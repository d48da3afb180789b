//! Reading the QR code in a photo or screenshot, in pure Rust (`image` decodes, `rqrr` finds and reads the
//! code), with limits on the file's size and the picture's pixels decided before any pixel is decoded.

use image::{ImageReader, Limits};
use std::io::Cursor;

/// Largest upload, in bytes.
pub const MAX_QR_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Widest or tallest picture, in pixels.
pub const MAX_QR_SIDE: u32 = 6_000;
/// Most pixels in a picture: a 24-megapixel phone photo.
pub const MAX_QR_PIXELS: u64 = 24_000_000;
/// Pictures larger than this on their long side are scaled down before the search: a code is read as well
/// from 1,600 pixels, and the search costs grow with the area.
const SEARCH_SIDE: u32 = 1_600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrError {
    /// Not a picture in a format we read, or a damaged one.
    NotAnImage,
    /// Over [`MAX_QR_SIDE`] or [`MAX_QR_PIXELS`].
    TooLarge,
    /// A picture, but no readable code in it.
    NoCode,
}

/// The text of the first readable QR code in `bytes` (PNG, JPEG, WebP, GIF or BMP).
pub fn read_qr_code(bytes: &[u8]) -> Result<String, QrError> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| QrError::NotAnImage)?;
    if reader.format().is_none() {
        return Err(QrError::NotAnImage);
    }
    let (width, height) = reader.into_dimensions().map_err(|_| QrError::NotAnImage)?;
    if width > MAX_QR_SIDE || height > MAX_QR_SIDE || u64::from(width) * u64::from(height) > MAX_QR_PIXELS {
        return Err(QrError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| QrError::NotAnImage)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_QR_SIDE);
    limits.max_image_height = Some(MAX_QR_SIDE);
    // RGBA at the largest size allowed, and the decoder's own buffers.
    limits.max_alloc = Some(MAX_QR_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let picture = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => QrError::TooLarge,
        _ => QrError::NotAnImage,
    })?;
    let picture = if width.max(height) > SEARCH_SIDE {
        picture.resize(SEARCH_SIDE, SEARCH_SIDE, image::imageops::FilterType::Triangle)
    } else {
        picture
    };
    let grey = picture.to_luma8();
    let (width, height) = grey.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
        grey.get_pixel(x as u32, y as u32)[0]
    });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .filter(|content| !content.is_empty())
        .ok_or(QrError::NoCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_picture_is_refused() {
        assert_eq!(read_qr_code(b"hello, this is text"), Err(QrError::NotAnImage));
        assert_eq!(read_qr_code(&[]), Err(QrError::NotAnImage));
        // A PNG signature followed by garbage.
        assert_eq!(read_qr_code(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRgarbage"), Err(QrError::NotAnImage));
    }

    #[test]
    fn a_picture_without_a_code_says_so() {
        let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
        let mut png = Vec::new();
        blank.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert_eq!(read_qr_code(&png), Err(QrError::NoCode));
    }

    #[test]
    fn a_picture_over_the_pixel_limit_is_refused_before_decoding() {
        // A 7,000 × 10 PNG: small file, too wide.
        let wide = image::GrayImage::from_pixel(MAX_QR_SIDE + 1000, 10, image::Luma([255]));
        let mut png = Vec::new();
        wide.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert_eq!(read_qr_code(&png), Err(QrError::TooLarge));
    }
}
