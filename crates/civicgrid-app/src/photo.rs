//! An uploaded photo, whatever record it is for (and a paper ballot's scan, which may be
//! a photo): checked and cleaned by the domain
//! ([`civicgrid_domain::requests::photo`]), refused as an error on the `photo` field, and
//! hashed for its ETag.

use civicgrid_domain::requests::photo::{CheckedPhoto, check_photo};

use crate::{AppError, AppResult};

/// A photo ready to store: the cleaned image and the hex SHA-256 of its bytes.
pub(crate) struct Upload {
    pub photo: CheckedPhoto,
    pub sha256: String,
}

pub(crate) fn check_upload(data: &[u8]) -> AppResult<Upload> {
    use sha2::Digest;
    let photo = check_photo(data).map_err(|e| AppError::invalid("photo", e))?;
    let sha256 = hex::encode(sha2::Sha256::digest(&photo.data));
    Ok(Upload { photo, sha256 })
}

/// A paper ballot's scan ready to store: checked by the domain (an image cleaned like
/// a photo, or a PDF), refused as an error on the `scan` field, and hashed.
pub(crate) struct ScanUpload {
    pub scan: civicgrid_domain::participation::ballot_scans::CheckedScan,
    pub sha256: String,
}

pub(crate) fn check_scan_upload(data: &[u8]) -> AppResult<ScanUpload> {
    use civicgrid_domain::participation::ballot_scans::check_scan;
    use sha2::Digest;
    let scan = check_scan(data).map_err(|e| AppError::invalid("scan", e))?;
    let sha256 = hex::encode(sha2::Sha256::digest(&scan.data));
    Ok(ScanUpload { scan, sha256 })
}
