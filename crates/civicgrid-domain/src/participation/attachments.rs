//! Files attached to a notice (a plan drawing, the minutes, a map of the works): PDF
//! documents and photos; the same document check serves a paper ballot's scan. The type is decided by the content, whatever the upload
//! claims; photos go through the same checks as request photos (metadata that may say
//! where they were taken is removed); the file name is kept only as a readable label.

use thiserror::Error;

use crate::requests::photo::{PhotoError, check_photo};

/// Largest attachment accepted, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 8 * 1024 * 1024;
/// Most attachments one notice carries.
pub const MAX_ATTACHMENTS: usize = 5;
/// Longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 100;

/// An uploaded document that passed the checks: a complete PDF kept as uploaded, or a
/// photo cleaned of its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDocument {
    /// `application/pdf`, `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: &'static str,
    /// The bytes to store.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {} MB", MAX_ATTACHMENT_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("not a PDF document nor a JPEG, PNG or WebP image")]
    UnknownType,
    #[error("the PDF is damaged or cut short (it has no end-of-file mark)")]
    BrokenPdf,
    #[error("{0}")]
    Photo(PhotoError),
}

/// An attachment that passed the checks, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAttachment {
    /// The name shown to readers (no folders, no control characters).
    pub file_name: String,
    pub content_type: &'static str,
    /// The bytes to store: a PDF as uploaded, a photo cleaned of its metadata.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttachmentError {
    #[error("{0}")]
    Document(DocumentError),
    #[error("a notice carries at most {MAX_ATTACHMENTS} attachments")]
    TooMany,
}

/// The signature every PDF file starts with.
const PDF_SIGNATURE: &[u8] = b"%PDF-";
/// A PDF ends with this mark (possibly followed by line ends or padding).
const PDF_END: &[u8] = b"%%EOF";

/// Whether `data` looks like a complete PDF file: its signature at the start and its
/// end-of-file mark within the last kilobyte.
pub fn is_pdf(data: &[u8]) -> bool {
    let tail = &data[data.len().saturating_sub(1024)..];
    data.starts_with(PDF_SIGNATURE) && tail.windows(PDF_END.len()).any(|w| w == PDF_END)
}

/// Checks an uploaded document (a notice's attachment, a paper ballot's scan): its type
/// comes from the content, never from what the upload claims.
pub fn check_document(data: &[u8]) -> Result<CheckedDocument, DocumentError> {
    if data.is_empty() {
        return Err(DocumentError::Empty);
    }
    if data.len() > MAX_ATTACHMENT_BYTES {
        return Err(DocumentError::TooLarge);
    }
    if data.starts_with(PDF_SIGNATURE) {
        if !is_pdf(data) {
            return Err(DocumentError::BrokenPdf);
        }
        return Ok(CheckedDocument {
            content_type: "application/pdf",
            data: data.to_vec(),
        });
    }
    match check_photo(data) {
        Ok(photo) => Ok(CheckedDocument {
            content_type: photo.kind.content_type(),
            data: photo.data,
        }),
        Err(PhotoError::UnknownType) => Err(DocumentError::UnknownType),
        Err(e) => Err(DocumentError::Photo(e)),
    }
}

/// Checks an uploaded file for a notice that already carries `already` attachments.
pub fn check_attachment(
    file_name: &str,
    data: &[u8],
    already: usize,
) -> Result<CheckedAttachment, AttachmentError> {
    if already >= MAX_ATTACHMENTS {
        return Err(AttachmentError::TooMany);
    }
    let doc = check_document(data).map_err(AttachmentError::Document)?;
    let ext = match doc.content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    };
    Ok(CheckedAttachment {
        file_name: clean_file_name(file_name, ext),
        content_type: doc.content_type,
        data: doc.data,
    })
}

/// The name to show for an upload named `raw`: its last path segment, without control
/// characters or quotes, at most [`MAX_FILE_NAME_CHARS`] characters; a blank name
/// becomes `附件.<ext>`.
pub fn clean_file_name(raw: &str, ext: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        format!("附件.{ext}")
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec()
    }

    #[test]
    fn attachments_pdf_is_kept_as_uploaded() {
        let a = check_attachment("C:\\docs\\停车方案.pdf", &pdf(), 0).unwrap();
        assert_eq!(a.content_type, "application/pdf");
        assert_eq!(a.file_name, "停车方案.pdf");
        assert_eq!(a.data, pdf());
    }

    #[test]
    fn attachments_refuse_what_is_not_a_document() {
        let refused = |name: &str, data: &[u8]| match check_attachment(name, data, 0) {
            Err(AttachmentError::Document(e)) => Some(e),
            _ => None,
        };
        assert_eq!(refused("a.pdf", b""), Some(DocumentError::Empty));
        assert_eq!(
            refused("a.exe", b"MZ\x90\x00"),
            Some(DocumentError::UnknownType)
        );
        assert_eq!(
            refused("cut.pdf", b"%PDF-1.4\n1 0 obj"),
            Some(DocumentError::BrokenPdf)
        );
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_ATTACHMENT_BYTES - 6, b' ');
        big.extend_from_slice(b"%%EOF\n");
        assert!(check_document(&big).is_ok(), "the limit itself is accepted");
        big.push(b'\n');
        assert_eq!(refused("big.pdf", &big), Some(DocumentError::TooLarge));
        assert_eq!(
            check_attachment("a.pdf", &pdf(), MAX_ATTACHMENTS),
            Err(AttachmentError::TooMany)
        );
        assert!(matches!(
            refused("a.png", b"\x89PNG\r\n\x1a\n\0\0"),
            Some(DocumentError::Photo(_))
        ));
        assert_eq!(
            DocumentError::TooLarge.to_string(),
            "the file is larger than 8 MB"
        );
    }

    #[test]
    fn attachments_file_names_are_labels_only() {
        assert_eq!(clean_file_name("../../etc/passwd", "pdf"), "passwd");
        assert_eq!(clean_file_name("  ", "pdf"), "附件.pdf");
        assert_eq!(clean_file_name("a\"b<c>\n.pdf", "pdf"), "abc.pdf");
        assert_eq!(clean_file_name(".hidden", "png"), "hidden");
        assert_eq!(
            clean_file_name(&"长".repeat(300), "pdf").chars().count(),
            MAX_FILE_NAME_CHARS
        );
    }
}
