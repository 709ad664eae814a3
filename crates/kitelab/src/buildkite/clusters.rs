//! Clusters of an organization, their queues, agent tokens and secrets.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;
use kitelab_api::Timestamp;

use super::Organization;
use crate::pagination::simple_list;
use crate::{segment, send, Error, List, Result};

/// Clusters.
impl Organization {
    /// The organization's clusters.
    pub fn clusters(&self) -> Clusters {
        List::new(ClustersQuery { org: self.clone() }, self.bk.per_page())
    }

    /// A cluster, by id.
    pub fn cluster(&self, id: impl Into<String>) -> Cluster {
        Cluster {
            org: self.clone(),
            id: id.into(),
        }
    }

    /// Starts creating a cluster.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// let cluster = org
    ///     .create_cluster("Open Source")
    ///     .description("Public pipelines")
    ///     .emoji(":technologist:")
    ///     .send()
    ///     .await?;
    /// let cluster = org.cluster(cluster.id);
    /// cluster.create_queue("linux-arm64").description("Graviton agents").send().await?;
    /// let token = cluster.create_token("arm64 fleet").send().await?;
    /// // token.token holds the agent token, shown this once.
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn create_cluster(&self, name: impl Into<String>) -> CreateCluster {
        CreateCluster {
            org: self.clone(),
            body: types::CreateClusterRequest {
                color: None,
                description: None,
                emoji: None,
                maintainers: Vec::new(),
                name: name.into(),
            },
        }
    }
}

/// A cluster of an organization: `org.cluster(id)`.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub(super) org: Organization,
    pub(super) id: String,
}

impl Cluster {
    /// The cluster's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(super) fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// Fetches the cluster.
    pub async fn get(&self) -> Result<types::Cluster> {
        let op = self
            .api()
            .get_cluster()
            .org_slug(&self.org.slug)
            .cluster_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the cluster; only the fields set change.
    pub fn update(&self) -> UpdateCluster {
        UpdateCluster {
            cluster: self.clone(),
            body: types::UpdateClusterRequest::default(),
        }
    }

    /// Deletes the cluster (Buildkite refuses one with queues, agents or pipelines).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_cluster()
            .org_slug(&self.org.slug)
            .cluster_id(&self.id);
        send(op).await?;
        Ok(())
    }

    /// The cluster's queues.
    pub fn queues(&self) -> ClusterQueues {
        List::new(
            ClusterQueuesQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// A queue of the cluster, by id.
    pub fn queue(&self, id: impl Into<String>) -> Queue {
        Queue {
            cluster: self.clone(),
            id: id.into(),
        }
    }

    /// Starts creating a self-hosted queue. (Hosted queues, with an instance shape, are one
    /// call away on [`Buildkite::api`](super::Buildkite::api): `create_cluster_queue`.)
    pub fn create_queue(&self, key: impl Into<String>) -> CreateQueue {
        CreateQueue {
            cluster: self.clone(),
            body: types::CreateClusterQueueRequest {
                description: None,
                hosted_agents: None,
                key: key.into(),
                retry_agent_affinity: None,
            },
        }
    }

    /// The cluster's agent tokens (without their values).
    pub fn tokens(&self) -> ClusterTokens {
        List::new(
            ClusterTokensQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// An agent token of the cluster, by id.
    pub fn token(&self, id: impl Into<String>) -> ClusterToken {
        ClusterToken {
            cluster: self.clone(),
            id: id.into(),
        }
    }

    /// The cluster's secrets (their details; a secret's value is never read back).
    pub fn secrets(&self) -> ClusterSecrets {
        List::new(
            ClusterSecretsQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// A secret of the cluster, by id.
    pub fn secret(&self, id: impl Into<String>) -> ClusterSecret {
        ClusterSecret {
            cluster: self.clone(),
            id: id.into(),
        }
    }

    /// Starts creating a secret, which jobs of the cluster read with `buildkite-agent secret
    /// get KEY`.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let cluster = bk.organization("acme").cluster("42f1a7da-812d-4430-93d8-1cc7c33a6bcf");
    /// let secret = cluster
    ///     .create_secret("DEPLOY_KEY", "s3cr3t")
    ///     .description("Deploys to production")
    ///     .send()
    ///     .await?;
    /// cluster.secret(secret.id).set_value("r0tated").await?;
    /// # Ok(()) }
    /// ```
    pub fn create_secret(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> CreateClusterSecret {
        CreateClusterSecret {
            cluster: self.clone(),
            body: types::CreateClusterSecretRequest {
                description: None,
                key: key.into(),
                policy: None,
                value: Some(kitelab_api::SecretString::new(value)),
            },
        }
    }

    /// Starts creating an agent token; the answer carries its value, shown this once.
    pub fn create_token(&self, description: impl Into<String>) -> CreateClusterToken {
        CreateClusterToken {
            cluster: self.clone(),
            body: types::CreateClusterTokenRequest {
                allowed_ip_addresses: None,
                description: description.into(),
                expires_at: None,
            },
        }
    }
}

/// Creates a cluster: `org.create_cluster(name)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateCluster {
    org: Organization,
    body: types::CreateClusterRequest,
}

impl CreateCluster {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// An emoji, `:technologist:` or a character.
    pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
        self.body.emoji = Some(emoji.into());
        self
    }

    /// A color, as hex (`#FFE0F1`).
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.body.color = Some(color.into());
        self
    }

    /// Makes this team a maintainer of the cluster, by UUID.
    pub fn maintainer_team(mut self, team_uuid: impl Into<String>) -> Self {
        self.body.maintainers.push(types::ClusterMaintainerTarget {
            team: Some(team_uuid.into()),
            user: None,
        });
        self
    }

    /// Makes this user a maintainer of the cluster, by UUID.
    pub fn maintainer_user(mut self, user_uuid: impl Into<String>) -> Self {
        self.body.maintainers.push(types::ClusterMaintainerTarget {
            team: None,
            user: Some(user_uuid.into()),
        });
        self
    }

    /// Creates the cluster and returns it. An empty name fails with [`Error::InvalidInput`]
    /// before anything is sent.
    pub async fn send(self) -> Result<types::Cluster> {
        let org = self.org.slug.as_str();
        segment("the cluster name", &self.body.name)?;
        let op = self
            .org
            .bk
            .api()
            .create_cluster()
            .org_slug(org)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a cluster: `cluster.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateCluster {
    cluster: Cluster,
    body: types::UpdateClusterRequest,
}

impl UpdateCluster {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// An emoji, `:technologist:` or a character.
    pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
        self.body.emoji = Some(emoji.into());
        self
    }

    /// A color, as hex (`#FFE0F1`).
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.body.color = Some(color.into());
        self
    }

    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// The queue that steps without a queue run on, by id.
    pub fn default_queue(mut self, queue_id: impl Into<String>) -> Self {
        self.body.default_queue_id = Some(queue_id.into());
        self
    }

    /// Updates the cluster and returns it.
    pub async fn send(self) -> Result<types::Cluster> {
        let op = self
            .cluster
            .api()
            .update_cluster()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// A queue of a cluster: `cluster.queue(id)`.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
/// let queue = bk.organization("acme").cluster("42f1a7da").queue("01885682");
/// queue.pause_dispatch(Some("Draining for the upgrade")).await?;
/// // … upgrade the agents …
/// queue.resume_dispatch().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Queue {
    cluster: Cluster,
    id: String,
}

impl Queue {
    /// The queue's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the queue.
    pub async fn get(&self) -> Result<types::ClusterQueue> {
        let op = self
            .cluster
            .api()
            .get_cluster_queue()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .queue_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the queue; only the fields set change.
    pub fn update(&self) -> UpdateQueue {
        UpdateQueue {
            queue: self.clone(),
            body: types::UpdateClusterQueueRequest::default(),
        }
    }

    /// Deletes the queue (Buildkite refuses one with agents connected).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .cluster
            .api()
            .delete_cluster_queue()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .queue_id(&self.id);
        send(op).await?;
        Ok(())
    }

    /// Stops dispatching jobs to the queue's agents, with an optional note; returns the queue.
    pub async fn pause_dispatch(&self, note: Option<&str>) -> Result<types::ClusterQueue> {
        // The docs' example request names the note `dispatch_paused_note`, as the Go client
        // does; that is the one sent.
        let body = types::PauseClusterQueueDispatchRequest {
            dispatch_paused_note: note.map(str::to_owned),
            note: None,
        };
        let op = self
            .cluster
            .api()
            .pause_cluster_queue_dispatch()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .queue_id(&self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Dispatches jobs to the queue's agents again; returns the queue.
    pub async fn resume_dispatch(&self) -> Result<types::ClusterQueue> {
        let op = self
            .cluster
            .api()
            .resume_cluster_queue_dispatch()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .queue_id(&self.id);
        Ok(send(op).await?.into_inner())
    }
}

/// Creates a self-hosted queue: `cluster.create_queue(key)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateQueue {
    cluster: Cluster,
    body: types::CreateClusterQueueRequest,
}

impl CreateQueue {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// How agents are picked for retried jobs (Buildkite's default: the warmest).
    pub fn retry_agent_affinity(mut self, affinity: types::RetryAgentAffinity) -> Self {
        self.body.retry_agent_affinity = Some(affinity);
        self
    }

    /// Creates the queue and returns it. An empty key fails with [`Error::InvalidInput`]
    /// before anything is sent.
    pub async fn send(self) -> Result<types::ClusterQueue> {
        segment("the queue key", &self.body.key)?;
        let op = self
            .cluster
            .api()
            .create_cluster_queue()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a queue: `queue.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateQueue {
    queue: Queue,
    body: types::UpdateClusterQueueRequest,
}

impl UpdateQueue {
    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// How agents are picked for retried jobs.
    pub fn retry_agent_affinity(mut self, affinity: types::RetryAgentAffinity) -> Self {
        self.body.retry_agent_affinity = Some(affinity);
        self
    }

    /// Updates the queue and returns it.
    pub async fn send(self) -> Result<types::ClusterQueue> {
        let op = self
            .queue
            .cluster
            .api()
            .update_cluster_queue()
            .org_slug(&self.queue.cluster.org.slug)
            .cluster_id(&self.queue.cluster.id)
            .queue_id(&self.queue.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// An agent token of a cluster: `cluster.token(id)`.
#[derive(Debug, Clone)]
pub struct ClusterToken {
    cluster: Cluster,
    id: String,
}

impl ClusterToken {
    /// The token's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the token's details (not its value).
    pub async fn get(&self) -> Result<types::ClusterToken> {
        let op = self
            .cluster
            .api()
            .get_cluster_token()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .token_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the token; only the fields set change.
    pub fn update(&self) -> UpdateClusterToken {
        UpdateClusterToken {
            token: self.clone(),
            body: types::UpdateClusterTokenRequest::default(),
        }
    }

    /// Revokes the token: agents using it can no longer connect.
    pub async fn revoke(&self) -> Result<()> {
        let op = self
            .cluster
            .api()
            .revoke_cluster_token()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .token_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// Creates an agent token: `cluster.create_token(description)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateClusterToken {
    cluster: Cluster,
    body: types::CreateClusterTokenRequest,
}

impl CreateClusterToken {
    /// The IP ranges agents may connect from with this token, in CIDR notation,
    /// space-separated (`192.0.2.0/24 198.51.100.12/32`).
    pub fn allowed_ip_addresses(mut self, cidrs: impl Into<String>) -> Self {
        self.body.allowed_ip_addresses = Some(cidrs.into());
        self
    }

    /// When the token expires.
    pub fn expires_at(mut self, time: impl Into<Timestamp>) -> Self {
        self.body.expires_at = Some(time.into());
        self
    }

    /// Creates the token and returns it, value included (shown this once). An empty
    /// description fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::ClusterToken> {
        segment("the token description", &self.body.description)?;
        let op = self
            .cluster
            .api()
            .create_cluster_token()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates an agent token: `token.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateClusterToken {
    token: ClusterToken,
    body: types::UpdateClusterTokenRequest,
}

impl UpdateClusterToken {
    /// The IP ranges agents may connect from with this token, in CIDR notation,
    /// space-separated (`192.0.2.0/24 198.51.100.12/32`).
    pub fn allowed_ip_addresses(mut self, cidrs: impl Into<String>) -> Self {
        self.body.allowed_ip_addresses = Some(cidrs.into());
        self
    }

    /// When the token expires.
    pub fn expires_at(mut self, time: impl Into<Timestamp>) -> Self {
        self.body.expires_at = Some(time.into());
        self
    }

    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// Updates the token and returns its details.
    pub async fn send(self) -> Result<types::ClusterToken> {
        let op = self
            .token
            .cluster
            .api()
            .update_cluster_token()
            .org_slug(&self.token.cluster.org.slug)
            .cluster_id(&self.token.cluster.id)
            .token_id(&self.token.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// A secret of a cluster: `cluster.secret(id)`.
#[derive(Debug, Clone)]
pub struct ClusterSecret {
    cluster: Cluster,
    id: String,
}

impl ClusterSecret {
    /// The secret's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the secret's details (not its value).
    pub async fn get(&self) -> Result<types::ClusterSecret> {
        let op = self
            .cluster
            .api()
            .get_cluster_secret()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .secret_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the secret's description or access policy; only the fields set change.
    pub fn update(&self) -> UpdateClusterSecret {
        UpdateClusterSecret {
            secret: self.clone(),
            body: types::UpdateClusterSecretRequest::default(),
        }
    }

    /// Replaces the secret's value; returns its details.
    pub async fn set_value(&self, value: impl Into<String>) -> Result<types::ClusterSecret> {
        let body = types::UpdateClusterSecretValueRequest {
            value: kitelab_api::SecretString::new(value),
        };
        let op = self
            .cluster
            .api()
            .update_cluster_secret_value()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .secret_id(&self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the secret.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .cluster
            .api()
            .delete_cluster_secret()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .secret_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// Creates a cluster secret: `cluster.create_secret(key, value)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateClusterSecret {
    cluster: Cluster,
    body: types::CreateClusterSecretRequest,
}

impl CreateClusterSecret {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The access policy, as YAML: which pipelines and branches may read the secret (see
    /// Buildkite's secrets docs). Without one, every job of the cluster may.
    pub fn policy(mut self, policy_yaml: impl Into<String>) -> Self {
        self.body.policy = Some(policy_yaml.into());
        self
    }

    /// Creates the secret and returns its details. An empty key or value fails with
    /// [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::ClusterSecret> {
        segment("the secret key", &self.body.key)?;
        if self
            .body
            .value
            .as_ref()
            .is_none_or(|v| v.expose().is_empty())
        {
            return Err(Error::invalid("the secret's value is empty"));
        }
        let op = self
            .cluster
            .api()
            .create_cluster_secret()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a cluster secret's details: `secret.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateClusterSecret {
    secret: ClusterSecret,
    body: types::UpdateClusterSecretRequest,
}

impl UpdateClusterSecret {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The access policy, as YAML: which pipelines and branches may read the secret (see
    /// Buildkite's secrets docs). Without one, every job of the cluster may.
    pub fn policy(mut self, policy_yaml: impl Into<String>) -> Self {
        self.body.policy = Some(policy_yaml.into());
        self
    }

    /// Updates the secret and returns its details.
    pub async fn send(self) -> Result<types::ClusterSecret> {
        let op = self
            .secret
            .cluster
            .api()
            .update_cluster_secret()
            .org_slug(&self.secret.cluster.org.slug)
            .cluster_id(&self.secret.cluster.id)
            .secret_id(&self.secret.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// A cluster's secrets: `cluster.secrets()`.
    ClusterSecretsQuery { cluster: Cluster } => types::ClusterSecret,
    |c| c.api().list_cluster_secrets().org_slug(&c.org.slug).cluster_id(&c.id)
);

simple_list!(
    /// An organization's clusters: `org.clusters()`.
    ClustersQuery { org: Organization } => types::Cluster,
    |o| o.bk.api().list_clusters().org_slug(&o.slug)
);

simple_list!(
    /// A cluster's queues: `cluster.queues()`.
    ClusterQueuesQuery { cluster: Cluster } => types::ClusterQueue,
    |c| c.api().list_cluster_queues().org_slug(&c.org.slug).cluster_id(&c.id)
);

simple_list!(
    /// A cluster's agent tokens: `cluster.tokens()`.
    ClusterTokensQuery { cluster: Cluster } => types::ClusterToken,
    |c| c.api().list_cluster_tokens().org_slug(&c.org.slug).cluster_id(&c.id)
);

/// A list of cluster queues, `List<ClusterQueuesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ClusterQueues = List<ClusterQueuesQuery>;

/// A list of cluster secrets, `List<ClusterSecretsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ClusterSecrets = List<ClusterSecretsQuery>;

/// A list of cluster tokens, `List<ClusterTokensQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ClusterTokens = List<ClusterTokensQuery>;

/// A list of clusters, `List<ClustersQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Clusters = List<ClustersQuery>;
