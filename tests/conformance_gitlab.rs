//! Conformance: every example response in the GitLab docs (saved under `tests/fixtures/gitlab/`,
//! each with its source) decodes through the generated type of its operation. The operation's
//! response type is read from the spec; a fixture that does not decode is a spec bug. Add every
//! response schema an operation uses to the `decoder!` list.

use kitelab_tests::conformance::check;
use kitelab_tests::decoder;

#[test]
fn every_gitlab_docs_example_decodes_through_its_operation_type() {
    check("gitlab", decode);
}

/// Decodes `body` as the generated type named `schema` (or a list of them).
pub(crate) fn decode(schema: &str, body: &serde_json::Value, array: bool) -> Result<(), String> {
    let decode = decoder!(
        gitlab: BasicGroupDetails,
        BasicProjectDetails,
        CommitStatus,
        Deployment,
        DeploymentApproval,
        Environment,
        Job,
        JobAllowedAgents,
        JobBasicWithProject,
        JobOrNull,
        JobTokenGroupScopeLink,
        JobTokenProjectScopeLink,
        JobTokenScope,
        LintResult,
        MergeRequestBasic,
        Message,
        PackagePipeline,
        Pipeline,
        PipelineBasic,
        PipelineSchedule,
        ResetTokenResult,
        ResourceGroup,
        ReviewAppsDeletion,
        Runner,
        RunnerDetails,
        RunnerManager,
        RunnerRegistrationDetails,
        SecureFile,
        TestReport,
        TestReportSummary,
        Trigger,
        Variable,
    );
    decode(schema, body, array)
}
