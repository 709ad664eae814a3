//! The docs' example bodies the fakes are seeded from: copies of the files under the
//! repository's `tests/fixtures` that the fakes use, each with its source, compiled in so that the
//! crate works wherever it is built.

use serde_json::Value;

/// The body of a docs example response, by service and operation id.
///
/// # Panics
///
/// When the crate does not carry that example (a bug in the fake that asks for it).
pub(crate) fn fixture(service: &str, name: &str) -> Value {
    let text = match (service, name) {
        ("buildkite", "createAnnotation") => {
            include_str!("../fixtures/buildkite/createAnnotation.json")
        }
        ("buildkite", "createBuild") => include_str!("../fixtures/buildkite/createBuild.json"),
        ("buildkite", "getBuild") => include_str!("../fixtures/buildkite/getBuild.json"),
        ("buildkite", "getJobLog") => include_str!("../fixtures/buildkite/getJobLog.json"),
        ("buildkite", "getOrganization") => {
            include_str!("../fixtures/buildkite/getOrganization.json")
        }
        ("buildkite", "listBuildArtifacts") => {
            include_str!("../fixtures/buildkite/listBuildArtifacts.json")
        }
        ("buildkite", "listJobs") => include_str!("../fixtures/buildkite/listJobs.json"),
        ("buildkite", "listOrganizations") => {
            include_str!("../fixtures/buildkite/listOrganizations.json")
        }
        ("buildkite", "listPipelineBuilds") => {
            include_str!("../fixtures/buildkite/listPipelineBuilds.json")
        }
        ("buildkite", "listPipelines") => include_str!("../fixtures/buildkite/listPipelines.json"),
        ("buildkite", "retryFailedJobs") => {
            include_str!("../fixtures/buildkite/retryFailedJobs.json")
        }
        ("buildkite", "retryJob") => include_str!("../fixtures/buildkite/retryJob.json"),
        ("gitlab", "cancelJob") => include_str!("../fixtures/gitlab/cancelJob.json"),
        ("gitlab", "cancelPipeline") => include_str!("../fixtures/gitlab/cancelPipeline.json"),
        ("gitlab", "createGroupVariable") => {
            include_str!("../fixtures/gitlab/createGroupVariable.json")
        }
        ("gitlab", "createInstanceVariable") => {
            include_str!("../fixtures/gitlab/createInstanceVariable.json")
        }
        ("gitlab", "createPipeline") => include_str!("../fixtures/gitlab/createPipeline.json"),
        ("gitlab", "createPipelineSchedule") => {
            include_str!("../fixtures/gitlab/createPipelineSchedule.json")
        }
        ("gitlab", "createPipelineScheduleVariable") => {
            include_str!("../fixtures/gitlab/createPipelineScheduleVariable.json")
        }
        ("gitlab", "createProjectVariable") => {
            include_str!("../fixtures/gitlab/createProjectVariable.json")
        }
        ("gitlab", "createTrigger") => include_str!("../fixtures/gitlab/createTrigger.json"),
        ("gitlab", "deletePipelineScheduleVariable") => {
            include_str!("../fixtures/gitlab/deletePipelineScheduleVariable.json")
        }
        ("gitlab", "eraseJob") => include_str!("../fixtures/gitlab/eraseJob.json"),
        ("gitlab", "getGroupVariable") => include_str!("../fixtures/gitlab/getGroupVariable.json"),
        ("gitlab", "getInstanceVariable") => {
            include_str!("../fixtures/gitlab/getInstanceVariable.json")
        }
        ("gitlab", "getJob") => include_str!("../fixtures/gitlab/getJob.json"),
        ("gitlab", "getPipeline") => include_str!("../fixtures/gitlab/getPipeline.json"),
        ("gitlab", "getPipelineSchedule") => {
            include_str!("../fixtures/gitlab/getPipelineSchedule.json")
        }
        ("gitlab", "getProjectVariable") => {
            include_str!("../fixtures/gitlab/getProjectVariable.json")
        }
        ("gitlab", "keepJobArtifacts") => include_str!("../fixtures/gitlab/keepJobArtifacts.json"),
        ("gitlab", "listGroupVariables") => {
            include_str!("../fixtures/gitlab/listGroupVariables.json")
        }
        ("gitlab", "listInstanceVariables") => {
            include_str!("../fixtures/gitlab/listInstanceVariables.json")
        }
        ("gitlab", "listPipelineBridges") => {
            include_str!("../fixtures/gitlab/listPipelineBridges.json")
        }
        ("gitlab", "listPipelineJobs") => include_str!("../fixtures/gitlab/listPipelineJobs.json"),
        ("gitlab", "listPipelineVariables") => {
            include_str!("../fixtures/gitlab/listPipelineVariables.json")
        }
        ("gitlab", "listProjectPipelines") => {
            include_str!("../fixtures/gitlab/listProjectPipelines.json")
        }
        ("gitlab", "listProjectVariables") => {
            include_str!("../fixtures/gitlab/listProjectVariables.json")
        }
        ("gitlab", "listTriggers") => include_str!("../fixtures/gitlab/listTriggers.json"),
        ("gitlab", "playJob") => include_str!("../fixtures/gitlab/playJob.json"),
        ("gitlab", "playPipelineSchedule") => {
            include_str!("../fixtures/gitlab/playPipelineSchedule.json")
        }
        ("gitlab", "retryJob") => include_str!("../fixtures/gitlab/retryJob.json"),
        ("gitlab", "retryPipeline") => include_str!("../fixtures/gitlab/retryPipeline.json"),
        ("gitlab", "takeOwnershipPipelineSchedule") => {
            include_str!("../fixtures/gitlab/takeOwnershipPipelineSchedule.json")
        }
        ("gitlab", "triggerPipeline") => include_str!("../fixtures/gitlab/triggerPipeline.json"),
        ("gitlab", "updateGroupVariable") => {
            include_str!("../fixtures/gitlab/updateGroupVariable.json")
        }
        ("gitlab", "updateInstanceVariable") => {
            include_str!("../fixtures/gitlab/updateInstanceVariable.json")
        }
        ("gitlab", "updatePipelineSchedule") => {
            include_str!("../fixtures/gitlab/updatePipelineSchedule.json")
        }
        ("gitlab", "updatePipelineScheduleVariable") => {
            include_str!("../fixtures/gitlab/updatePipelineScheduleVariable.json")
        }
        ("gitlab", "updateProjectVariable") => {
            include_str!("../fixtures/gitlab/updateProjectVariable.json")
        }
        _ => panic!("kitelab-testkit carries no fixture {service}/{name}"),
    };
    let fixture: Value = serde_json::from_str(text).expect("the fixtures are JSON");
    fixture["body"].clone()
}
