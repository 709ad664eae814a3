//! An organization's people: its members, its pending invitations, and its audit log.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::{simple_list, ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// Members, invitations and audit events.
impl Organization {
    /// The organization's members.
    pub fn members(&self) -> Members {
        List::new(MembersQuery { org: self.clone() }, self.bk.per_page())
    }

    /// A member of the organization, by user UUID.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::OrganizationRole;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let member = bk.organization("acme").member("018c6030-b459-45b2-a844-951f0fc8a4e7");
    /// member.update().role(OrganizationRole::Admin).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn member(&self, user_uuid: impl Into<String>) -> Member {
        Member {
            org: self.clone(),
            uuid: user_uuid.into(),
        }
    }

    /// The organization's pending invitations, newest first.
    pub fn invitations(&self) -> Invitations {
        List::new(InvitationsQuery { org: self.clone() }, self.bk.per_page())
    }

    /// An invitation, by UUID, in any state.
    pub fn invitation(&self, uuid: impl Into<String>) -> Invitation {
        Invitation {
            org: self.clone(),
            uuid: uuid.into(),
        }
    }

    /// Starts inviting people by email.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::TeamMemberRole;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let sent = bk
    ///     .organization("acme")
    ///     .invite(["ada@example.com", "grace@example.com"])
    ///     .team("c5e09619-8648-4896-a936-9d0b8b7b3fe9", TeamMemberRole::Member)
    ///     .send()
    ///     .await?;
    /// println!("{} invitations", sent.len());
    /// # Ok(()) }
    /// ```
    pub fn invite<S: Into<String>>(&self, emails: impl IntoIterator<Item = S>) -> Invite {
        Invite {
            org: self.clone(),
            body: types::CreateInvitationsRequest {
                emails: emails.into_iter().map(Into::into).collect(),
                role: None,
                sso_mode: None,
                teams: Vec::new(),
            },
        }
    }

    /// The organization's audit log, newest first (Enterprise; administrators only).
    pub fn audit_events(&self) -> AuditEvents {
        List::new(AuditEventsQuery { org: self.clone() }, self.bk.per_page())
    }

    /// One audit event, by UUID.
    pub async fn audit_event(&self, uuid: &str) -> Result<types::AuditEvent> {
        let org = self.slug.as_str();
        let op = self
            .bk
            .api()
            .get_audit_event()
            .org_slug(org)
            .event_uuid(uuid);
        Ok(send(op).await?.into_inner())
    }
}

/// A member of an organization: `org.member(user_uuid)`.
#[derive(Debug, Clone)]
pub struct Member {
    org: Organization,
    uuid: String,
}

impl Member {
    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// The member's user UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the membership: name, email, role and SSO mode.
    pub async fn get(&self) -> Result<types::OrganizationMember> {
        let op = self
            .api()
            .get_organization_member()
            .org_slug(&self.org.slug)
            .user_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Starts changing the member's role or SSO mode.
    pub fn update(&self) -> UpdateMember {
        UpdateMember {
            member: self.clone(),
            body: types::UpdateOrganizationMemberRequest::default(),
        }
    }

    /// Removes the member from the organization.
    pub async fn remove(&self) -> Result<()> {
        let op = self
            .api()
            .remove_organization_member()
            .org_slug(&self.org.slug)
            .user_uuid(&self.uuid);
        send(op).await?;
        Ok(())
    }
}

/// Changes a member: `member.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateMember {
    member: Member,
    body: types::UpdateOrganizationMemberRequest,
}

impl UpdateMember {
    /// Administrator or member.
    pub fn role(mut self, role: types::OrganizationRole) -> Self {
        self.body.role = Some(role);
        self
    }

    /// Whether the member must sign in with SSO.
    pub fn sso_mode(mut self, mode: types::SsoMode) -> Self {
        self.body.sso_mode = Some(mode);
        self
    }

    /// Updates the member and returns the membership.
    pub async fn send(self) -> Result<types::OrganizationMember> {
        let op = self
            .member
            .api()
            .update_organization_member()
            .org_slug(&self.member.org.slug)
            .user_uuid(&self.member.uuid)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// An invitation to an organization: `org.invitation(uuid)`.
#[derive(Debug, Clone)]
pub struct Invitation {
    org: Organization,
    uuid: String,
}

impl Invitation {
    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// The invitation's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the invitation, in any state.
    pub async fn get(&self) -> Result<types::Invitation> {
        let op = self
            .api()
            .get_invitation()
            .org_slug(&self.org.slug)
            .invitation_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Revokes a pending invitation.
    pub async fn revoke(&self) -> Result<()> {
        let op = self
            .api()
            .revoke_invitation()
            .org_slug(&self.org.slug)
            .invitation_uuid(&self.uuid);
        send(op).await?;
        Ok(())
    }
}

/// Invites people: `org.invite(emails)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nobody is invited until `.send()`"]
pub struct Invite {
    org: Organization,
    body: types::CreateInvitationsRequest,
}

impl Invite {
    /// The invitees' organization role (Buildkite's default: member).
    pub fn role(mut self, role: types::OrganizationRole) -> Self {
        self.body.role = Some(role);
        self
    }

    /// Whether the invitees must sign in with SSO (required when the organization has SSO).
    pub fn sso_mode(mut self, mode: types::SsoMode) -> Self {
        self.body.sso_mode = Some(mode);
        self
    }

    /// Puts the invitees in this team (by UUID) with this role (call once per team).
    pub fn team(mut self, team_uuid: impl Into<String>, role: types::TeamMemberRole) -> Self {
        self.body.teams.push(types::InvitationTeamAssignment {
            id: team_uuid.into(),
            role,
        });
        self
    }

    /// Sends the invitations and returns them. No email, an email without `@`, or a team
    /// given twice fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<Vec<types::Invitation>> {
        if self.body.emails.is_empty() {
            return Err(Error::invalid("an invitation needs at least one email"));
        }
        if let Some(bad) = self.body.emails.iter().find(|e| !e.contains('@')) {
            return Err(Error::invalid(format!("{bad:?} is not an email address")));
        }
        for (i, team) in self.body.teams.iter().enumerate() {
            segment("the team UUID", &team.id)?;
            if self.body.teams[..i].iter().any(|t| t.id == team.id) {
                return Err(Error::invalid(format!(
                    "team {} is given twice: one role per team",
                    team.id
                )));
            }
        }
        let org = self.org.slug.as_str();
        let op = self
            .org
            .bk
            .api()
            .create_invitations()
            .org_slug(org)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// An organization's members: `org.members()`.
    MembersQuery { org: Organization } => types::OrganizationMember,
    |o| o.bk.api().list_organization_members().org_slug(&o.slug)
);

/// Defines a cursor-paginated organization list (`{"items": [...], "links": {...}}`), read by
/// following each page's `next` link.
macro_rules! cursor_list {
    ($(#[$doc:meta])* $query:ident => $item:ty, $method:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $query {
            org: Organization,
        }

        impl crate::pagination::sealed::Sealed for $query {}

        impl ListQuery for $query {
            type Item = $item;

            fn follows_links(&self) -> bool {
                true
            }

            async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
                let mut op = self
                    .org
                    .bk
                    .api()
                    .$method()
                    .org_slug(self.org.slug.as_str())
                    .per_page(at.per_page());
                // The first page has no cursor; later ones carry the `after` of the `next` link.
                if let Some(after) = at.param("after") {
                    op = op.after(after.to_owned());
                }
                at.send_cursor(op, |body| (body.items, body.links.next))
        .await
            }
        }
    };
}

pub(crate) use cursor_list;

cursor_list!(
    /// An organization's pending invitations: `org.invitations()`.
    InvitationsQuery => types::Invitation, list_invitations
);

cursor_list!(
    /// An organization's audit log: `org.audit_events()`.
    AuditEventsQuery => types::AuditEvent, list_audit_events
);

/// A list of members, `List<MembersQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Members = List<MembersQuery>;

/// A list of invitations, `List<InvitationsQuery>`; read it with [`stream`](List::stream),
/// [`pages`](List::pages) or [`page`](List::page).
pub type Invitations = List<InvitationsQuery>;

/// A list of audit events, `List<AuditEventsQuery>`; read it with [`stream`](List::stream),
/// [`pages`](List::pages) or [`page`](List::page).
pub type AuditEvents = List<AuditEventsQuery>;
