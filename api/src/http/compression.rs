//! Compression only where it pays. actix-web's `Compress` encodes every response the client
//! accepts an encoding for, whatever its size: a browser's `castVote` answer of 70 bytes went out
//! as brotli (bigger than before, chunked, after setting up an encoder with a 4 MiB window), for
//! about 30 µs of server time per request, measured on this machine kind (BENCHMARKS.md, session
//! 29). A response of known size below [`MIN_COMPRESSED_BYTES`] now leaves as it is.
//!
//! `Compress` leaves alone a response that already names its encoding, so [`mark_small`], inside
//! it, names `identity`; [`unmark`], outside it, takes that off again (`identity` belongs in
//! `Accept-Encoding`, not in `Content-Encoding`: RFC 9110 §8.4.1).

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CONTENT_ENCODING};
use actix_web::middleware::Next;

/// The smallest body worth compressing: below one TCP segment, compression saves no round trip.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

const IDENTITY: &str = "identity";

/// Inside `Compress`: marks a response of known size below [`MIN_COMPRESSED_BYTES`] that names no
/// encoding as `identity`, so that `Compress` sends it as it is.
pub async fn mark_small(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let small =
        matches!(res.response().body().size(), BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES);
    if small && !res.headers().contains_key(CONTENT_ENCODING) {
        res.headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static(IDENTITY));
    }
    Ok(res)
}

/// Outside `Compress`: takes the mark of [`mark_small`] off.
pub async fn unmark(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if res
        .headers()
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(IDENTITY.as_bytes()))
    {
        res.headers_mut().remove(CONTENT_ENCODING);
    }
    Ok(res)
}
