//! The `reqwest::ClientBuilder` every client of this crate starts from.

/// A `reqwest::ClientBuilder` whose TLS is ready: start from this rather than
/// `reqwest::Client::builder()` when handing a `reqwest::Client` to a generated `Client` (the
/// generated `Client::new` and `kitelab`'s clients start from it too).
///
/// With the `rustls` feature, TLS is rustls with the [`ring`] cryptography provider, not
/// reqwest's default `aws-lc-rs`, whose C library takes longer to build than everything else in a
/// downstream crate's dependency tree (issue #18). reqwest (feature `rustls-no-provider`) takes the
/// process's default provider, so this installs `ring` as that default when none is installed yet;
/// a provider the program installed itself is kept. A program that builds its own
/// `reqwest::Client` without this function, and whose reqwest has no provider of its own (its
/// `rustls` feature brings `aws-lc-rs`), installs one first:
/// `rustls::crypto::ring::default_provider().install_default()`.
///
/// ```
/// let http = kitelab_api::reqwest_builder().build().unwrap();
/// let client = kitelab_api::gitlab::Client::new_with_client(
///     "https://gitlab.com/api/v4",
///     http,
///     kitelab_api::Hooks::default(),
/// );
/// # let _ = client;
/// ```
///
/// [`ring`]: https://docs.rs/ring
pub fn reqwest_builder() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls")]
    ring_unless_installed();
    reqwest::ClientBuilder::new()
}

#[cfg(feature = "rustls")]
fn ring_unless_installed() {
    use rustls::crypto::CryptoProvider;
    if CryptoProvider::get_default().is_none() {
        // Another thread may install one in between; then that one stays, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(all(test, feature = "rustls"))]
mod tests {
    use std::sync::Arc;

    use rustls::crypto::CryptoProvider;

    /// One test, as the provider is process-wide: whatever was installed first (by this test or
    /// another one building a client) stays, and a client builds.
    #[test]
    fn ring_is_installed_only_when_no_provider_is() {
        let mine = CryptoProvider::get_default().cloned().unwrap_or_else(|| {
            // Nothing installed yet: install a provider that `reqwest_builder` must keep.
            let mut ring = rustls::crypto::ring::default_provider();
            ring.cipher_suites.truncate(1);
            ring.install_default().expect("nothing was installed");
            CryptoProvider::get_default().cloned().expect("installed")
        });
        reqwest_builder_builds();
        let after = CryptoProvider::get_default().expect("a provider");
        assert!(
            Arc::ptr_eq(&mine, after),
            "the installed provider was replaced"
        );
    }

    fn reqwest_builder_builds() {
        super::reqwest_builder()
            .build()
            .expect("a client with TLS builds");
    }
}
