//! An organization's repository connections (GitHub, GitHub Enterprise Server, Bitbucket
//! Server, GitLab Self-Managed…) and the repositories each can reach. No credentials are ever
//! returned.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::{whole_list, ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// Repository connections.
impl Organization {
    /// The organization's repository connections (scope
    /// `read_organization_repository_connections`, an administrator's token). Buildkite sends
    /// them all at once: the list is one page.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// let connections: Vec<_> = org.repository_connections().stream().try_collect().await?;
    /// for connection in connections {
    ///     let repos: Vec<_> =
    ///         org.repository_connection(connection.id).repositories().stream().try_collect().await?;
    ///     println!("{:?}: {} repositories", connection.display_name, repos.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn repository_connections(&self) -> RepositoryConnections {
        List::new(
            RepositoryConnectionsQuery { org: self.clone() },
            self.bk.per_page(),
        )
    }

    /// A repository connection, by id.
    pub fn repository_connection(&self, id: impl Into<String>) -> RepositoryConnection {
        RepositoryConnection {
            org: self.clone(),
            id: id.into(),
        }
    }
}

/// A repository connection of an organization: `org.repository_connection(id)`.
#[derive(Debug, Clone)]
pub struct RepositoryConnection {
    org: Organization,
    id: String,
}

impl RepositoryConnection {
    /// The connection's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the connection, with its service account, host and the provider's rate limit.
    pub async fn get(&self) -> Result<types::RepositoryConnection> {
        let op = self
            .org
            .bk
            .api()
            .get_repository_connection()
            .org_slug(&self.org.slug)
            .connection_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The repositories the connection can reach, in the provider's order; Buildkite sends
    /// them all at once. Bitbucket Server, GitLab Self-Managed and legacy GitHub Enterprise
    /// connections cannot list them (`422`).
    pub fn repositories(&self) -> ConnectionRepositories {
        List::new(
            ConnectionRepositoriesQuery {
                connection: self.clone(),
                full_name: None,
            },
            self.org.bk.per_page(),
        )
    }
}

whole_list!(
    /// An organization's repository connections: `org.repository_connections()`.
    RepositoryConnectionsQuery { org: Organization } => types::RepositoryConnection,
    |o| o.bk.api().list_repository_connections().org_slug(&o.slug)
);

/// The repositories of a connection: `connection.repositories()`.
#[derive(Debug, Clone)]
pub struct ConnectionRepositoriesQuery {
    connection: RepositoryConnection,
    full_name: Option<String>,
}

/// Filters of a connection's repositories.
impl List<ConnectionRepositoriesQuery> {
    /// Only the repository with this full name (`acme/widgets`, compared without case; the
    /// wire parameter is `repository`). None matching, the list is empty.
    #[doc(alias = "repository")]
    pub fn full_name(mut self, full_name: impl Into<String>) -> Self {
        self.query.full_name = Some(full_name.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for ConnectionRepositoriesQuery {}

impl ListQuery for ConnectionRepositoriesQuery {
    type Item = types::ConnectionRepository;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let connection = &self.connection;
        let mut op = connection
            .org
            .bk
            .api()
            .list_connection_repositories()
            .org_slug(&connection.org.slug)
            .connection_id(&connection.id);
        if let Some(full_name) = &self.full_name {
            op = op.repository(full_name.as_str());
        }
        at.send_whole(op).await
    }
}

/// A list of connection repositories, `List<ConnectionRepositoriesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ConnectionRepositories = List<ConnectionRepositoriesQuery>;

/// A list of repository connections, `List<RepositoryConnectionsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type RepositoryConnections = List<RepositoryConnectionsQuery>;
