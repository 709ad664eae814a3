//! Conformance: every example response in the Buildkite docs (saved under
//! `tests/fixtures/buildkite/`, each with its source) decodes through the generated type of its
//! operation. The operation's response type is read from the spec; a fixture that does not
//! decode is a spec bug. Add every response schema an operation uses to the `decoder!` list.

use kitelab_tests::conformance::check;
use kitelab_tests::decoder;

#[test]
fn every_buildkite_docs_example_decodes_through_its_operation_type() {
    check(
        "buildkite",
        decoder!(buildkite: AccessToken, Agent, Annotation, Artifact, Build, Emoji, Job, JobEnv, JobLog, Meta, Organization, Pipeline, Team, User),
    );
}
