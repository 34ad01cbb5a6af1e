//! Photos attached to requests: the type is decided by the content (JPEG, PNG or WebP
//! by their signatures, whatever the upload claims), the size and pixel dimensions are
//! bounded, and metadata that may say where a photo was taken (EXIF with its GPS tags,
//! XMP, IPTC, text chunks) is removed before anything is stored.
//!
//! The parsers walk the container structure only (JPEG segments, PNG chunks, RIFF
//! chunks); pixel data is copied untouched. Every length is checked against what is
//! left, so malformed or truncated input is an error, never a panic.

use thiserror::Error;

/// Largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// Largest width or height accepted, in pixels.
pub const MAX_PHOTO_SIDE: u32 = 16_384;
/// Most pixels accepted (width × height), against decompression bombs.
pub const MAX_PHOTO_PIXELS: u64 = 50_000_000;

/// The image formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
    Webp,
}

impl PhotoKind {
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
            PhotoKind::Webp => "image/webp",
        }
    }

    /// The format by its signature, if it is one accepted.
    pub fn sniff(data: &[u8]) -> Option<PhotoKind> {
        if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoKind::Jpeg)
        } else if data.starts_with(PNG_SIGNATURE) {
            Some(PhotoKind::Png)
        } else if data.len() >= 12 && &data[0..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            Some(PhotoKind::Webp)
        } else {
            None
        }
    }
}

/// A photo that passed the checks, with its metadata removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPhoto {
    pub kind: PhotoKind,
    /// The cleaned bytes, to store instead of the upload.
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// How many metadata segments or chunks were removed.
    pub removed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the photo is larger than {} MB", MAX_PHOTO_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("not a JPEG, PNG or WebP image")]
    UnknownType,
    #[error("the image is damaged or cut short ({0})")]
    Malformed(&'static str),
    #[error("the image is too large: at most {MAX_PHOTO_SIDE} pixels a side")]
    TooManyPixels,
}

/// Checks `data` and returns it cleaned, or why it is refused.
pub fn check_photo(data: &[u8]) -> Result<CheckedPhoto, PhotoError> {
    if data.is_empty() {
        return Err(PhotoError::Empty);
    }
    if data.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let kind = PhotoKind::sniff(data).ok_or(PhotoError::UnknownType)?;
    let (data, (width, height), removed) = match kind {
        PhotoKind::Jpeg => clean_jpeg(data)?,
        PhotoKind::Png => clean_png(data)?,
        PhotoKind::Webp => clean_webp(data)?,
    };
    if width == 0 || height == 0 {
        return Err(PhotoError::Malformed("zero width or height"));
    }
    if width > MAX_PHOTO_SIDE
        || height > MAX_PHOTO_SIDE
        || u64::from(width) * u64::from(height) > MAX_PHOTO_PIXELS
    {
        return Err(PhotoError::TooManyPixels);
    }
    Ok(CheckedPhoto {
        kind,
        data,
        width,
        height,
        removed,
    })
}

type Cleaned = (Vec<u8>, (u32, u32), usize);

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn le32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn le24(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *d.get(at)?,
        *d.get(at + 1)?,
        *d.get(at + 2)?,
        0,
    ]))
}

/// JPEG: keeps JFIF (APP0), an ICC colour profile (APP2 `ICC_PROFILE`) and Adobe
/// (APP14); drops every other APPn segment (EXIF and XMP in APP1, MPF in APP2, IPTC
/// in APP13, …) and comments; stops at the end-of-image marker, so images appended
/// after it (phones put a second JPEG with its own EXIF there) are dropped too.
fn clean_jpeg(d: &[u8]) -> Result<Cleaned, PhotoError> {
    const CUT: PhotoError = PhotoError::Malformed("JPEG segment");
    let mut out = Vec::with_capacity(d.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    let mut size = None;
    let mut removed = 0;
    let mut scans = 0;
    loop {
        if d.get(pos) != Some(&0xFF) {
            return Err(CUT);
        }
        // Fill bytes before a marker.
        while d.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *d.get(pos + 1).ok_or(CUT)?;
        match marker {
            0xD9 => {
                if scans == 0 {
                    return Err(PhotoError::Malformed("JPEG without image data"));
                }
                out.extend_from_slice(&[0xFF, 0xD9]);
                break;
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                pos += 2;
                continue;
            }
            0x00 | 0xD8 => return Err(CUT),
            _ => {}
        }
        let len = usize::from(be16(d, pos + 2).ok_or(CUT)?);
        if len < 2 {
            return Err(CUT);
        }
        let end = pos + 2 + len;
        let segment = d.get(pos..end).ok_or(CUT)?;
        let body = &segment[4..];
        let keep = match marker {
            0xE0 | 0xEE => true,
            0xE2 => body.starts_with(b"ICC_PROFILE\0"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        // Start of frame (not DHT C4, JPG C8, DAC CC): precision, height, width.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = be16(body, 1).ok_or(CUT)?;
            let w = be16(body, 3).ok_or(CUT)?;
            size = Some((u32::from(w), u32::from(h)));
        }
        if keep {
            out.extend_from_slice(segment);
        } else {
            removed += 1;
        }
        pos = end;
        if marker == 0xDA {
            if size.is_none() {
                return Err(PhotoError::Malformed("JPEG scan before its frame header"));
            }
            scans += 1;
            // Entropy-coded data: runs until a marker that is not a stuffed 0xFF00,
            // a restart marker or fill.
            let start = pos;
            loop {
                let b = *d.get(pos).ok_or(CUT)?;
                if b == 0xFF {
                    let next = *d.get(pos + 1).ok_or(CUT)?;
                    if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                        pos += 2;
                        continue;
                    }
                    if next == 0xFF {
                        pos += 1;
                        continue;
                    }
                    break;
                }
                pos += 1;
            }
            out.extend_from_slice(&d[start..pos]);
        }
    }
    let size = size.ok_or(PhotoError::Malformed("JPEG without a frame header"))?;
    Ok((out, size, removed))
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// PNG: drops `eXIf` and the text chunks (`tEXt`, `zTXt`, `iTXt`, where XMP and
/// free-form metadata live) and `tIME`; stops after `IEND`.
fn clean_png(d: &[u8]) -> Result<Cleaned, PhotoError> {
    const CUT: PhotoError = PhotoError::Malformed("PNG chunk");
    let mut out = Vec::with_capacity(d.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut pos = PNG_SIGNATURE.len();
    let mut size = None;
    let mut removed = 0;
    loop {
        let len = usize::try_from(be32(d, pos).ok_or(CUT)?).map_err(|_| CUT)?;
        if len > 0x7FFF_FFFF {
            return Err(CUT);
        }
        let kind = d.get(pos + 4..pos + 8).ok_or(CUT)?;
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(CUT);
        }
        let end = pos.checked_add(12 + len).ok_or(CUT)?;
        let chunk = d.get(pos..end).ok_or(CUT)?;
        let data = &chunk[8..8 + len];
        if size.is_none() {
            if kind != b"IHDR" || len != 13 {
                return Err(PhotoError::Malformed("PNG without a header chunk"));
            }
            size = Some((be32(data, 0).ok_or(CUT)?, be32(data, 4).ok_or(CUT)?));
        }
        if matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            removed += 1;
        } else {
            out.extend_from_slice(chunk);
        }
        pos = end;
        if kind == b"IEND" {
            break;
        }
    }
    let size = size.ok_or(CUT)?;
    Ok((out, size, removed))
}

/// WebP: drops the `EXIF` and `XMP ` chunks, clears their flags in `VP8X`, and
/// rewrites the RIFF length; anything after the RIFF container is dropped.
fn clean_webp(d: &[u8]) -> Result<Cleaned, PhotoError> {
    const CUT: PhotoError = PhotoError::Malformed("WebP chunk");
    let riff_len = usize::try_from(le32(d, 4).ok_or(CUT)?).map_err(|_| CUT)?;
    let riff_end = riff_len.checked_add(8).ok_or(CUT)?;
    if riff_end > d.len() || riff_len < 4 {
        return Err(CUT);
    }
    let mut out = Vec::with_capacity(riff_end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut pos = 12;
    let mut size = None;
    let mut removed = 0;
    let mut has_image = false;
    while pos < riff_end {
        let fourcc = d.get(pos..pos + 4).ok_or(CUT)?;
        let len = usize::try_from(le32(d, pos + 4).ok_or(CUT)?).map_err(|_| CUT)?;
        let padded = len.checked_add(len & 1).ok_or(CUT)?;
        let end = pos
            .checked_add(8)
            .and_then(|p| p.checked_add(padded))
            .ok_or(CUT)?;
        if end > riff_end {
            return Err(CUT);
        }
        let data = &d[pos + 8..pos + 8 + len];
        match fourcc {
            b"VP8X" => {
                let w = le24(data, 4).ok_or(CUT)? + 1;
                let h = le24(data, 7).ok_or(CUT)? + 1;
                size = Some((w, h));
            }
            b"VP8 " => {
                has_image = true;
                if data.get(3..6) != Some(&[0x9D, 0x01, 0x2A][..]) {
                    return Err(PhotoError::Malformed("VP8 frame"));
                }
                let w = u32::from(u16::from_le_bytes([
                    *data.get(6).ok_or(CUT)?,
                    *data.get(7).ok_or(CUT)?,
                ]));
                let h = u32::from(u16::from_le_bytes([
                    *data.get(8).ok_or(CUT)?,
                    *data.get(9).ok_or(CUT)?,
                ]));
                size.get_or_insert((w & 0x3FFF, h & 0x3FFF));
            }
            b"VP8L" => {
                has_image = true;
                if data.first() != Some(&0x2F) {
                    return Err(PhotoError::Malformed("VP8L frame"));
                }
                let bits = le32(data, 1).ok_or(CUT)?;
                size.get_or_insert(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1));
            }
            b"ANMF" => has_image = true,
            _ => {}
        }
        if matches!(fourcc, b"EXIF" | b"XMP ") {
            removed += 1;
        } else {
            let at = out.len();
            out.extend_from_slice(&d[pos..end]);
            if fourcc == b"VP8X"
                && let Some(flags) = out.get_mut(at + 8)
            {
                // Bit 3: EXIF present, bit 2: XMP present.
                *flags &= !0b0000_1100;
            }
        }
        pos = end;
    }
    if !has_image {
        return Err(PhotoError::Malformed("WebP without image data"));
    }
    let size = size.ok_or(CUT)?;
    let riff = u32::try_from(out.len() - 8).map_err(|_| CUT)?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok((out, size, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, marker];
        v.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    /// A structurally complete JPEG: JFIF, EXIF with a GPS-looking payload, XMP, a
    /// comment, a frame header of 640×480, a scan with stuffed bytes and a restart
    /// marker, EOI, then a trailing second image with its own EXIF.
    fn jpeg() -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        v.extend(seg(0xE1, b"Exif\0\0GPSLatitude 30.59"));
        v.extend(seg(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:gps/>"));
        v.extend(seg(0xE2, b"ICC_PROFILE\0\x01\x01colour"));
        v.extend(seg(0xE2, b"MPF\0offsets"));
        v.extend(seg(0xFE, b"taken at home"));
        v.extend(seg(0xDB, &[0; 65]));
        v.extend(seg(0xC0, &[8, 0x01, 0xE0, 0x02, 0x80, 1, 1, 0x11, 0]));
        v.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v.extend_from_slice(&[0xFF, 0xD8]);
        v.extend(seg(0xE1, b"Exif\0\0GPSLongitude 114.30"));
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    fn png() -> Vec<u8> {
        let mut v = PNG_SIGNATURE.to_vec();
        let mut ihdr = 320u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&200u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        v.extend(chunk(b"IHDR", &ihdr));
        v.extend(chunk(b"eXIf", b"MM\0*GPS"));
        v.extend(chunk(b"tEXt", b"Location\0Huguang"));
        v.extend(chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<gps/>"));
        v.extend(chunk(b"IDAT", &[1, 2, 3, 4]));
        v.extend(chunk(b"IEND", &[]));
        v.extend_from_slice(b"trailing GPS 30.59");
        v
    }

    fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = kind.to_vec();
        v.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        v.extend_from_slice(data);
        if data.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    fn webp() -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        // VP8X: flags with EXIF and XMP set, canvas 800×600.
        let mut x = vec![0b0000_1100, 0, 0, 0];
        x.extend_from_slice(&799u32.to_le_bytes()[..3]);
        x.extend_from_slice(&599u32.to_le_bytes()[..3]);
        body.extend(riff_chunk(b"VP8X", &x));
        let mut vp8 = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
        vp8.extend_from_slice(&800u16.to_le_bytes());
        vp8.extend_from_slice(&600u16.to_le_bytes());
        vp8.extend_from_slice(&[0; 5]);
        body.extend(riff_chunk(b"VP8 ", &vp8));
        body.extend(riff_chunk(b"EXIF", b"MM\0*GPS"));
        body.extend(riff_chunk(b"XMP ", b"<gps/>"));
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
        v.extend(body);
        v
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_loses_its_location_and_keeps_its_pixels() {
        let p = check_photo(&jpeg()).unwrap();
        assert_eq!(p.kind, PhotoKind::Jpeg);
        assert_eq!((p.width, p.height), (640, 480));
        assert_eq!(p.removed, 4);
        for gone in [&b"Exif"[..], b"GPS", b"xap", b"MPF", b"taken at home"] {
            assert!(
                !contains(&p.data, gone),
                "{}",
                String::from_utf8_lossy(gone)
            );
        }
        assert!(contains(&p.data, b"JFIF") && contains(&p.data, b"ICC_PROFILE"));
        assert!(contains(
            &p.data,
            &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]
        ));
        assert!(p.data.ends_with(&[0xFF, 0xD9]));
        // Cleaning twice changes nothing more.
        let again = check_photo(&p.data).unwrap();
        assert_eq!((again.data, again.removed), (p.data, 0));
    }

    #[test]
    fn png_loses_its_text_and_exif_chunks() {
        let p = check_photo(&png()).unwrap();
        assert_eq!(p.kind, PhotoKind::Png);
        assert_eq!((p.width, p.height), (320, 200));
        assert_eq!(p.removed, 3);
        assert!(!contains(&p.data, b"GPS") && !contains(&p.data, b"Huguang"));
        assert!(contains(&p.data, b"IDAT") && p.data.ends_with(b"IEND\0\0\0\0"));
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_flags() {
        let p = check_photo(&webp()).unwrap();
        assert_eq!(p.kind, PhotoKind::Webp);
        assert_eq!((p.width, p.height), (800, 600));
        assert_eq!(p.removed, 2);
        assert!(!contains(&p.data, b"GPS") && !contains(&p.data, b"EXIF"));
        assert_eq!(p.data[20] & 0b1100, 0, "VP8X flags cleared");
        let riff = u32::from_le_bytes(p.data[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff + 8, p.data.len());
    }

    #[test]
    fn type_is_decided_by_content() {
        assert_eq!(check_photo(b""), Err(PhotoError::Empty));
        assert_eq!(
            check_photo(b"<svg onload=alert(1)>"),
            Err(PhotoError::UnknownType)
        );
        assert_eq!(check_photo(b"GIF89a...."), Err(PhotoError::UnknownType));
        let big = vec![0xFF; MAX_PHOTO_BYTES + 1];
        assert_eq!(check_photo(&big), Err(PhotoError::TooLarge));
        let mut huge = png();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(check_photo(&huge), Err(PhotoError::TooManyPixels));
    }

    /// Every prefix of every sample, and the samples with bytes overwritten, are
    /// either accepted or refused with an error; nothing panics.
    #[test]
    fn truncated_and_garbled_input_never_panics() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for sample in [jpeg(), png(), webp()] {
            for cut in 0..sample.len() {
                let _ = check_photo(&sample[..cut]);
            }
            for _ in 0..3000 {
                let mut v = sample.clone();
                for _ in 0..1 + next() % 4 {
                    let at = (next() % v.len() as u64) as usize;
                    v[at] = next() as u8;
                }
                let _ = check_photo(&v);
            }
        }
        for n in 0..2000 {
            let len = (next() % 64) as usize;
            let mut v: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let prefix: &[u8] = match n % 3 {
                0 => &[0xFF, 0xD8, 0xFF],
                1 => PNG_SIGNATURE,
                _ => b"RIFF\x10\0\0\0WEBP",
            };
            v.splice(0..0, prefix.iter().copied());
            let _ = check_photo(&v);
        }
    }
}
