//! How a resident's personal fields are stored: the one place that names the columns'
//! sealing fields and blind indexes, used by single edits and bulk imports alike.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::id_number::IdNumber;
use civicgrid_domain::ledger::phone::Phone;

use crate::crypto::{CryptoError, FieldKeys};

/// Associated-data labels and blind-index labels, one per column.
pub const F_ID_NUMBER: &str = "residents.id_number";
pub const F_PHONE: &str = "residents.phone";
pub const F_PHONE_LAST4: &str = "residents.phone_last4";
pub const F_BIRTH_DATE: &str = "residents.birth_date";

/// The stored form of a resident's personal data: sealed values and blind indexes in
/// binary (see [`FieldKeys::seal_bytes`]), about half the size of their text forms.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SealedPii {
    pub id_number_enc: Option<Vec<u8>>,
    pub id_number_idx: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub phone_idx: Option<Vec<u8>>,
    pub phone_last4_idx: Option<Vec<u8>>,
    /// The sealed birth date, or empty when the ID number carries it (it always
    /// agrees with the ID number when both are given).
    pub birth_date_enc: Vec<u8>,
    /// Year and month (YYYYMM), kept in clear for age bands and age-derived tags.
    pub birth_ym: i64,
}

/// Bytes kept of each blind index: 16 where a collision would merge two people (ID
/// numbers) or list a stranger under a number; 8 for the last four digits of a phone,
/// of which there are only ten thousand.
const FULL_INDEX: usize = 16;
const LAST4_INDEX: usize = 8;

pub fn id_number_index(keys: &FieldKeys, id: &IdNumber) -> Vec<u8> {
    keys.blind_index_bytes(F_ID_NUMBER, id.as_str(), FULL_INDEX)
}

pub fn phone_index(keys: &FieldKeys, phone: &Phone) -> Vec<u8> {
    keys.blind_index_bytes(F_PHONE, phone.as_str(), FULL_INDEX)
}

/// The indexes a search for the whole number `phone` looks it up by.
pub fn phone_keys(keys: &FieldKeys, phone: &Phone) -> crate::ledger::search::PhoneKeys {
    crate::ledger::search::PhoneKeys {
        last4_idx: phone_last4_index(keys, phone.last4()),
        phone_idx: phone_index(keys, phone),
    }
}

/// Index of the last four digits of a phone, as staff type them.
pub fn phone_last4_index(keys: &FieldKeys, last4: &str) -> Vec<u8> {
    keys.blind_index_bytes(F_PHONE_LAST4, last4, LAST4_INDEX)
}

pub fn birth_ym(d: Date) -> i64 {
    civicgrid_domain::ledger::date::year_month(d)
}

/// Seals a resident's personal data: the ID number and phone under their own blind
/// indexes (see [`FieldKeys::seal_under_index`]), the birth date only when the ID
/// number does not carry it.
pub fn seal(
    keys: &FieldKeys,
    id: Option<&IdNumber>,
    phone: Option<&Phone>,
    birth: Date,
) -> SealedPii {
    let birth_in_id = id.is_some_and(|i| i.birth_date().ok() == Some(birth));
    let id_number_idx = id.map(|i| id_number_index(keys, i));
    let phone_idx = phone.map(|p| phone_index(keys, p));
    SealedPii {
        id_number_enc: id
            .zip(id_number_idx.as_deref())
            .map(|(i, idx)| keys.seal_under_index(F_ID_NUMBER, i.as_str(), idx)),
        id_number_idx,
        phone_enc: phone
            .zip(phone_idx.as_deref())
            .map(|(p, idx)| keys.seal_under_index(F_PHONE, p.as_str(), idx)),
        phone_idx,
        phone_last4_idx: phone.map(|p| phone_last4_index(keys, p.last4())),
        birth_date_enc: if birth_in_id {
            Vec::new()
        } else {
            keys.seal_bytes(F_BIRTH_DATE, &birth.to_string())
        },
        birth_ym: birth_ym(birth),
    }
}

/// Personal data opened for someone with a stated purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedPii {
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub birth_date: String,
}

/// Opens a sealed ID number, given the blind index stored beside it.
pub fn open_id_number(
    keys: &FieldKeys,
    enc: &[u8],
    idx: Option<&[u8]>,
) -> Result<String, CryptoError> {
    keys.open_bytes(F_ID_NUMBER, enc, idx)
}

/// Opens a sealed phone number, given the blind index stored beside it.
pub fn open_phone(keys: &FieldKeys, enc: &[u8], idx: Option<&[u8]>) -> Result<String, CryptoError> {
    keys.open_bytes(F_PHONE, enc, idx)
}

/// Opens every sealed value of `p`; the birth date comes from the ID number where
/// it was not sealed on its own.
pub fn open(keys: &FieldKeys, p: &SealedPii) -> Result<OpenedPii, CryptoError> {
    let id_number = p
        .id_number_enc
        .as_deref()
        .map(|v| open_id_number(keys, v, p.id_number_idx.as_deref()))
        .transpose()?;
    let birth_date = if p.birth_date_enc.is_empty() {
        let id = id_number.as_deref().ok_or(CryptoError::Format)?;
        let parsed = IdNumber::parse(id).map_err(|_| CryptoError::Format)?;
        parsed
            .birth_date()
            .map_err(|_| CryptoError::Format)?
            .to_string()
    } else {
        keys.open_bytes(F_BIRTH_DATE, &p.birth_date_enc, None)?
    };
    let phone = p
        .phone_enc
        .as_deref()
        .map(|v| open_phone(keys, v, p.phone_idx.as_deref()))
        .transpose()?;
    Ok(OpenedPii {
        id_number,
        phone,
        birth_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_fields_open_and_index() {
        let k = FieldKeys::ephemeral();
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let phone = Phone::parse("13812345678").unwrap();
        let birth = Date::from_ymd_opt(1949, 12, 31).unwrap();
        let s = seal(&k, Some(&id), Some(&phone), birth);
        assert_eq!(s.birth_ym, 194912);
        assert!(
            s.birth_date_enc.is_empty(),
            "the ID number carries the birth date"
        );
        assert_eq!(s.id_number_idx, Some(id_number_index(&k, &id)));
        assert_eq!(s.phone_last4_idx, Some(phone_last4_index(&k, "5678")));
        assert_eq!(s.id_number_enc.as_ref().map(Vec::len), Some(1 + 18 + 16));
        let o = open(&k, &s).unwrap();
        assert_eq!(o.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(o.phone.as_deref(), Some("13812345678"));
        assert_eq!(o.birth_date, "1949-12-31");
        // Without an ID number the birth date is sealed on its own.
        let alone = seal(&k, None, None, birth);
        assert!(!alone.birth_date_enc.is_empty());
        let o = open(&k, &alone).unwrap();
        assert_eq!(o.birth_date, "1949-12-31");
        let nothing = SealedPii {
            birth_date_enc: Vec::new(),
            ..alone
        };
        assert!(matches!(open(&k, &nothing), Err(CryptoError::Format)));
        // A value sealed under its index does not open under another's.
        let swapped = SealedPii {
            phone_idx: s.id_number_idx.clone(),
            ..s
        };
        assert!(matches!(open(&k, &swapped), Err(CryptoError::Open)));
    }
}
