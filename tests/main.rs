//! Every end-to-end test of kitelab, in one test binary: the generated clients are linked once,
//! and the tests of every module run in parallel.

mod buildkite;
mod buildkite_clusters_teams;
mod buildkite_org_jobs;
mod buildkite_org_settings;
mod buildkite_resources;
mod buildkite_test_engine;
mod conformance;
mod conformance_buildkite;
mod conformance_gitlab;
mod files_tokens_env;
mod gitlab;
mod gitlab_resources;
mod gitlab_runners_more;
mod reliability;
mod trust;
mod waiting_and_logs;
