//! Times in X.509: UTCTime through 2049, GeneralizedTime after (RFC 5280,
//! 4.1.2.5), whole seconds.

use crate::{Error, Result};
use der::DateTime;
use der::asn1::GeneralizedTime;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_cert::time::Time;

/// Seconds since the Unix epoch (times before 1970 are refused).
pub fn unix(t: SystemTime) -> Result<u64> {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Error::Invalid("times before 1970 are not supported".into()))
}

/// The X.509 `Time` for `t`, truncated to the second.
pub fn to_x509(t: SystemTime) -> Result<Time> {
    let dt = DateTime::from_unix_duration(Duration::from_secs(unix(t)?))
        .map_err(|e| Error::Invalid(format!("time out of range: {e}")))?;
    Ok(Time::from(dt))
}

/// A GeneralizedTime for `t` (OCSP and CRL entry extensions use it).
pub fn to_generalized(t: SystemTime) -> Result<GeneralizedTime> {
    let dt = DateTime::from_unix_duration(Duration::from_secs(unix(t)?))
        .map_err(|e| Error::Invalid(format!("time out of range: {e}")))?;
    Ok(GeneralizedTime::from_date_time(dt))
}

/// `t` plus `days` days.
pub fn add_days(t: SystemTime, days: u32) -> SystemTime {
    t + Duration::from_secs(u64::from(days) * 86_400)
}

/// A time as people read it: `2026-11-25 13:45:00 UTC`.
pub fn display(t: &Time) -> String {
    display_datetime(&t.to_date_time())
}

/// A `DateTime` as people read it.
pub fn display_datetime(d: &DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minutes(),
        d.seconds()
    )
}

/// A `SystemTime` as people read it.
pub fn display_system(t: SystemTime) -> String {
    match to_generalized(t) {
        Ok(g) => display_datetime(&g.to_date_time()),
        Err(_) => "(out of range)".into(),
    }
}
