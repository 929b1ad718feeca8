//! Proto ⇄ domain conversion. Inbound conversion checks what the proto types cannot (enum
//! values, oneofs, names) and reports each problem by field path, relative to the message
//! converted; the caller prefixes the request field (`criteria.`).

pub mod criteria;
pub mod orchestration;

use chrono::{DateTime, Utc};

pub fn timestamp(time: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}
