//! Test Engine: an organization's test suites, their runs and tests, quarantine (skip, mute,
//! enable), labels and execution tags, and the tests of a build.
//!
//! Test Engine answers under `/v2/analytics/organizations/{org}/…` with the same token as the
//! rest of the API (scopes `read_suites` and `write_suites`).

use std::collections::BTreeMap;

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;
use kitelab_api::Timestamp;

use super::Organization;
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// The `Buildkite-Version` kitelab sends to `listTests` and `getTest`: the first version whose
/// answer carries each test's aggregated metrics (durations, reliability, counts) and which
/// takes a [`MetricsWindow`]. Without it Buildkite answers only `id` through `labels`.
pub const TEST_METRICS_VERSION: &str = "2026-08-01";

/// Test suites.
impl Organization {
    /// The organization's Test Engine suites (their API tokens left out unless
    /// [`show_api_token`](List::show_api_token) asks for them).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let suites: Vec<_> = bk.organization("acme").test_suites().stream().try_collect().await?;
    /// for suite in &suites {
    ///     println!("{} {:?}", suite.id, suite.slug);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn test_suites(&self) -> TestSuites {
        List::new(
            TestSuitesQuery {
                org: self.clone(),
                show_api_token: None,
            },
            self.bk.per_page(),
        )
    }

    /// A test suite, by slug: a handle, nothing is sent.
    pub fn test_suite(&self, slug: impl Into<String>) -> TestSuite {
        TestSuite {
            org: self.clone(),
            slug: slug.into(),
        }
    }

    /// Starts creating a test suite with its name and default branch (the branch its
    /// statistics default to).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let suite = bk
    ///     .organization("acme")
    ///     .create_test_suite("Jasmine", "main")
    ///     .emoji(":jasmine:")
    ///     .show_api_token(true)
    ///     .send()
    ///     .await?;
    /// // suite.api_token is what the test collectors upload with.
    /// # let _ = suite; Ok(()) }
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

    /// The tests that ran in a build, from every suite of the build the token can read, with
    /// metrics over the build's window (`listBuildTests`). `build_uuid` is the build's `id`
    /// (a UUID), not its number.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::types::TestState;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk.pipeline("acme", "web").build(42).get().await?;
    /// let flaky: Vec<_> = bk
    ///     .organization("acme")
    ///     .build_tests(build.id)
    ///     .labels(["flaky"])
    ///     .state(TestState::Enabled)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = flaky; Ok(()) }
    /// ```
    pub fn build_tests(&self, build_uuid: impl Into<String>) -> BuildTests {
        List::new(
            BuildTestsQuery {
                org: self.clone(),
                build: build_uuid.into(),
                filters: TestFilters::default(),
            },
            self.bk.per_page(),
        )
    }
}

/// A Test Engine suite: `org.test_suite(slug)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct TestSuite {
    org: Organization,
    slug: String,
}

impl TestSuite {
    /// The suite's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// Fetches the suite, without its API token.
    pub async fn get(&self) -> Result<types::TestSuite> {
        let op = self.api().get_test_suite().org_slug(&self.org.slug);
        Ok(send(op.suite_slug(&self.slug)).await?.into_inner())
    }

    /// Fetches the suite with its API token (`show_api_token=true`), the secret its test
    /// collectors upload with; it is a redacting [`SecretString`](crate::api::SecretString).
    pub async fn get_with_api_token(&self) -> Result<types::TestSuite> {
        let op = self.api().get_test_suite().org_slug(&self.org.slug);
        let op = op.suite_slug(&self.slug).show_api_token(true);
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
        let op = self.api().delete_test_suite().org_slug(&self.org.slug);
        send(op.suite_slug(&self.slug)).await?;
        Ok(())
    }

    /// The suite's runs, newest first.
    pub fn runs(&self) -> TestRuns {
        List::new(
            TestRunsQuery {
                suite: self.clone(),
                build_id: None,
            },
            self.org.bk.per_page(),
        )
    }

    /// A run of the suite, by id: a handle, nothing is sent.
    pub fn run(&self, id: impl Into<String>) -> TestRun {
        TestRun {
            suite: self.clone(),
            id: id.into(),
        }
    }

    /// The suite's tests, with their metrics (kitelab sends
    /// `Buildkite-Version:` [`TEST_METRICS_VERSION`]).
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::{SortOrder, TestSortBy};
    /// use kitelab::buildkite::MetricsWindow;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let least_reliable: Vec<_> = bk
    ///     .organization("acme")
    ///     .test_suite("jasmine")
    ///     .tests()
    ///     .branch("main")
    ///     .sort_by(TestSortBy::Reliability)
    ///     .order(SortOrder::Asc)
    ///     .window(MetricsWindow::Period("28days".into()))
    ///     .per_page(10)
    ///     .page(1)
    ///     .await?
    ///     .into_items();
    /// # let _ = least_reliable; Ok(()) }
    /// ```
    pub fn tests(&self) -> Tests {
        List::new(
            TestsQuery {
                suite: self.clone(),
                filters: TestFilters::default(),
                window: None,
            },
            self.org.bk.per_page(),
        )
    }

    /// A test of the suite, by id: a handle, nothing is sent.
    pub fn test(&self, id: impl Into<String>) -> Test {
        Test {
            suite: self.clone(),
            id: id.into(),
        }
    }

    /// Looks a test up by its scope and name, to learn its id (`findTest`).
    pub async fn find_test(&self, scope: &str, name: &str) -> Result<types::Test> {
        let body = types::FindTestRequest {
            name: segment("the test name", name)?.to_owned(),
            scope: segment("the test scope", scope)?.to_owned(),
        };
        let op = self.api().find_test().org_slug(&self.org.slug);
        Ok(send(op.suite_slug(&self.slug).body(body))
            .await?
            .into_inner())
    }

    /// The suite's muted tests (their failures are ignored), e.g. to configure a test runner.
    pub fn muted_tests(&self) -> MutedTests {
        List::new(
            MutedTestsQuery {
                suite: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// The suite's skipped tests, e.g. to configure a test runner to skip them.
    pub fn skipped_tests(&self) -> SkippedTests {
        List::new(
            SkippedTestsQuery {
                suite: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// The suite's flaky tests, from Buildkite's legacy endpoint (deprecated by Buildkite:
    /// prefer [`tests`](Self::tests) with `.labels(["flaky"])`, whose data matches Test
    /// Engine's interface).
    pub fn flaky_tests(&self) -> FlakyTests {
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

    /// Starts replacing the mutable tags (`mut.…`) of executions, in bulk; see
    /// [`UpdateExecutionTags`].
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// bk.organization("acme")
    ///     .test_suite("jasmine")
    ///     .update_execution_tags()
    ///     .execution("0190-…", [("mut.classification", "infrastructure")])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_execution_tags(&self) -> UpdateExecutionTags {
        UpdateExecutionTags {
            suite: self.clone(),
            executions: Vec::new(),
        }
    }
}

/// The settings a test suite is created and updated with, written once for both builders
/// (their bodies have the same optional fields).
macro_rules! suite_options {
    ($builder:ident) => {
        impl $builder {
            /// The application the suite tests.
            pub fn application_name(mut self, name: impl Into<String>) -> Self {
                self.body.application_name = Some(name.into());
                self
            }

            /// A color, as hex (`#FFE0F1`).
            pub fn color(mut self, color: impl Into<String>) -> Self {
                self.body.color = Some(color.into());
                self
            }

            /// An emoji, `:jasmine:` or a character.
            pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
                self.body.emoji = Some(emoji.into());
                self
            }

            /// The OIDC policy test collectors authenticate with, as Buildkite's JSON.
            pub fn oidc_policy(mut self, policy: serde_json::Value) -> Self {
                self.body.oidc_policy = Some(policy);
                self
            }

            /// Whether the answer carries the suite's API token.
            pub fn show_api_token(mut self, yes: bool) -> Self {
                self.body.show_api_token = Some(yes);
                self
            }
        }
    };
}

suite_options!(CreateTestSuite);
suite_options!(UpdateTestSuite);

/// Creates a test suite: [`Organization::create_test_suite`], options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateTestSuite {
    org: Organization,
    body: types::CreateTestSuiteRequest,
}

impl CreateTestSuite {
    /// The teams (UUIDs) the suite is added to; required when the organization has Teams
    /// enabled. Sent as `team_ids`, the spelling of the docs' example request (their property
    /// table says `teams_ids`).
    pub fn teams<S: Into<String>>(mut self, team_uuids: impl IntoIterator<Item = S>) -> Self {
        self.body
            .team_ids
            .extend(team_uuids.into_iter().map(Into::into));
        self
    }

    /// Creates the suite and returns it. An empty name or default branch fails with
    /// [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::TestSuite> {
        segment("the suite name", &self.body.name)?;
        segment("the default branch", &self.body.default_branch)?;
        let op = self
            .org
            .bk
            .api()
            .create_test_suite()
            .org_slug(&self.org.slug);
        Ok(send(op.body(self.body)).await?.into_inner())
    }
}

/// Updates a test suite: [`TestSuite::update`], the fields to change, then
/// [`send`](Self::send).
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

    /// The new default branch.
    pub fn default_branch(mut self, branch: impl Into<String>) -> Self {
        self.body.default_branch = Some(branch.into());
        self
    }

    /// Updates the suite and returns it.
    pub async fn send(self) -> Result<types::TestSuite> {
        let Self { suite, body } = self;
        let op = suite.api().update_test_suite().org_slug(&suite.org.slug);
        Ok(send(op.suite_slug(&suite.slug).body(body))
            .await?
            .into_inner())
    }
}

/// A run of a test suite: `suite.run(id)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct TestRun {
    suite: TestSuite,
    id: String,
}

impl TestRun {
    /// The run's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the run.
    pub async fn get(&self) -> Result<types::TestRun> {
        let op = self
            .suite
            .api()
            .get_test_run()
            .org_slug(&self.suite.org.slug);
        let op = op.suite_slug(&self.suite.slug).run_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The run's failed executions.
    pub fn failed_executions(&self) -> FailedExecutions {
        List::new(
            FailedExecutionsQuery { run: self.clone() },
            self.suite.org.bk.per_page(),
        )
    }
}

/// A test of a suite: `suite.test(id)`. Nothing is sent until a method is called.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
/// let test = bk.organization("acme").test_suite("jasmine").test("01867216-…");
/// test.add_labels(["flaky"]).await?;
/// test.mute().await?; // quarantine: its failures are ignored
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Test {
    suite: TestSuite,
    id: String,
}

impl Test {
    /// The test's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the test, with its metrics over Buildkite's default window (kitelab sends
    /// `Buildkite-Version:` [`TEST_METRICS_VERSION`]).
    pub async fn get(&self) -> Result<types::Test> {
        self.fetch(None).await
    }

    /// Fetches the test, with its metrics over `window`.
    pub async fn get_over(&self, window: MetricsWindow) -> Result<types::Test> {
        window.check()?;
        self.fetch(Some(window)).await
    }

    async fn fetch(&self, window: Option<MetricsWindow>) -> Result<types::Test> {
        let suite = &self.suite;
        let mut op = suite.api().get_test().org_slug(&suite.org.slug);
        op = op.suite_slug(&suite.slug).test_id(&self.id);
        op = op.buildkite_version(TEST_METRICS_VERSION);
        match window {
            None => {}
            Some(MetricsWindow::Period(period)) => op = op.period(period),
            Some(MetricsWindow::Between(from, to)) => op = op.min_timestamp(from).max_timestamp(to),
            Some(MetricsWindow::Since(from)) => op = op.min_timestamp(from),
        }
        Ok(send(op).await?.into_inner())
    }

    /// Adds labels to the test; returns the test.
    pub async fn add_labels<S: Into<String>>(
        &self,
        labels: impl IntoIterator<Item = S>,
    ) -> Result<types::Test> {
        self.labels(types::TestLabelsOperator::Add, labels).await
    }

    /// Removes labels from the test; returns the test.
    pub async fn remove_labels<S: Into<String>>(
        &self,
        labels: impl IntoIterator<Item = S>,
    ) -> Result<types::Test> {
        self.labels(types::TestLabelsOperator::Remove, labels).await
    }

    async fn labels<S: Into<String>>(
        &self,
        operator: types::TestLabelsOperator,
        labels: impl IntoIterator<Item = S>,
    ) -> Result<types::Test> {
        let labels: Vec<String> = labels.into_iter().map(Into::into).collect();
        if labels.is_empty() {
            return Err(Error::invalid("name at least one label"));
        }
        for label in &labels {
            segment("a test label", label)?;
        }
        let suite = &self.suite;
        let op = suite.api().update_test_labels().org_slug(&suite.org.slug);
        let op = op.suite_slug(&suite.slug).test_id(&self.id);
        let body = types::UpdateTestLabelsRequest { labels, operator };
        Ok(send(op.body(body)).await?.into_inner())
    }

    /// Skips the test (quarantine: test runners that read
    /// [`skipped_tests`](TestSuite::skipped_tests) leave it out); returns the test.
    /// Quarantine needs a Pro or Enterprise plan and test state management on the suite.
    pub async fn skip(&self) -> Result<types::Test> {
        let suite = &self.suite;
        let op = suite.api().skip_test().org_slug(&suite.org.slug);
        Ok(send(op.suite_slug(&suite.slug).test_id(&self.id))
            .await?
            .into_inner())
    }

    /// Mutes the test (quarantine: its failures are ignored); returns the test.
    pub async fn mute(&self) -> Result<types::Test> {
        let suite = &self.suite;
        let op = suite.api().mute_test().org_slug(&suite.org.slug);
        Ok(send(op.suite_slug(&suite.slug).test_id(&self.id))
            .await?
            .into_inner())
    }

    /// Returns a skipped or muted test to the enabled state; returns the test.
    pub async fn enable(&self) -> Result<types::Test> {
        let suite = &self.suite;
        let op = suite.api().enable_test().org_slug(&suite.org.slug);
        Ok(send(op.suite_slug(&suite.slug).test_id(&self.id))
            .await?
            .into_inner())
    }
}

/// The time range a test's metrics are aggregated over (`period`, or `min_timestamp` and
/// `max_timestamp`): [`Test::get_over`], the `window` filter of [`Tests`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricsWindow {
    /// A period before now, as Buildkite names it (`7days`, `28days`; which ones the
    /// organization may use depends on its plan).
    Period(String),
    /// From this time until now.
    Since(Timestamp),
    /// From the first time to the second.
    Between(Timestamp, Timestamp),
}

impl MetricsWindow {
    fn check(&self) -> Result<()> {
        match self {
            MetricsWindow::Period(period) => segment("the metrics period", period).map(drop),
            MetricsWindow::Between(from, to) if from > to => Err(Error::invalid(format!(
                "a metrics window ends ({to}) before it starts ({from})"
            ))),
            _ => Ok(()),
        }
    }
}

/// The filters Test Engine's test lists share ([`Tests`], [`BuildTests`]).
#[derive(Debug, Clone, Default)]
#[doc(hidden)]
pub struct TestFilters {
    labels: Vec<String>,
    branch: Option<String>,
    owners: Vec<String>,
    state: Option<types::TestState>,
    tags: Vec<String>,
    sort_by: Option<types::TestSortBy>,
    order: Option<types::SortOrder>,
}

/// A list of Test Engine tests: [`Tests`] and [`BuildTests`]. Its filters are written once,
/// on [`List`]; the trait is sealed.
pub trait TestList: ListQuery {
    #[doc(hidden)]
    fn filters(&mut self) -> &mut TestFilters;
}

impl TestFilters {
    /// The comma-joined wire values of `labels`, `owners` and `tags`; a value that holds a
    /// comma (or is blank) would be read as several, so it is refused.
    fn joined(&self) -> Result<[Option<String>; 3]> {
        let join = |what: &str, values: &[String]| -> Result<Option<String>> {
            for value in values {
                segment(what, value)?;
                if value.contains(',') {
                    return Err(Error::invalid(format!(
                        "{what} {value:?} holds a comma, which the list would read as two"
                    )));
                }
            }
            Ok((!values.is_empty()).then(|| values.join(",")))
        };
        Ok([
            join("a test label", &self.labels)?,
            join("a test owner", &self.owners)?,
            join("an execution tag", &self.tags)?,
        ])
    }
}

/// Test-list filters.
impl<Q: TestList> List<Q> {
    /// Only tests with these labels; a label starting with `!` excludes (`["flaky", "!slow"]`;
    /// wire: `labels`, comma-separated). Called again, it adds to the labels; a label with a
    /// comma fails the list with [`Error::InvalidInput`] before anything is sent (as for
    /// owners and tags).
    pub fn labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        let labels = labels.into_iter().map(Into::into);
        self.query.filters().labels.extend(labels);
        self
    }

    /// Only executions on this branch count; `!` negates, a trailing `*` matches a prefix
    /// (`staging-*`).
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.query.filters().branch = Some(branch.into());
        self
    }

    /// Only tests owned by these teams (slugs); `!` negates (wire: `owners`, comma-separated).
    /// Called again, it adds to them.
    pub fn owners<S: Into<String>>(mut self, owners: impl IntoIterator<Item = S>) -> Self {
        let owners = owners.into_iter().map(Into::into);
        self.query.filters().owners.extend(owners);
        self
    }

    /// Only tests in this state.
    pub fn state(mut self, state: types::TestState) -> Self {
        self.query.filters().state = Some(state);
        self
    }

    /// Only tests with executions tagged so, as `key:value`; `!` negates, `*` matches a prefix,
    /// and `result` also takes `~` (some execution) and `^` (every execution):
    /// `["result:~failed"]` (wire: `tags`, comma-separated).
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        let tags = tags.into_iter().map(Into::into);
        self.query.filters().tags.extend(tags);
        self
    }

    /// The metric to sort by (Buildkite's default: `duration_avg`).
    pub fn sort_by(mut self, metric: types::TestSortBy) -> Self {
        self.query.filters().sort_by = Some(metric);
        self
    }

    /// The sort direction (Buildkite's default: descending).
    pub fn order(mut self, order: types::SortOrder) -> Self {
        self.query.filters().order = Some(order);
        self
    }
}

/// The filter only a suite's test list has.
impl List<TestsQuery> {
    /// The time range the metrics are aggregated over (Buildkite's default: the
    /// organization's default period before now).
    pub fn window(mut self, window: MetricsWindow) -> Self {
        self.query.window = Some(window);
        self
    }
}

/// Sets the shared test-list filters on a generated `listTests` or `listBuildTests` builder
/// (two types with the same setters): `$f` is the [`TestFilters`], the three others its joined
/// `labels`, `owners` and `tags`. An expression; it returns nothing from its caller.
macro_rules! with_test_filters {
    ($op:expr, $f:expr, $labels:expr, $owners:expr, $tags:expr) => {{
        let (mut op, f) = ($op, $f);
        if let Some(v) = $labels {
            op = op.labels(v);
        }
        if let Some(v) = f.branch {
            op = op.branch(v);
        }
        if let Some(v) = $owners {
            op = op.owners(v);
        }
        if let Some(v) = f.state {
            op = op.state(v);
        }
        if let Some(v) = $tags {
            op = op.tags(v);
        }
        if let Some(v) = f.sort_by {
            op = op.sort_by(v);
        }
        if let Some(v) = f.order {
            op = op.order(v);
        }
        op
    }};
}

/// The organization's test suites: [`Organization::test_suites`].
#[derive(Debug, Clone)]
pub struct TestSuitesQuery {
    org: Organization,
    show_api_token: Option<bool>,
}

/// Test-suite list options.
impl List<TestSuitesQuery> {
    /// Whether each suite carries its API token.
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
            .org_slug(&self.org.slug);
        op = op.page(at.page()).per_page(at.per_page());
        if let Some(yes) = self.show_api_token {
            op = op.show_api_token(yes);
        }
        at.send(op).await
    }
}

/// A suite's runs: [`TestSuite::runs`].
#[derive(Debug, Clone)]
pub struct TestRunsQuery {
    suite: TestSuite,
    build_id: Option<String>,
}

/// Test-run filters.
impl List<TestRunsQuery> {
    /// Only the runs of this build, by its UUID (the build's `id`).
    pub fn build_id(mut self, build_uuid: impl Into<String>) -> Self {
        self.query.build_id = Some(build_uuid.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for TestRunsQuery {}

impl ListQuery for TestRunsQuery {
    type Item = types::TestRun;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let suite = &self.suite;
        let mut op = suite.api().list_test_runs().org_slug(&suite.org.slug);
        op = op
            .suite_slug(&suite.slug)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(build) = &self.build_id {
            op = op.build_id(segment("the build UUID", build)?.to_owned());
        }
        at.send(op).await
    }
}

/// A run's failed executions: [`TestRun::failed_executions`].
#[derive(Debug, Clone)]
pub struct FailedExecutionsQuery {
    run: TestRun,
}

impl crate::pagination::sealed::Sealed for FailedExecutionsQuery {}

impl ListQuery for FailedExecutionsQuery {
    type Item = types::FailedExecution;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let suite = &self.run.suite;
        let op = suite
            .api()
            .list_failed_executions()
            .org_slug(&suite.org.slug);
        let op = op.suite_slug(&suite.slug).run_id(&self.run.id);
        at.send(op.page(at.page()).per_page(at.per_page())).await
    }
}

/// A suite's tests: [`TestSuite::tests`].
#[derive(Debug, Clone)]
pub struct TestsQuery {
    suite: TestSuite,
    filters: TestFilters,
    window: Option<MetricsWindow>,
}

impl crate::pagination::sealed::Sealed for TestsQuery {}

impl TestList for TestsQuery {
    fn filters(&mut self) -> &mut TestFilters {
        &mut self.filters
    }
}

impl ListQuery for TestsQuery {
    type Item = types::Test;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        if let Some(window) = &self.window {
            window.check()?;
        }
        let [labels, owners, tags] = self.filters.joined()?;
        let (suite, f) = (&self.suite, self.filters);
        let mut op = suite.api().list_tests().org_slug(&suite.org.slug);
        op = op
            .suite_slug(&suite.slug)
            .page(at.page())
            .per_page(at.per_page());
        op = op.buildkite_version(TEST_METRICS_VERSION);
        op = with_test_filters!(op, f, labels, owners, tags);
        match self.window {
            None => {}
            Some(MetricsWindow::Period(period)) => op = op.period(period),
            Some(MetricsWindow::Since(from)) => op = op.min_timestamp(from),
            Some(MetricsWindow::Between(from, to)) => op = op.min_timestamp(from).max_timestamp(to),
        }
        at.send(op).await
    }
}

/// The tests of a build: [`Organization::build_tests`].
#[derive(Debug, Clone)]
pub struct BuildTestsQuery {
    org: Organization,
    build: String,
    filters: TestFilters,
}

impl crate::pagination::sealed::Sealed for BuildTestsQuery {}

impl TestList for BuildTestsQuery {
    fn filters(&mut self) -> &mut TestFilters {
        &mut self.filters
    }
}

impl ListQuery for BuildTestsQuery {
    type Item = types::Test;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let [labels, owners, tags] = self.filters.joined()?;
        let f = self.filters;
        let mut op = self
            .org
            .bk
            .api()
            .list_build_tests()
            .org_slug(&self.org.slug);
        op = op
            .build_id(&self.build)
            .page(at.page())
            .per_page(at.per_page());
        op = with_test_filters!(op, f, labels, owners, tags);
        at.send(op).await
    }
}

/// A suite's muted tests: [`TestSuite::muted_tests`].
#[derive(Debug, Clone)]
pub struct MutedTestsQuery {
    suite: TestSuite,
}

impl crate::pagination::sealed::Sealed for MutedTestsQuery {}

impl ListQuery for MutedTestsQuery {
    type Item = types::Test;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let suite = &self.suite;
        let op = suite.api().list_muted_tests().org_slug(&suite.org.slug);
        let op = op.suite_slug(&suite.slug);
        at.send(op.page(at.page()).per_page(at.per_page())).await
    }
}

/// A suite's skipped tests: [`TestSuite::skipped_tests`].
#[derive(Debug, Clone)]
pub struct SkippedTestsQuery {
    suite: TestSuite,
}

impl crate::pagination::sealed::Sealed for SkippedTestsQuery {}

impl ListQuery for SkippedTestsQuery {
    type Item = types::Test;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let suite = &self.suite;
        let op = suite.api().list_skipped_tests().org_slug(&suite.org.slug);
        let op = op.suite_slug(&suite.slug);
        at.send(op.page(at.page()).per_page(at.per_page())).await
    }
}

/// A suite's flaky tests, from the legacy endpoint: [`TestSuite::flaky_tests`].
#[derive(Debug, Clone)]
pub struct FlakyTestsQuery {
    suite: TestSuite,
    search: Option<String>,
    branch: Option<String>,
    period: Option<types::FlakyTestsPeriod>,
}

/// Flaky-test filters.
impl List<FlakyTestsQuery> {
    /// Only tests whose name or scope (or location, with the Ruby collector) contains this.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.query.search = Some(text.into());
        self
    }

    /// Only flakes detected on this branch.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.query.branch = Some(branch.into());
        self
    }

    /// The period flakes are counted over (Buildkite's default: `7days`).
    pub fn period(mut self, period: types::FlakyTestsPeriod) -> Self {
        self.query.period = Some(period);
        self
    }
}

impl crate::pagination::sealed::Sealed for FlakyTestsQuery {}

impl ListQuery for FlakyTestsQuery {
    type Item = types::FlakyTest;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let suite = &self.suite;
        let mut op = suite.api().list_flaky_tests().org_slug(&suite.org.slug);
        op = op
            .suite_slug(&suite.slug)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(v) = self.search {
            op = op.search(v);
        }
        if let Some(v) = self.branch {
            op = op.branch(v);
        }
        if let Some(v) = self.period {
            op = op.period(v);
        }
        at.send(op).await
    }
}

/// Replaces the mutable tags of executions in bulk: [`TestSuite::update_execution_tags`],
/// one [`execution`](Self::execution) per execution, then [`send`](Self::send).
///
/// Every mutable tag of each execution named is replaced by the ones given; an execution
/// given no tags loses them all. Buildkite allows 1 request a minute, 100,000 executions a
/// request and 10 mutable tags an execution by default.
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateExecutionTags {
    suite: TestSuite,
    executions: Vec<types::ExecutionTags>,
}

impl UpdateExecutionTags {
    /// The new mutable tags of one execution (by its UUID). Every key starts with `mut.`.
    pub fn execution<K: Into<String>, V: Into<String>>(
        mut self,
        id: impl Into<String>,
        tags: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let tags: BTreeMap<String, String> = tags
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.executions.push(types::ExecutionTags {
            id: id.into(),
            tags: tags.into_iter().collect(),
        });
        self
    }

    /// Replaces the tags. No execution (or more than 100,000), an empty execution id or a key that does not start
    /// with `mut.` fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<()> {
        let Self { suite, executions } = self;
        if executions.is_empty() || executions.len() > 100_000 {
            return Err(Error::invalid(format!(
                "an execution-tags update names 1 to 100000 executions, not {}",
                executions.len()
            )));
        }
        for execution in &executions {
            segment("the execution id", &execution.id)?;
            if let Some(key) = execution.tags.keys().find(|k| !k.starts_with("mut.")) {
                return Err(Error::invalid(format!(
                    "execution {}: the tag {key:?} is not mutable (keys start with `mut.`)",
                    execution.id
                )));
            }
        }
        let op = suite
            .api()
            .update_execution_tags()
            .org_slug(&suite.org.slug);
        let body = types::UpdateExecutionTagsRequest { executions };
        send(op.suite_slug(&suite.slug).body(body)).await?;
        Ok(())
    }
}

/// A list of test suites, `List<TestSuitesQuery>`: the methods below include its filters; read
/// it with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type TestSuites = List<TestSuitesQuery>;

/// A list of test runs, `List<TestRunsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type TestRuns = List<TestRunsQuery>;

/// A list of failed executions, `List<FailedExecutionsQuery>`; read it with
/// [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type FailedExecutions = List<FailedExecutionsQuery>;

/// A list of a suite's tests, `List<TestsQuery>`: the methods below include its filters; read
/// it with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Tests = List<TestsQuery>;

/// A list of a build's tests, `List<BuildTestsQuery>`: the methods below include its filters;
/// read it with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type BuildTests = List<BuildTestsQuery>;

/// A list of muted tests, `List<MutedTestsQuery>`; read it with [`stream`](List::stream),
/// [`pages`](List::pages) or [`page`](List::page).
pub type MutedTests = List<MutedTestsQuery>;

/// A list of skipped tests, `List<SkippedTestsQuery>`; read it with [`stream`](List::stream),
/// [`pages`](List::pages) or [`page`](List::page).
pub type SkippedTests = List<SkippedTestsQuery>;

/// A list of flaky tests, `List<FlakyTestsQuery>`: the methods below include its filters; read
/// it with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type FlakyTests = List<FlakyTestsQuery>;
