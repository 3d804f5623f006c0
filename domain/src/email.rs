//! E-mail addresses as the product stores them: users' addresses, a tenant's support
//! address and the senders of mail replies.

use crate::DomainError;

/// The longest address SMTP carries (RFC 5321's path limit less the angle brackets).
pub const MAX_ADDRESS_CHARS: usize = 254;

/// Checks and normalises an address: trimmed, one `@` between a non-empty local part and a
/// dotted domain, no spaces or characters that would break a mail header; the domain is
/// lower-cased (it is case-insensitive; the local part is not).
pub fn parse_address(text: &str, code: &'static str) -> Result<String, DomainError> {
    let text = text.trim();
    let invalid = || DomainError::new(code, format!("{text:?} is not an e-mail address like name@example.com"));
    if text.is_empty() || text.len() > MAX_ADDRESS_CHARS {
        return Err(invalid());
    }
    let (local, domain) = text.rsplit_once('@').ok_or_else(invalid)?;
    let header_safe =
        |part: &str| part.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>,;:\"()[]\\".contains(c));
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.contains('@') || !domain_ok || !header_safe(local) || !header_safe(domain) {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// An optional address: `None` or blank means none.
pub fn parse_optional_address(text: Option<&str>, code: &'static str) -> Result<Option<String>, DomainError> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => parse_address(text, code).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_their_domain_lower_cased() {
        assert_eq!(parse_address("  Ann.Lee@Example.COM ", "x").unwrap(), "Ann.Lee@example.com");
        assert_eq!(parse_address("ops+tickets@mail.example.org", "x").unwrap(), "ops+tickets@mail.example.org");
    }

    #[test]
    fn what_is_not_an_address_is_refused_with_the_given_code() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann lee@example.com",
            "a@b@example.com",
            "ann@example..com",
            "ann@.example.com",
            "<ann@example.com>",
            "ann@example.com\r\nBcc: x@y.z",
        ] {
            assert_eq!(parse_address(bad, "user.invalid_email").unwrap_err().code, "user.invalid_email", "{bad:?}");
        }
        assert_eq!(parse_optional_address(Some("  "), "x").unwrap(), None);
        assert_eq!(parse_optional_address(None, "x").unwrap(), None);
    }
}
