//! Test Engine (`/v2/analytics/...`): an organization's test suites; a suite's runs, their
//! failed executions, and its tests (muted, skipped, flaky; muting, skipping, labelling one).

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::{simple_list, ListQuery, PageAt};
use crate::{segment, send, List, Page, Result};

/// Test Engine suites.
impl Organization {
    /// The organization's Test Engine suites.
    pub fn test_suites(&self) -> List<TestSuitesQuery> {
        List::new(
            TestSuitesQuery {
                org: self.clone(),
                show_api_token: None,
            },
            self.bk.per_page(),
        )
    }

    /// A Test Engine suite, by slug: a handle, nothing is sent.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::types::FlakyTestsPeriod;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let suite = bk.organization("acme").test_suite("jasmine");
    /// let flaky: Vec<_> = suite
    ///     .flaky_tests()
    ///     .branch("main")
    ///     .period(FlakyTestsPeriod::V7days)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// for test in &flaky {
    ///     suite.test(&test.id).mute().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn test_suite(&self, slug: impl Into<String>) -> TestSuite {
        TestSuite {
            org: self.clone(),
            slug: slug.into(),
        }
    }

    /// Starts creating a Test Engine suite whose trends show `default_branch` (data is
    /// collected for every branch).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let suite = bk
    ///     .organization("acme")
    ///     .create_test_suite("Jasmine", "main")
    ///     .emoji(":lemon:")
    ///     .team("4c15a4c7-6674-4585-b592-4adcc8630383")
    ///     .show_api_token(true)
    ///     .send()
    ///     .await?;
    /// let token = suite.api_token; // what the test collectors send results with
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn create_test_suite(
        &self,
        name: impl Into<String>,
        default_branch: impl Into<String>,
    ) -> CreateTestSuite {
        CreateTestSuite {
            org: self.clone(),
            body: types::CreateTestSuiteRequest {
                application_name: None,
                color: None,
                default_branch: default_branch.into(),
                emoji: None,
                name: name.into(),
                oidc_policy: None,
                show_api_token: None,
                team_ids: Vec::new(),
                teams_ids: Vec::new(),
            },
        }
    }
}

/// An organization's Test Engine suites: `org.test_suites()`. Set filters with the methods of
/// [`List<TestSuitesQuery>`](List#impl-List<TestSuitesQuery>).
#[derive(Debug, Clone)]
pub struct TestSuitesQuery {
    org: Organization,
    show_api_token: Option<bool>,
}

/// Test-suite-list options.
impl List<TestSuitesQuery> {
    /// Whether each suite carries its API token (a redacting secret; Buildkite's default: no).
    pub fn show_api_token(mut self, yes: bool) -> Self {
        self.query.show_api_token = Some(yes);
        self
    }
}

impl crate::pagination::sealed::Sealed for TestSuitesQuery {}

impl ListQuery for TestSuitesQuery {
    type Item = types::TestSuite;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .org
            .bk
            .api()
            .list_test_suites()
            .org_slug(&self.org.slug)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(yes) = self.show_api_token {
            op = op.show_api_token(yes);
        }
        at.send(op).await
    }
}

/// A Test Engine suite: `org.test_suite(slug)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct TestSuite {
    pub(super) org: Organization,
    slug: String,
}

impl TestSuite {
    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// The suite's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// Fetches the suite (without its API token).
    pub async fn get(&self) -> Result<types::TestSuite> {
        let op = self
            .api()
            .get_test_suite()
            .org_slug(&self.org.slug)
            .suite_slug(&self.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the suite; only the fields set change.
    pub fn update(&self) -> UpdateTestSuite {
        UpdateTestSuite {
            suite: self.clone(),
            body: types::UpdateTestSuiteRequest::default(),
        }
    }

    /// Deletes the suite and its data.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_test_suite()
            .org_slug(&self.org.slug)
            .suite_slug(&self.slug);
        send(op).await?;
        Ok(())
    }

    /// The suite's runs, newest first.
    pub fn runs(&self) -> List<TestRunsQuery> {
        List::new(
            TestRunsQuery {
                suite: self.clone(),
                build_id: None,
            },
            self.org.bk.per_page(),
        )
    }

    /// A run of the suite, by UUID: a handle, nothing is sent.
    pub fn run(&self, id: impl Into<String>) -> TestRun {
        TestRun {
            suite: self.clone(),
            id: id.into(),
        }
    }

    /// A test of the suite, by UUID: a handle, nothing is sent.
    pub fn test(&self, id: impl Into<String>) -> Test {
        Test {
            suite: self.clone(),
            id: id.into(),
        }
    }

    /// Finds a test by its scope (`User#email`) and name (`is correctly formatted`).
    pub async fn find_test(&self, scope: &str, name: &str) -> Result<types::Test> {
        let body = types::FindTestRequest {
            name: segment("the test name", name)?.to_owned(),
            scope: segment("the test scope", scope)?.to_owned(),
        };
        let op = self
            .api()
            .find_test()
            .org_slug(&self.org.slug)
            .suite_slug(&self.slug)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// The suite's muted tests.
    pub fn muted_tests(&self) -> List<MutedTestsQuery> {
        List::new(
            MutedTestsQuery {
                suite: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// The suite's skipped tests.
    pub fn skipped_tests(&self) -> List<SkippedTestsQuery> {
        List::new(
            SkippedTestsQuery {
                suite: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// The suite's flaky tests.
    pub fn flaky_tests(&self) -> List<FlakyTestsQuery> {
        List::new(
            FlakyTestsQuery {
                suite: self.clone(),
                search: None,
                branch: None,
                period: None,
            },
            self.org.bk.per_page(),
        )
    }
}

/// Creates a Test Engine suite: `org.create_test_suite(name, default_branch)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateTestSuite {
    org: Organization,
    body: types::CreateTestSuiteRequest,
}

impl CreateTestSuite {
    /// The application name.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.body.application_name = Some(name.into());
        self
    }

    /// The navatar's color, as hex (`#FFF700`).
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.body.color = Some(color.into());
        self
    }

    /// The navatar's emoji, `:lemon:` or a character.
    pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
        self.body.emoji = Some(emoji.into());
        self
    }

    /// A team (by UUID) to add the suite to; Buildkite requires at least one when the
    /// organization has teams. Sent as `team_ids`.
    pub fn team(mut self, team_uuid: impl Into<String>) -> Self {
        self.body.team_ids.push(team_uuid.into());
        self
    }

    /// Whether the answer carries the suite's API token (a redacting secret).
    pub fn show_api_token(mut self, yes: bool) -> Self {
        self.body.show_api_token = Some(yes);
        self
    }

    /// Creates the suite and returns it. An empty name or default branch fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::TestSuite> {
        segment("the suite name", &self.body.name)?;
        segment("the suite's default branch", &self.body.default_branch)?;
        let op = self
            .org
            .bk
            .api()
            .create_test_suite()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a Test Engine suite: `suite.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateTestSuite {
    suite: TestSuite,
    body: types::UpdateTestSuiteRequest,
}

impl UpdateTestSuite {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// The branch whose trends the suite shows by default.
    pub fn default_branch(mut self, branch: impl Into<String>) -> Self {
        self.body.default_branch = Some(branch.into());
        self
    }

    /// The application name.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.body.application_name = Some(name.into());
        self
    }

    /// The navatar's color, as hex (`#FFF700`).
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.body.color = Some(color.into());
        self
    }

    /// The navatar's emoji, `:lemon:` or a character.
    pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
        self.body.emoji = Some(emoji.into());
        self
    }

    /// Updates the suite and returns it.
    pub async fn send(self) -> Result<types::TestSuite> {
        let op = self
            .suite
            .api()
            .update_test_suite()
            .org_slug(&self.suite.org.slug)
            .suite_slug(&self.suite.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// A suite's runs: `suite.runs()`. Set filters with the methods of
/// [`List<TestRunsQuery>`](List#impl-List<TestRunsQuery>).
#[derive(Debug, Clone)]
pub struct TestRunsQuery {
    suite: TestSuite,
    build_id: Option<String>,
}

/// Test-run-list filters.
impl List<TestRunsQuery> {
    /// Only the runs of this build, by its UUID (`Build.id`, not its number).
    pub fn build_id(mut self, build_uuid: impl Into<String>) -> Self {
        self.query.build_id = Some(build_uuid.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for TestRunsQuery {}

impl ListQuery for TestRunsQuery {
    type Item = types::TestRun;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let s = &self.suite;
        let mut op = s
            .api()
            .list_test_runs()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(build_id) = &self.build_id {
            op = op.build_id(segment("the build UUID", build_id)?.to_owned());
        }
        at.send(op).await
    }
}

/// A run of a Test Engine suite: `suite.run(id)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct TestRun {
    suite: TestSuite,
    id: String,
}

impl TestRun {
    /// The run's UUID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the run.
    pub async fn get(&self) -> Result<types::TestRun> {
        let s = &self.suite;
        let op = s
            .api()
            .get_test_run()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .run_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The run's failed executions.
    pub fn failed_executions(&self) -> List<FailedExecutionsQuery> {
        List::new(
            FailedExecutionsQuery { run: self.clone() },
            self.suite.org.bk.per_page(),
        )
    }
}

/// A test of a Test Engine suite: `suite.test(id)`. Nothing is sent until a method is called.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
/// let test = bk.organization("acme").test_suite("jasmine").test("01867216-8478-7fde-a55a-0300f88bb49b");
/// test.add_labels(["flaky", "slow"]).await?;
/// test.skip().await?;
/// // … fix it …
/// test.enable().await?;
/// test.remove_labels(["flaky"]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Test {
    suite: TestSuite,
    id: String,
}

impl Test {
    /// The test's UUID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the test, with its metrics over the organization's default period (sent with
    /// `Buildkite-Version: 2026-08-01`, as [`TestSuite::tests`] is).
    pub async fn get(&self) -> Result<types::Test> {
        let s = &self.suite;
        let op = s
            .api()
            .get_test()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .test_id(&self.id)
            .buildkite_version(super::test_metrics::TEST_METRICS_VERSION);
        Ok(send(op).await?.into_inner())
    }

    /// Skips the test: the collectors skip it in later runs. Returns the test.
    pub async fn skip(&self) -> Result<types::Test> {
        let s = &self.suite;
        let op = s
            .api()
            .skip_test()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .test_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Mutes the test: it still runs, but its failures do not fail the build. Returns the
    /// test.
    pub async fn mute(&self) -> Result<types::Test> {
        let s = &self.suite;
        let op = s
            .api()
            .mute_test()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .test_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Enables a muted or skipped test again. Returns the test.
    pub async fn enable(&self) -> Result<types::Test> {
        let s = &self.suite;
        let op = s
            .api()
            .enable_test()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .test_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Adds labels to the test; returns the test. No label, or an empty one, fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn add_labels<S: Into<String>>(
        &self,
        labels: impl IntoIterator<Item = S>,
    ) -> Result<types::Test> {
        let body = label_change(types::TestLabelsOperator::Add, labels)?;
        let s = &self.suite;
        let op = s
            .api()
            .update_test_labels()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .test_id(&self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Removes labels from the test; returns the test. No label, or an empty one, fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn remove_labels<S: Into<String>>(
        &self,
        labels: impl IntoIterator<Item = S>,
    ) -> Result<types::Test> {
        let body = label_change(types::TestLabelsOperator::Remove, labels)?;
        let s = &self.suite;
        let op = s
            .api()
            .update_test_labels()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .test_id(&self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// The body of a label change: at least one label, none empty.
fn label_change<S: Into<String>>(
    operator: types::TestLabelsOperator,
    labels: impl IntoIterator<Item = S>,
) -> Result<types::UpdateTestLabelsRequest> {
    let labels: Vec<String> = labels.into_iter().map(Into::into).collect();
    if labels.is_empty() {
        return Err(crate::Error::invalid(
            "a label change needs at least one label",
        ));
    }
    for label in &labels {
        segment("a test label", label)?;
    }
    Ok(types::UpdateTestLabelsRequest { labels, operator })
}

/// A suite's flaky tests: `suite.flaky_tests()`. Set filters with the methods of
/// [`List<FlakyTestsQuery>`](List#impl-List<FlakyTestsQuery>).
#[derive(Debug, Clone)]
pub struct FlakyTestsQuery {
    suite: TestSuite,
    search: Option<String>,
    branch: Option<String>,
    period: Option<types::FlakyTestsPeriod>,
}

/// Flaky-test-list filters.
impl List<FlakyTestsQuery> {
    /// Only tests whose scope or name contains this text.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.query.search = Some(text.into());
        self
    }

    /// Only flakiness seen on this branch.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.query.branch = Some(branch.into());
        self
    }

    /// Only flakiness seen in this recent period.
    pub fn period(mut self, period: types::FlakyTestsPeriod) -> Self {
        self.query.period = Some(period);
        self
    }
}

impl crate::pagination::sealed::Sealed for FlakyTestsQuery {}

impl ListQuery for FlakyTestsQuery {
    type Item = types::FlakyTest;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let s = &self.suite;
        let mut op = s
            .api()
            .list_flaky_tests()
            .org_slug(&s.org.slug)
            .suite_slug(&s.slug)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(search) = &self.search {
            op = op.search(search.clone());
        }
        if let Some(branch) = &self.branch {
            op = op.branch(branch.clone());
        }
        if let Some(period) = &self.period {
            op = op.period(period.clone());
        }
        at.send(op).await
    }
}

simple_list!(
    /// A run's failed executions: `run.failed_executions()`.
    FailedExecutionsQuery { run: TestRun } => types::FailedExecution,
    |r| r
        .suite
        .api()
        .list_failed_executions()
        .org_slug(&r.suite.org.slug)
        .suite_slug(&r.suite.slug)
        .run_id(&r.id)
);

simple_list!(
    /// A suite's muted tests: `suite.muted_tests()`.
    MutedTestsQuery { suite: TestSuite } => types::Test,
    |s| s.api().list_muted_tests().org_slug(&s.org.slug).suite_slug(&s.slug)
);

simple_list!(
    /// A suite's skipped tests: `suite.skipped_tests()`.
    SkippedTestsQuery { suite: TestSuite } => types::Test,
    |s| s.api().list_skipped_tests().org_slug(&s.org.slug).suite_slug(&s.slug)
);
