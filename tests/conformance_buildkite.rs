//! Conformance: every example response in the Buildkite docs (saved under
//! `tests/fixtures/buildkite/`, each with its source) decodes through the generated type of its
//! operation. The operation's response type is read from the spec; a fixture that does not
//! decode is a spec bug. Add every response schema an operation uses to the `decoder!` list.

use kitelab_tests::conformance::check;
use kitelab_tests::decoder;

#[test]
fn every_buildkite_docs_example_decodes_through_its_operation_type() {
    check("buildkite", decode);
}

/// Decodes `body` as the generated type named `schema` (or a list of them).
pub(crate) fn decode(schema: &str, body: &serde_json::Value, array: bool) -> Result<(), String> {
    let decode = decoder!(
        buildkite:
        AccessToken, Agent, AgentImage, Annotation, ApiSettings, Artifact, AuditEvent,
        AuditEventList, Build, CacheVolume, Cluster, ClusterMaintainer, ClusterQueue,
        ClusterSecret, ClusterToken, ConnectionRepository, Emoji, FailedExecution, FlakyTest,
        GithubWebhookProcessing, Invitation, InvitationList, Job, JobEnv, JobList, JobLog, Meta,
        NetworkRange, NotificationService, NotificationServiceList, Organization,
        OrganizationMember, OrganizationRateLimit, Package, PackageList, PackageRegistry,
        Pipeline, PipelineSchedule, PipelineSettings, PipelineTemplate, Portal, RegistryToken,
        RemoteAccessSession, RepositoryConnection, Rule, StepUpload, StepUploadList, Team,
        TeamMember, TeamPipeline, TeamSuite, Test, TestRun, TestSuite, User,
    );
    decode(schema, body, array)
}
