//! The token's account: the current user, the access token itself, Buildkite's meta
//! information, and an organization's emojis.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::{Buildkite, Organization};
use crate::{send, Result};

impl Buildkite {
    /// The user who owns the token (scope `read_user`).
    pub async fn user(&self) -> Result<types::User> {
        Ok(send(self.api().get_user()).await?.into_inner())
    }

    /// The API access token this client sends, to inspect or revoke.
    pub fn access_token(&self) -> AccessToken {
        AccessToken { bk: self.clone() }
    }

    /// Buildkite's meta information: the IP addresses it sends webhooks and commit statuses
    /// from. Needs no token: works with an [`anonymous`](super::BuildkiteBuilder::anonymous)
    /// client, and a client with a token does not send it.
    ///
    /// ```no_run
    /// # async fn run() -> kitelab::Result<()> {
    /// let anonymous = kitelab::Buildkite::builder().anonymous().build()?;
    /// for ip in anonymous.meta().await?.webhook_ips {
    ///     println!("{ip}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn meta(&self) -> Result<types::Meta> {
        Ok(send(self.api().get_meta()).await?.into_inner())
    }
}

/// The API access token the client sends: `bk.access_token()`.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
/// let token = bk.access_token().get().await?;
/// println!("{} can {:?}", token.uuid, token.scopes);
/// // Afterwards every call of this client fails with 401.
/// bk.access_token().revoke().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AccessToken {
    bk: Buildkite,
}

impl AccessToken {
    /// The token's UUID, scopes, description, dates and owner.
    pub async fn get(&self) -> Result<types::AccessToken> {
        Ok(send(self.bk.api().get_access_token()).await?.into_inner())
    }

    /// Revokes the token. It cannot be used again, by this client or any other.
    pub async fn revoke(&self) -> Result<()> {
        send(self.bk.api().revoke_access_token()).await?;
        Ok(())
    }
}

impl Organization {
    /// Every emoji of the organization, custom ones and aliases included (not paginated).
    pub async fn emojis(&self) -> Result<Vec<types::Emoji>> {
        let op = self.bk.api().list_emojis().org_slug(&self.slug);
        Ok(send(op).await?.into_inner())
    }
}
