//! E-mail addresses and phone numbers, checked once and stored normalised.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An e-mail address: one `@`, a local part of 1–64 characters, a dotted domain, 254 characters at
/// most. The domain is stored in lower case (it is case-insensitive); the local part is kept as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Email)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let invalid = || format!("'{value}' is not a valid e-mail address");
        if value.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> String {
        email.0
    }
}

/// A phone number in E.164 form: `+`, a country code and up to 15 digits in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "+8613800138000", pattern = r"^\+[1-9][0-9]{6,14}$")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts the usual ways of writing an international number (`+86 138-0013-8000`,
    /// `+1 (415) 555 0100`, `0044 20 7946 0000`) and keeps only `+` and the digits.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let rest = if let Some(rest) = value.strip_prefix('+') {
            rest
        } else if let Some(rest) = value.strip_prefix("00") {
            rest
        } else {
            return Err(format!(
                "'{value}' must be in international format: + and the country code, e.g. +8613800138000"
            ));
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => {
                    return Err(format!("'{value}' contains '{c}', which is not part of a phone number"));
                }
            }
        }
        if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(format!(
                "'{value}' is not a valid E.164 number (a country code and 7 to 15 digits in all)"
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> String {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            EmailAddress::parse(" Ann@Example.COM ").map(|e| e.0),
            Ok("Ann@example.com".into())
        );
        assert!(EmailAddress::parse("wang@例子.中国").is_ok());
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a b@x.com",
            "ann@x..com",
            "ann@-x.com",
            "a@@x.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(
            PhoneNumber::parse("+86 138-0013-8000").map(|p| p.0),
            Ok("+8613800138000".into())
        );
        assert_eq!(
            PhoneNumber::parse("+1 (415) 555 0100").map(|p| p.0),
            Ok("+14155550100".into())
        );
        assert_eq!(
            PhoneNumber::parse("0044 20 7946 0000").map(|p| p.0),
            Ok("+442079460000".into())
        );
        for bad in [
            "13800138000",
            "+0123456789",
            "+12",
            "+1234567890123456",
            "+1 415 CALL NOW",
            "",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsed_phones_are_e164(raw in "\\PC{0,24}") {
            if let Ok(phone) = PhoneNumber::parse(&raw) {
                let digits = &phone.as_str()[1..];
                prop_assert!(phone.as_str().starts_with('+'));
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()));
                prop_assert!((7..=15).contains(&digits.len()));
                prop_assert_eq!(PhoneNumber::parse(phone.as_str()), Ok(phone.clone()));
            }
        }

        #[test]
        fn parsed_emails_reparse_to_themselves(raw in "[a-zA-Z0-9._%+-]{1,20}@[a-zA-Z0-9-]{1,10}\\.[a-zA-Z]{2,6}") {
            if let Ok(email) = EmailAddress::parse(&raw) {
                prop_assert_eq!(EmailAddress::parse(email.as_str()), Ok(email.clone()));
            }
        }
    }
}
