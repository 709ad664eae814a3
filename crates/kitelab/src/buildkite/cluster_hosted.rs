//! What a cluster holds besides queues, tokens and secrets: its maintainers (users and teams
//! that manage it) and, for Buildkite hosted agents, its custom agent images, egress network
//! ranges and cache volumes.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Cluster;
use crate::pagination::{simple_list, whole_list};
use crate::{segment, send, List, Result};

/// Maintainers.
impl Cluster {
    /// The cluster's maintainers: the users and teams that manage it.
    pub fn maintainers(&self) -> ClusterMaintainers {
        List::new(
            ClusterMaintainersQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// A maintainer assignment of the cluster, by its id (the assignment's `id`, not the
    /// user's or team's): a handle, nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let cluster = bk.organization("acme").cluster("42f1a7da-812d-4430-93d8-1cc7c33a6bcf");
    /// let assignment = cluster
    ///     .add_maintainer_team("0da645b7-9840-428f-bd80-0b92ee274480")
    ///     .await?;
    /// cluster.maintainer(assignment.id).remove().await?;
    /// # Ok(()) }
    /// ```
    pub fn maintainer(&self, id: impl Into<String>) -> ClusterMaintainer {
        ClusterMaintainer {
            cluster: self.clone(),
            id: id.into(),
        }
    }

    /// Makes a user (by UUID) a maintainer of the cluster; returns the assignment.
    pub async fn add_maintainer_user(&self, user_uuid: &str) -> Result<types::ClusterMaintainer> {
        let target = types::ClusterMaintainerTarget {
            team: None,
            user: Some(segment("the user UUID", user_uuid)?.to_owned()),
        };
        let op = self
            .api()
            .create_cluster_maintainer()
            .org_slug(&self.org.slug)
            .cluster_id(&self.id)
            .body(target);
        Ok(send(op).await?.into_inner())
    }

    /// Makes a team (by UUID) a maintainer of the cluster; returns the assignment.
    pub async fn add_maintainer_team(&self, team_uuid: &str) -> Result<types::ClusterMaintainer> {
        let target = types::ClusterMaintainerTarget {
            team: Some(segment("the team UUID", team_uuid)?.to_owned()),
            user: None,
        };
        let op = self
            .api()
            .create_cluster_maintainer()
            .org_slug(&self.org.slug)
            .cluster_id(&self.id)
            .body(target);
        Ok(send(op).await?.into_inner())
    }
}

/// A maintainer assignment of a cluster: `cluster.maintainer(id)`. Nothing is sent until a
/// method is called.
#[derive(Debug, Clone)]
pub struct ClusterMaintainer {
    cluster: Cluster,
    id: String,
}

impl ClusterMaintainer {
    /// The assignment's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the assignment, with the user or team it names.
    pub async fn get(&self) -> Result<types::ClusterMaintainer> {
        let op = self
            .cluster
            .api()
            .get_cluster_maintainer()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .maintainer_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Removes the assignment: the user or team no longer maintains the cluster.
    pub async fn remove(&self) -> Result<()> {
        let op = self
            .cluster
            .api()
            .delete_cluster_maintainer()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .maintainer_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// Hosted agents: agent images, network ranges, cache volumes.
impl Cluster {
    /// The cluster's custom agent images (Buildkite hosted agents). Buildkite answers them all
    /// at once (the list has one page; `per_page` does not apply).
    pub fn agent_images(&self) -> AgentImages {
        List::new(
            AgentImagesQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// A custom agent image of the cluster, by id: a handle, nothing is sent.
    pub fn agent_image(&self, id: impl Into<String>) -> AgentImage {
        AgentImage {
            cluster: self.clone(),
            id: id.into(),
        }
    }

    /// Starts creating a custom agent image: Buildkite's base image, plus the Dockerfile
    /// body set with [`dockerfile`](CreateAgentImage::dockerfile) (none: no extra layers).
    /// The answer is usually still building; its `image_ref`, once built, goes in a hosted
    /// queue's settings.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let cluster = bk.organization("acme").cluster("42f1a7da-812d-4430-93d8-1cc7c33a6bcf");
    /// let image = cluster
    ///     .create_agent_image("my-custom-image")
    ///     .dockerfile("RUN apt-get update && apt-get install -y curl")
    ///     .send()
    ///     .await?;
    /// let image = cluster.agent_image(image.id).get().await?;
    /// println!("{:?}: {:?}", image.status, image.image_ref);
    /// # Ok(()) }
    /// ```
    pub fn create_agent_image(&self, name: impl Into<String>) -> CreateAgentImage {
        CreateAgentImage {
            cluster: self.clone(),
            body: types::CreateAgentImageRequest {
                dockerfile: String::new(),
                name: name.into(),
            },
        }
    }

    /// The egress network ranges of the cluster's hosted agents, in CIDR notation (for
    /// allow-lists). Buildkite answers them all at once (the list has one page).
    pub fn network_ranges(&self) -> NetworkRanges {
        List::new(
            NetworkRangesQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// The cache volumes of the cluster's hosted agents. Buildkite answers them all at once
    /// (the list has one page).
    pub fn cache_volumes(&self) -> CacheVolumes {
        List::new(
            CacheVolumesQuery {
                cluster: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// A cache volume of the cluster, by its cache tag (`pipeline-uuid/node-modules`, the
    /// volume's `tag`, not its `id`): a handle, nothing is sent.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let cluster = bk.organization("acme").cluster("42f1a7da-812d-4430-93d8-1cc7c33a6bcf");
    /// let volumes: Vec<_> = cluster.cache_volumes().stream().try_collect().await?;
    /// for volume in volumes.iter().filter(|v| v.size_mb.unwrap_or(0) > 10_000) {
    ///     if let Some(tag) = &volume.tag {
    ///         cluster.cache_volume(tag).delete().await?;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn cache_volume(&self, tag: impl Into<String>) -> CacheVolume {
        CacheVolume {
            cluster: self.clone(),
            tag: tag.into(),
        }
    }
}

/// A custom agent image of a cluster: `cluster.agent_image(id)`. Nothing is sent until a
/// method is called.
#[derive(Debug, Clone)]
pub struct AgentImage {
    cluster: Cluster,
    id: String,
}

impl AgentImage {
    /// The image's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the image: its build status and, once built, its `image_ref`.
    pub async fn get(&self) -> Result<types::AgentImage> {
        let op = self
            .cluster
            .api()
            .get_agent_image()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .image_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the image.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .cluster
            .api()
            .delete_agent_image()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .image_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// Creates a custom agent image: `cluster.create_agent_image(name)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateAgentImage {
    cluster: Cluster,
    body: types::CreateAgentImageRequest,
}

impl CreateAgentImage {
    /// The Dockerfile body layered on Buildkite's base image, without a `FROM` instruction
    /// (`RUN apt-get install -y curl`).
    pub fn dockerfile(mut self, dockerfile: impl Into<String>) -> Self {
        self.body.dockerfile = dockerfile.into();
        self
    }

    /// Creates the image and returns it (usually still building). An empty name fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::AgentImage> {
        segment("the agent image name", &self.body.name)?;
        let op = self
            .cluster
            .api()
            .create_agent_image()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// A cache volume of a cluster, named by its cache tag: `cluster.cache_volume(tag)`. Nothing is
/// sent until a method is called.
#[derive(Debug, Clone)]
pub struct CacheVolume {
    cluster: Cluster,
    tag: String,
}

impl CacheVolume {
    /// The volume's cache tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Deletes the volume. An empty tag fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn delete(&self) -> Result<()> {
        let body = types::DeleteCacheVolumeRequest {
            tag: segment("the cache volume tag", &self.tag)?.to_owned(),
        };
        let op = self
            .cluster
            .api()
            .delete_cache_volume()
            .org_slug(&self.cluster.org.slug)
            .cluster_id(&self.cluster.id)
            .body(body);
        send(op).await?;
        Ok(())
    }
}

simple_list!(
    /// A cluster's maintainers: `cluster.maintainers()`.
    ClusterMaintainersQuery { cluster: Cluster } => types::ClusterMaintainer,
    |c| c.api().list_cluster_maintainers().org_slug(&c.org.slug).cluster_id(&c.id)
);

whole_list!(
    /// A cluster's custom agent images: `cluster.agent_images()`.
    AgentImagesQuery { cluster: Cluster } => types::AgentImage,
    |c| c.api().list_agent_images().org_slug(&c.org.slug).cluster_id(&c.id)
);

whole_list!(
    /// The egress network ranges of a cluster's hosted agents: `cluster.network_ranges()`.
    NetworkRangesQuery { cluster: Cluster } => types::NetworkRange,
    |c| c.api().list_network_ranges().org_slug(&c.org.slug).cluster_id(&c.id)
);

whole_list!(
    /// The cache volumes of a cluster's hosted agents: `cluster.cache_volumes()`.
    CacheVolumesQuery { cluster: Cluster } => types::CacheVolume,
    |c| c.api().list_cache_volumes().org_slug(&c.org.slug).cluster_id(&c.id)
);

/// A list of agent images, `List<AgentImagesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type AgentImages = List<AgentImagesQuery>;

/// A list of cache volumes, `List<CacheVolumesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type CacheVolumes = List<CacheVolumesQuery>;

/// A list of cluster maintainers, `List<ClusterMaintainersQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ClusterMaintainers = List<ClusterMaintainersQuery>;

/// A list of network ranges, `List<NetworkRangesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type NetworkRanges = List<NetworkRangesQuery>;
