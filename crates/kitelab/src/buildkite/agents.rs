//! Agents: listing an organization's agents, one agent, and stopping it.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::{Buildkite, Organization};
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

impl Organization {
    /// The organization's `connected` and `stopping` agents (others are not listed; fetch them
    /// with [`agent`](Self::agent)).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let agents: Vec<_> = bk
    ///     .organization("acme")
    ///     .agents()
    ///     .hostname("ci-box-1")
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = agents;
    /// # Ok(()) }
    /// ```
    pub fn agents(&self) -> Agents {
        let (bk, org) = (self.bk.clone(), self.slug.clone());
        let per_page = bk.per_page();
        List::new(AgentsQuery::new(bk, org), per_page)
    }

    /// An agent of this organization, by UUID.
    pub fn agent(&self, id: impl Into<String>) -> Agent {
        let (bk, org) = (self.bk.clone(), self.slug.clone());
        Agent {
            bk,
            org,
            id: id.into(),
        }
    }
}

/// An agent: `bk.organization("acme").agent("0b461f65-…")`.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
/// let agent = bk.organization("acme").agent("0b461f65-e7be-4c80-888a-ef11d81fd971");
/// println!("{:?}", agent.get().await?.connection_state);
/// // Let a running job finish instead of canceling it.
/// agent.stop().force(false).send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Agent {
    bk: Buildkite,
    org: String,
    id: String,
}

impl Agent {
    /// The agent's UUID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The organization slug and the agent id: the path of an agent operation.
    fn ids(&self) -> (&str, &str) {
        (&self.org, &self.id)
    }

    /// Fetches the agent, in any connection state.
    pub async fn get(&self) -> Result<types::Agent> {
        let (org, id) = self.ids();
        let op = self.bk.api().get_agent().org_slug(org).agent_id(id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts pausing the agent: it finishes its current job and takes no new ones until
    /// [`resume`](Self::resume)d or the pause times out.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let agent = bk.organization("acme").agent("0b461f65-e7be-4c80-888a-ef11d81fd971");
    /// agent.pause().note("Kernel upgrade").timeout_in_minutes(60).send().await?;
    /// agent.resume().await?;
    /// # Ok(()) }
    /// ```
    pub fn pause(&self) -> PauseAgent {
        PauseAgent {
            agent: self.clone(),
            body: types::PauseAgentRequest::default(),
        }
    }

    /// Resumes a paused agent.
    pub async fn resume(&self) -> Result<()> {
        let (org, id) = self.ids();
        let op = self
            .bk
            .api()
            .resume_agent()
            .org_slug(org)
            .agent_id(id)
            .body(types::ResumeAgentRequest::default());
        send(op).await?;
        Ok(())
    }

    /// Starts stopping the agent: it accepts no more jobs and shuts down. By default a job it is
    /// running is canceled with its build; see [`StopAgent::force`].
    pub fn stop(&self) -> StopAgent {
        StopAgent {
            agent: self.clone(),
            force: None,
        }
    }
}

/// Pauses an agent: `agent.pause()`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is paused until `.send()`"]
pub struct PauseAgent {
    agent: Agent,
    body: types::PauseAgentRequest,
}

impl PauseAgent {
    /// Why the agent is paused, shown in Buildkite.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.body.note = Some(note.into());
        self
    }

    /// Resumes the agent by itself after this many minutes.
    pub fn timeout_in_minutes(mut self, minutes: u32) -> Self {
        self.body.timeout_in_minutes = Some(i64::from(minutes));
        self
    }

    /// Pauses the agent. A zero timeout fails with [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// before anything is sent.
    pub async fn send(self) -> Result<()> {
        if self.body.timeout_in_minutes == Some(0) {
            return Err(crate::Error::invalid(
                "a pause's timeout is at least one minute",
            ));
        }
        let (org, id) = self.agent.ids();
        let op = self
            .agent
            .bk
            .api()
            .pause_agent()
            .org_slug(org)
            .agent_id(id)
            .body(self.body);
        send(op).await?;
        Ok(())
    }
}

/// Stops an agent: `agent.stop()`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is stopped until `.send()`"]
pub struct StopAgent {
    agent: Agent,
    force: Option<bool>,
}

impl StopAgent {
    /// Whether a job the agent is running is canceled along with its build (`true`, Buildkite's
    /// default when unset) or allowed to finish first (`false`).
    pub fn force(mut self, force: bool) -> Self {
        self.force = Some(force);
        self
    }

    /// Tells the agent to stop. Buildkite answers `400` for an agent that is not connected.
    pub async fn send(self) -> Result<()> {
        let (org, id) = self.agent.ids();
        let op = self
            .agent
            .bk
            .api()
            .stop_agent()
            .org_slug(org)
            .agent_id(id)
            .body(types::StopAgentRequest { force: self.force });
        send(op).await?;
        Ok(())
    }
}

/// An organization's agents: `organization.agents()`. Set filters with the methods of
/// [`List<AgentsQuery>`](List#impl-List<AgentsQuery>).
#[derive(Debug, Clone)]
pub struct AgentsQuery {
    bk: Buildkite,
    org: String,
    name: Option<String>,
    hostname: Option<String>,
    version: Option<String>,
    cluster_queue_id: Option<String>,
}

impl AgentsQuery {
    fn new(bk: Buildkite, org: String) -> Self {
        Self {
            bk,
            org,
            name: None,
            hostname: None,
            version: None,
            cluster_queue_id: None,
        }
    }
}

/// Agent-list filters.
impl List<AgentsQuery> {
    /// Only agents with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.name = Some(name.into());
        self
    }

    /// Only agents on this hostname.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.query.hostname = Some(hostname.into());
        self
    }

    /// Only agents of exactly this version (`3.90.0`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.query.version = Some(version.into());
        self
    }

    /// Only agents registered to the cluster queue with this UUID.
    pub fn cluster_queue_id(mut self, id: impl Into<String>) -> Self {
        self.query.cluster_queue_id = Some(id.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for AgentsQuery {}

impl ListQuery for AgentsQuery {
    type Item = types::Agent;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .bk
            .api()
            .list_agents()
            .org_slug(&self.org)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(name) = &self.name {
            op = op.name(name.as_str());
        }
        if let Some(hostname) = &self.hostname {
            op = op.hostname(hostname.as_str());
        }
        if let Some(version) = &self.version {
            op = op.version(version.as_str());
        }
        if let Some(id) = &self.cluster_queue_id {
            op = op.cluster_queue_id(id.as_str());
        }
        at.send(op).await
    }
}

/// A list of agents, `List<AgentsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Agents = List<AgentsQuery>;
