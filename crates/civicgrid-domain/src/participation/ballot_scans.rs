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

use super::attachments::{MAX_ATTACHMENT_BYTES, check_document};

pub use super::attachments::{CheckedDocument as CheckedScan, DocumentError as ScanError};

/// Largest scan accepted, in bytes: an attachment's limit.
pub const MAX_SCAN_BYTES: usize = MAX_ATTACHMENT_BYTES;

/// Checks an uploaded scan and returns what to store, or why it is refused.
pub fn check_scan(data: &[u8]) -> Result<CheckedScan, ScanError> {
    check_document(data)
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
        assert_eq!(check_scan(b"%PDF-1.7\n1 0 obj"), Err(ScanError::BrokenPdf));
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(MAX_SCAN_BYTES + 1, b' ');
        assert_eq!(check_scan(&big), Err(ScanError::TooLarge));
        let mut cut = png();
        cut.truncate(20);
        assert!(matches!(check_scan(&cut), Err(ScanError::Photo(_))));
    }
}
