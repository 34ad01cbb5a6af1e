//! A paper ballot's scan: the signed sheet, photographed or scanned, kept with the
//! ballot staff entered from it so the auditor can compare the two.
//!
//! | upload begins with            | accepted as                 | stored                    |
//! |-------------------------------|-----------------------------|---------------------------|
//! | a JPEG, PNG or WebP signature | an image, checked as photos | cleaned of its metadata   |
//! | `%PDF-`                       | a PDF                       | as uploaded               |
//! | anything else                 | refused                     | nothing                   |
//!
//! Whatever it is, it holds at most [`MAX_SCAN_BYTES`] and is never empty. The type
//! comes from the content, never from what the upload claims. Who may see a scan (the
//! ballot is secret) is the application's rule.

use thiserror::Error;

use crate::requests::photo::{MAX_PHOTO_BYTES, PhotoError, check_photo};

/// Largest scan accepted, in bytes: the photos' limit.
pub const MAX_SCAN_BYTES: usize = MAX_PHOTO_BYTES;

/// The signature a PDF file begins with.
const PDF_SIGNATURE: &[u8] = b"%PDF-";

/// A scan that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedScan {
    /// `image/jpeg`, `image/png`, `image/webp` or `application/pdf`.
    pub content_type: &'static str,
    /// The bytes to store (an image cleaned of its metadata, a PDF as is).
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScanError {
    #[error("the file is empty")]
    Empty,
    #[error("the scan is larger than {} MB", MAX_SCAN_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("not a JPEG, PNG or WebP image, nor a PDF")]
    UnknownType,
    #[error("{0}")]
    Image(PhotoError),
}

/// Checks an uploaded scan and returns what to store, or why it is refused.
pub fn check_scan(data: &[u8]) -> Result<CheckedScan, ScanError> {
    if data.is_empty() {
        return Err(ScanError::Empty);
    }
    if data.len() > MAX_SCAN_BYTES {
        return Err(ScanError::TooLarge);
    }
    if data.starts_with(PDF_SIGNATURE) {
        return Ok(CheckedScan {
            content_type: "application/pdf",
            data: data.to_vec(),
        });
    }
    match check_photo(data) {
        Ok(photo) => Ok(CheckedScan {
            content_type: photo.kind.content_type(),
            data: photo.data,
        }),
        Err(PhotoError::UnknownType) => Err(ScanError::UnknownType),
        Err(PhotoError::TooLarge) => Err(ScanError::TooLarge),
        Err(PhotoError::Empty) => Err(ScanError::Empty),
        Err(e) => Err(ScanError::Image(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of 2×1 pixels with a text chunk that must not survive.
    fn png() -> Vec<u8> {
        fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
            let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
            v.extend_from_slice(kind);
            v.extend_from_slice(data);
            v.extend_from_slice(&[0, 0, 0, 0]);
            v
        }
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let mut ihdr = 2u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        v.extend(chunk(b"IHDR", &ihdr));
        v.extend(chunk(b"tEXt", b"Location\0Huguang"));
        v.extend(chunk(b"IDAT", &[1, 2, 3]));
        v.extend(chunk(b"IEND", &[]));
        v
    }

    #[test]
    fn a_pdf_is_kept_as_uploaded() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
        let s = check_scan(&pdf).unwrap();
        assert_eq!((s.content_type, s.data), ("application/pdf", pdf));
    }

    #[test]
    fn an_image_is_checked_and_cleaned_like_a_photo() {
        let s = check_scan(&png()).unwrap();
        assert_eq!(s.content_type, "image/png");
        assert!(!s.data.windows(8).any(|w| w == b"Location"));
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        assert_eq!(check_scan(b""), Err(ScanError::Empty));
        assert_eq!(check_scan(b"hello"), Err(ScanError::UnknownType));
        // A PDF's signature must open the file, not merely appear in it.
        assert_eq!(check_scan(b" %PDF-1.7"), Err(ScanError::UnknownType));
        assert_eq!(check_scan(b"%PDF"), Err(ScanError::UnknownType));
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(MAX_SCAN_BYTES + 1, b' ');
        assert_eq!(check_scan(&big), Err(ScanError::TooLarge));
        big.truncate(MAX_SCAN_BYTES);
        assert!(check_scan(&big).is_ok(), "the limit itself is accepted");
        let mut cut = png();
        cut.truncate(20);
        assert!(matches!(check_scan(&cut), Err(ScanError::Image(_))));
        assert_eq!(
            ScanError::UnknownType.to_string(),
            "not a JPEG, PNG or WebP image, nor a PDF"
        );
        assert_eq!(
            ScanError::TooLarge.to_string(),
            "the scan is larger than 8 MB"
        );
    }
}
