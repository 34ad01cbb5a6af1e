//! How a resident's personal fields are stored: the one place that names the columns'
//! sealing fields and blind indexes, used by single edits and bulk imports alike.

use civicgrid_domain::ledger::date::{Date, compact};
use civicgrid_domain::ledger::id_number::IdNumber;
use civicgrid_domain::ledger::phone::Phone;

use crate::crypto::{CryptoError, FieldKeys};

/// Associated-data labels and blind-index labels, one per column.
pub const F_ID_NUMBER: &str = "residents.id_number";
pub const F_PHONE: &str = "residents.phone";
pub const F_PHONE_LAST4: &str = "residents.phone_last4";
pub const F_BIRTH_DATE: &str = "residents.birth_date";

/// The stored form of a resident's personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPii {
    pub id_number_enc: Option<String>,
    pub id_number_idx: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_idx: Option<String>,
    pub phone_last4_idx: Option<String>,
    pub birth_date_enc: String,
    /// Year and month (YYYYMM), kept in clear for age bands and age-derived tags.
    pub birth_ym: i64,
}

pub fn id_number_index(keys: &FieldKeys, id: &IdNumber) -> String {
    keys.blind_index(F_ID_NUMBER, id.as_str())
}

pub fn phone_index(keys: &FieldKeys, phone: &Phone) -> String {
    keys.blind_index(F_PHONE, phone.as_str())
}

/// Index of the last four digits of a phone, as staff type them.
pub fn phone_last4_index(keys: &FieldKeys, last4: &str) -> String {
    keys.blind_index(F_PHONE_LAST4, last4)
}

pub fn birth_ym(d: Date) -> i64 {
    compact(d)[..6].parse().unwrap_or(0)
}

pub fn seal(
    keys: &FieldKeys,
    id: Option<&IdNumber>,
    phone: Option<&Phone>,
    birth: Date,
) -> SealedPii {
    SealedPii {
        id_number_enc: id.map(|i| keys.seal(F_ID_NUMBER, i.as_str())),
        id_number_idx: id.map(|i| id_number_index(keys, i)),
        phone_enc: phone.map(|p| keys.seal(F_PHONE, p.as_str())),
        phone_idx: phone.map(|p| phone_index(keys, p)),
        phone_last4_idx: phone.map(|p| phone_last4_index(keys, p.last4())),
        birth_date_enc: keys.seal(F_BIRTH_DATE, &birth.to_string()),
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

pub fn open(
    keys: &FieldKeys,
    id_number_enc: Option<&str>,
    phone_enc: Option<&str>,
    birth_date_enc: &str,
) -> Result<OpenedPii, CryptoError> {
    Ok(OpenedPii {
        id_number: id_number_enc
            .map(|v| keys.open(F_ID_NUMBER, v))
            .transpose()?,
        phone: phone_enc.map(|v| keys.open(F_PHONE, v)).transpose()?,
        birth_date: keys.open(F_BIRTH_DATE, birth_date_enc)?,
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
        assert_eq!(s.id_number_idx, Some(id_number_index(&k, &id)));
        assert_eq!(s.phone_last4_idx, Some(phone_last4_index(&k, "5678")));
        let o = open(
            &k,
            s.id_number_enc.as_deref(),
            s.phone_enc.as_deref(),
            &s.birth_date_enc,
        )
        .unwrap();
        assert_eq!(o.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(o.phone.as_deref(), Some("13812345678"));
        assert_eq!(o.birth_date, "1949-12-31");
    }
}
