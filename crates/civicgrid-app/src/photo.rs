//! An uploaded photo, whatever record it is for: checked and cleaned by the domain
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
