//! Property tests: the parsers that read what a server sends never panic, whatever it sends.

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// Strings shaped like the headers and bodies the parsers meet, and plain garbage.
fn noisy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[<>;,=\" a-z0-9:/?&.%\\\\-]{0,80}",
        r#"(<https?://[a-z.]{1,9}(:[0-9]{1,5})?/[a-z/]{0,9}\?(page|cursor|per_page)=[0-9a-zA-Z%]{0,6}>; ?rel="?(next|last|prev|first|next last)"?,? ?){0,4}"#,
        r#"\{("(message|error|errors|scope|reset|field|code|error_description)": ?(null|[0-9]{1,12}|"[^"\\]{0,12}"|\[[^\]]{0,20}\]|\{[^}]{0,20}\}),? ?){0,5}\}"#,
    ]
}

proptest! {
    #[test]
    fn link_headers_never_panic(value in noisy()) {
        let links = crate::Links::parse(&value);
        // Whatever was parsed is a real URL, and a page built on it answers without panicking.
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(reqwest::header::LINK, v);
        }
        let page = crate::Page::new(Vec::<()>::new(), Some(1), headers, &kitelab_api::buildkite::operations::LIST_BUILDS, reqwest::StatusCode::OK);
        let _ = (page.next_page(), page.last_page(), page.total(), page.has_next(), format!("{links:?}"));
    }

    #[test]
    fn rate_limit_headers_never_panic(
        retry_after in noisy(),
        reset in noisy(),
        user_reset in noisy(),
        numbers in proptest::collection::vec(any::<u64>(), 3),
        body in noisy(),
    ) {
        let mut headers = HeaderMap::new();
        let names = ["retry-after", "ratelimit-reset", "ratelimit-user-reset"];
        for (name, value) in names.into_iter().zip([retry_after, reset, user_reset]) {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
        let _ = crate::transport::retry_after(&headers, body.as_bytes());
        let _ = crate::RateLimitStatus::from_headers(&headers);
        for (name, n) in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"].into_iter().zip(numbers) {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(n));
        }
        let _ = crate::transport::retry_after(&headers, body.as_bytes());
        let _ = crate::RateLimitStatus::from_headers(&headers);
    }

    #[test]
    fn error_bodies_never_panic(body in noisy(), bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = crate::error::error_message(body.as_bytes());
        let _ = crate::error::error_message(&bytes);
        let excerpt = crate::error::excerpt(&bytes);
        prop_assert!(excerpt.len() <= 200);
    }

    #[test]
    fn json_paths_never_panic(body in noisy(), line in 0usize..5, column in 0usize..200) {
        let _ = crate::error::json_path_at(body.as_bytes(), line, column);
    }

    #[test]
    fn content_disposition_never_panics_nor_escapes_the_directory(value in noisy()) {
        if let Some(name) = crate::download::file_name_of(&value) {
            prop_assert!(!name.contains('/') && !name.contains('\\') && name != ".." && !name.is_empty());
        }
    }
}
