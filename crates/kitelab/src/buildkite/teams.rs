//! Teams of an organization: listing, creating and enabling them; one team's settings, members,
//! pipelines and Test Engine suites.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::{Buildkite, Organization};
use crate::pagination::{simple_list, ListQuery, PageAt};
use crate::{segment, send, List, Page, Result};

impl Organization {
    /// The organization's teams.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let mine: Vec<_> = bk
    ///     .organization("acme")
    ///     .teams()
    ///     .user_id("8s7ce846-f6c0-4360-8133-389b03c7c46a")
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = mine;
    /// # Ok(()) }
    /// ```
    pub fn teams(&self) -> Teams {
        let (bk, org) = (self.bk.clone(), self.slug.clone());
        let per_page = bk.per_page();
        List::new(
            TeamsQuery {
                bk,
                org,
                user_id: None,
            },
            per_page,
        )
    }
}

/// Creating teams.
impl Organization {
    /// Starts creating a team. Buildkite wants every setting in the request; those not set
    /// are sent as: no description, [`Visible`](types::TeamPrivacy::Visible), not a default
    /// team, new members as [`Member`](types::TeamMemberRole::Member), and members may
    /// create and destroy nothing.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::{TeamMemberRole, TeamPrivacy};
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// org.enable_teams().await?;
    /// let team = org
    ///     .create_team("Barefoot Backenders")
    ///     .description("Backend engineers at Acme Inc")
    ///     .privacy(TeamPrivacy::Secret)
    ///     .default_member_role(TeamMemberRole::Member)
    ///     .members_can_create_pipelines(true)
    ///     .send()
    ///     .await?;
    /// let team = org.team(team.id);
    /// # let _ = team; Ok(()) }
    /// ```
    pub fn create_team(&self, name: impl Into<String>) -> CreateTeam {
        CreateTeam {
            org: self.clone(),
            body: types::CreateTeamRequest {
                default_member_role: types::TeamMemberRole::Member,
                description: String::new(),
                is_default_team: false,
                members_can_create_pipelines: false,
                members_can_create_registries: false,
                members_can_create_suites: false,
                members_can_destroy_packages: false,
                members_can_destroy_registries: false,
                name: name.into(),
                privacy: types::TeamPrivacy::Visible,
            },
        }
    }

    /// Turns teams on for the organization (they are off until then; turning them on cannot
    /// be undone through the API).
    pub async fn enable_teams(&self) -> Result<()> {
        send(self.bk.api().enable_teams().org_slug(&self.slug)).await?;
        Ok(())
    }
}

/// Creates a team: `org.create_team(name)`, settings, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateTeam {
    org: Organization,
    body: types::CreateTeamRequest,
}

impl CreateTeam {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = description.into();
        self
    }

    /// Visible to everyone in the organization, or secret.
    pub fn privacy(mut self, privacy: types::TeamPrivacy) -> Self {
        self.body.privacy = privacy;
        self
    }

    /// Whether new organization members join this team.
    pub fn is_default_team(mut self, yes: bool) -> Self {
        self.body.is_default_team = yes;
        self
    }

    /// The role new members get.
    pub fn default_member_role(mut self, role: types::TeamMemberRole) -> Self {
        self.body.default_member_role = role;
        self
    }

    /// Whether members can create pipelines.
    pub fn members_can_create_pipelines(mut self, yes: bool) -> Self {
        self.body.members_can_create_pipelines = yes;
        self
    }

    /// Whether members can create Test Engine suites.
    pub fn members_can_create_suites(mut self, yes: bool) -> Self {
        self.body.members_can_create_suites = yes;
        self
    }

    /// Whether members can create package registries.
    pub fn members_can_create_registries(mut self, yes: bool) -> Self {
        self.body.members_can_create_registries = yes;
        self
    }

    /// Whether members can destroy package registries.
    pub fn members_can_destroy_registries(mut self, yes: bool) -> Self {
        self.body.members_can_destroy_registries = yes;
        self
    }

    /// Whether members can destroy packages.
    pub fn members_can_destroy_packages(mut self, yes: bool) -> Self {
        self.body.members_can_destroy_packages = yes;
        self
    }

    /// Creates the team and returns it. An empty name fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::Team> {
        segment("the team name", &self.body.name)?;
        let op = self
            .org
            .bk
            .api()
            .create_team()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// An organization's teams: `organization.teams()`. Set filters with the methods of
/// [`List<TeamsQuery>`](List#impl-List<TeamsQuery>).
#[derive(Debug, Clone)]
pub struct TeamsQuery {
    bk: Buildkite,
    org: String,
    user_id: Option<String>,
}

/// Team-list filters.
impl List<TeamsQuery> {
    /// Only teams that have this user (a user UUID) as a member.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.query.user_id = Some(user_id.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for TeamsQuery {}

impl ListQuery for TeamsQuery {
    type Item = types::Team;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .bk
            .api()
            .list_teams()
            .org_slug(&self.org)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(user_id) = &self.user_id {
            op = op.user_id(user_id.as_str());
        }
        at.send(op).await
    }
}

/// One team.
impl Organization {
    /// A team, by UUID.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::types::{TeamMemberRole, TeamPipelineAccessLevel};
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let team = bk.organization("acme").team("c5e09619-8648-4896-a936-9d0b8b7b3fe9");
    /// team.add_member("8s7ce846-f6c0-4360-8133-389b03c7c46a", TeamMemberRole::Member).await?;
    /// team.add_pipeline("0190c0de-…", TeamPipelineAccessLevel::BuildAndRead).await?;
    /// let members: Vec<_> = team.members().stream().try_collect().await?;
    /// # let _ = members; Ok(()) }
    /// ```
    pub fn team(&self, uuid: impl Into<String>) -> Team {
        Team {
            org: self.clone(),
            uuid: uuid.into(),
        }
    }
}

/// A team of an organization: `org.team(uuid)`; its settings, members and pipelines.
#[derive(Debug, Clone)]
pub struct Team {
    org: Organization,
    uuid: String,
}

impl Team {
    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// The team's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the team.
    pub async fn get(&self) -> Result<types::Team> {
        let op = self
            .api()
            .get_team()
            .org_slug(&self.org.slug)
            .team_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the team; only the fields set change.
    pub fn update(&self) -> UpdateTeam {
        UpdateTeam {
            team: self.clone(),
            body: types::UpdateTeamRequest::default(),
        }
    }

    /// Deletes the team.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_team()
            .org_slug(&self.org.slug)
            .team_uuid(&self.uuid);
        send(op).await?;
        Ok(())
    }

    /// The team's members.
    pub fn members(&self) -> TeamMembers {
        List::new(
            TeamMembersQuery { team: self.clone() },
            self.org.bk.per_page(),
        )
    }

    /// One member of the team, by user UUID: a handle, nothing is sent.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::TeamMemberRole;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let team = bk.organization("acme").team("0190d8b4-4f8b-7e2b-a1c5-5b3f8c1d2e3f");
    /// let member = team.member("018a9f63-7c3a-4a3e-9b1f-2d5e6f7a8b9c");
    /// member.set_role(TeamMemberRole::Maintainer).await?;
    /// member.remove().await?;
    /// # Ok(()) }
    /// ```
    pub fn member(&self, user_uuid: impl Into<String>) -> TeamMember {
        TeamMember {
            team: self.clone(),
            uuid: user_uuid.into(),
        }
    }

    /// Adds a user (by UUID) to the team with a role; returns the membership.
    pub async fn add_member(
        &self,
        user_uuid: &str,
        role: types::TeamMemberRole,
    ) -> Result<types::TeamMember> {
        let body = types::CreateTeamMemberRequest {
            role,
            user_id: segment("the user UUID", user_uuid)?.to_owned(),
        };
        let op = self
            .api()
            .create_team_member()
            .org_slug(&self.org.slug)
            .team_uuid(&self.uuid)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// The pipelines the team can reach, with its access level to each.
    pub fn pipelines(&self) -> TeamPipelines {
        List::new(
            TeamPipelinesQuery { team: self.clone() },
            self.org.bk.per_page(),
        )
    }

    /// The team's access to one pipeline, by pipeline UUID: a handle, nothing is sent.
    pub fn pipeline(&self, pipeline_uuid: impl Into<String>) -> TeamPipeline {
        TeamPipeline {
            team: self.clone(),
            uuid: pipeline_uuid.into(),
        }
    }

    /// The Test Engine suites the team can reach, with its access to each.
    pub fn suites(&self) -> TeamSuites {
        List::new(
            TeamSuitesQuery { team: self.clone() },
            self.org.bk.per_page(),
        )
    }

    /// The team's access to one Test Engine suite, by suite UUID: a handle, nothing is sent.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::TeamSuiteAccessLevel::{Edit, Read};
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let team = bk.organization("acme").team("c5e09619-8648-4896-a936-9d0b8b7b3fe9");
    /// let suite = "19f3973d-1e0b-43f1-b490-22be52abd99a";
    /// team.add_suite(suite, [Read]).await?;
    /// team.suite(suite).set_access([Read, Edit]).await?;
    /// team.suite(suite).remove().await?;
    /// # Ok(()) }
    /// ```
    pub fn suite(&self, suite_uuid: impl Into<String>) -> TeamSuite {
        TeamSuite {
            team: self.clone(),
            uuid: suite_uuid.into(),
        }
    }

    /// Gives the team access to a Test Engine suite (by UUID) at these levels; returns the
    /// access. An empty UUID or no level fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn add_suite(
        &self,
        suite_uuid: &str,
        access: impl IntoIterator<Item = types::TeamSuiteAccessLevel>,
    ) -> Result<types::TeamSuite> {
        let body = types::CreateTeamSuiteRequest {
            access_level: suite_access(access)?,
            suite_id: segment("the suite UUID", suite_uuid)?.to_owned(),
        };
        let op = self
            .api()
            .create_team_suite()
            .org_slug(&self.org.slug)
            .team_uuid(&self.uuid)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Gives the team access to a pipeline (by UUID); returns the access.
    pub async fn add_pipeline(
        &self,
        pipeline_uuid: &str,
        access: types::TeamPipelineAccessLevel,
    ) -> Result<types::TeamPipeline> {
        let body = types::CreateTeamPipelineRequest {
            access_level: access,
            pipeline_id: segment("the pipeline UUID", pipeline_uuid)?.to_owned(),
        };
        let op = self
            .api()
            .create_team_pipeline()
            .org_slug(&self.org.slug)
            .team_uuid(&self.uuid)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// One member of a team: `team.member(user_uuid)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct TeamMember {
    team: Team,
    uuid: String,
}

impl TeamMember {
    /// The user's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the membership.
    pub async fn get(&self) -> Result<types::TeamMember> {
        let op = self
            .team
            .api()
            .get_team_member()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .user_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Changes the member's role; returns the membership.
    pub async fn set_role(&self, role: types::TeamMemberRole) -> Result<types::TeamMember> {
        let op = self
            .team
            .api()
            .update_team_member()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .user_uuid(&self.uuid)
            .body(types::UpdateTeamMemberRequest { role });
        Ok(send(op).await?.into_inner())
    }

    /// Removes the member from the team.
    pub async fn remove(&self) -> Result<()> {
        send(
            self.team
                .api()
                .delete_team_member()
                .org_slug(&self.team.org.slug)
                .team_uuid(&self.team.uuid)
                .user_uuid(&self.uuid),
        )
        .await?;
        Ok(())
    }
}

/// A team's access to one pipeline: `team.pipeline(pipeline_uuid)`. Nothing is sent until a
/// method is called.
#[derive(Debug, Clone)]
pub struct TeamPipeline {
    team: Team,
    uuid: String,
}

impl TeamPipeline {
    /// The pipeline's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the team's access to the pipeline.
    pub async fn get(&self) -> Result<types::TeamPipeline> {
        let op = self
            .team
            .api()
            .get_team_pipeline()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .pipeline_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Changes the team's access level to the pipeline; returns the access.
    pub async fn set_access(
        &self,
        access: types::TeamPipelineAccessLevel,
    ) -> Result<types::TeamPipeline> {
        let op = self
            .team
            .api()
            .update_team_pipeline()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .pipeline_uuid(&self.uuid)
            .body(types::UpdateTeamPipelineRequest {
                access_level: access,
            });
        Ok(send(op).await?.into_inner())
    }

    /// Takes the pipeline away from the team.
    pub async fn remove(&self) -> Result<()> {
        send(
            self.team
                .api()
                .delete_team_pipeline()
                .org_slug(&self.team.org.slug)
                .team_uuid(&self.team.uuid)
                .pipeline_uuid(&self.uuid),
        )
        .await?;
        Ok(())
    }
}

/// A team's access to one Test Engine suite: `team.suite(suite_uuid)`. Nothing is sent until a
/// method is called.
#[derive(Debug, Clone)]
pub struct TeamSuite {
    team: Team,
    uuid: String,
}

impl TeamSuite {
    /// The suite's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the team's access to the suite.
    pub async fn get(&self) -> Result<types::TeamSuite> {
        let op = self
            .team
            .api()
            .get_team_suite()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .suite_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Replaces the team's access levels to the suite; returns the access. No level fails
    /// with [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn set_access(
        &self,
        access: impl IntoIterator<Item = types::TeamSuiteAccessLevel>,
    ) -> Result<types::TeamSuite> {
        let body = types::UpdateTeamSuiteRequest {
            access_level: suite_access(access)?,
        };
        let op = self
            .team
            .api()
            .update_team_suite()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .suite_uuid(&self.uuid)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Takes the suite away from the team.
    pub async fn remove(&self) -> Result<()> {
        send(
            self.team
                .api()
                .delete_team_suite()
                .org_slug(&self.team.org.slug)
                .team_uuid(&self.team.uuid)
                .suite_uuid(&self.uuid),
        )
        .await?;
        Ok(())
    }
}

/// Suite access levels as Buildkite takes them: at least one (an empty list grants nothing and
/// Buildkite refuses it).
fn suite_access(
    access: impl IntoIterator<Item = types::TeamSuiteAccessLevel>,
) -> Result<Vec<types::TeamSuiteAccessLevel>> {
    let levels: Vec<_> = access.into_iter().collect();
    if levels.is_empty() {
        return Err(crate::Error::invalid(
            "a team's access to a suite needs at least one level (read, edit)",
        ));
    }
    Ok(levels)
}

/// Updates a team: `team.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateTeam {
    team: Team,
    body: types::UpdateTeamRequest,
}

impl UpdateTeam {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// Visible to everyone in the organization, or secret.
    pub fn privacy(mut self, privacy: types::TeamPrivacy) -> Self {
        self.body.privacy = Some(privacy);
        self
    }

    /// Whether new organization members join this team.
    pub fn is_default_team(mut self, yes: bool) -> Self {
        self.body.is_default_team = Some(yes);
        self
    }

    /// The role new members get.
    pub fn default_member_role(mut self, role: types::TeamMemberRole) -> Self {
        self.body.default_member_role = Some(role);
        self
    }

    /// Whether members can create pipelines.
    pub fn members_can_create_pipelines(mut self, yes: bool) -> Self {
        self.body.members_can_create_pipelines = Some(yes);
        self
    }

    /// Updates the team and returns it.
    pub async fn send(self) -> Result<types::Team> {
        let op = self
            .team
            .api()
            .update_team()
            .org_slug(&self.team.org.slug)
            .team_uuid(&self.team.uuid)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// A team's members: `team.members()`.
    TeamMembersQuery { team: Team } => types::TeamMember,
    |t| t.api().list_team_members().org_slug(&t.org.slug).team_uuid(&t.uuid)
);

simple_list!(
    /// The pipelines a team can reach: `team.pipelines()`.
    TeamPipelinesQuery { team: Team } => types::TeamPipeline,
    |t| t.api().list_team_pipelines().org_slug(&t.org.slug).team_uuid(&t.uuid)
);

/// A list of team members, `List<TeamMembersQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type TeamMembers = List<TeamMembersQuery>;

/// A list of team pipelines, `List<TeamPipelinesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type TeamPipelines = List<TeamPipelinesQuery>;

/// A list of teams, `List<TeamsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Teams = List<TeamsQuery>;
simple_list!(
    /// The Test Engine suites a team can reach: `team.suites()`.
    TeamSuitesQuery { team: Team } => types::TeamSuite,
    |t| t.api().list_team_suites().org_slug(&t.org.slug).team_uuid(&t.uuid)
);

/// A list of team suites, `List<TeamSuitesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type TeamSuites = List<TeamSuitesQuery>;
