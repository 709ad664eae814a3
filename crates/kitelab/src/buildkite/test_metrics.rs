//! Test Engine tests with their metrics: a suite's tests over a time range, a build's tests, the
//! filters both lists share, and the mutable tags of executions.

use std::collections::BTreeMap;

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;
use kitelab_api::Timestamp;

use super::{Organization, TestSuite};
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// The Test Engine API version the suite-test list is read with: the first whose answer carries
/// the aggregated metrics of [`types::Test`] and takes the filters of [`TestFilters`].
pub(super) const TEST_METRICS_VERSION: &str = "2026-08-01";

/// The most executions one `updateExecutionTags` call takes by default.
const MAX_TAGGED_EXECUTIONS: usize = 100_000;

impl TestSuite {
    /// The suite's tests with their durations, reliability and execution counts, aggregated
    /// over the organization's default period or the one set with
    /// [`period`](List::period) or [`min_timestamp`](List::min_timestamp) /
    /// [`max_timestamp`](List::max_timestamp). Tests without executions in the range are
    /// left out. Sent with `Buildkite-Version: 2026-08-01`, the API version of these metrics
    /// and filters.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::types::{SortOrder, TestSortBy};
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let slowest: Vec<_> = bk
    ///     .organization("acme")
    ///     .test_suite("jasmine")
    ///     .tests()
    ///     .branch("main")
    ///     .labels(["!flaky"])
    ///     .period("7days")
    ///     .sort_by(TestSortBy::DurationAvg)
    ///     .order(SortOrder::Desc)
    ///     .max_items(10)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = slowest; Ok(()) }
    /// ```
    pub fn tests(&self) -> List<TestsQuery> {
        List::new(
            TestsQuery {
                suite: self.clone(),
                filters: TestFilters::default(),
                period: None,
                min_timestamp: None,
                max_timestamp: None,
            },
            self.org.bk.per_page(),
        )
    }

    /// Starts replacing the mutable tags (`mut.…`) of executions of the suite, in bulk: every
    /// mutable tag of each execution listed is replaced by the ones given (none removes them
    /// all).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// bk.organization("acme")
    ///     .test_suite("jasmine")
    ///     .update_execution_tags()
    ///     .execution("60f0e64c-ae4b-870e-b41f-5431205caf06", [("mut.classification", "infra")])
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

impl Organization {
    /// The tests that ran in a build, by the build's UUID (`Build.id`, not its number), from
    /// every Test Engine suite of the build the token can read, with metrics aggregated over
    /// the build's window.
    pub fn build_tests(&self, build_uuid: impl Into<String>) -> List<BuildTestsQuery> {
        List::new(
            BuildTestsQuery {
                org: self.clone(),
                build_id: build_uuid.into(),
                filters: TestFilters::default(),
            },
            self.bk.per_page(),
        )
    }
}

/// The filters a suite's and a build's test lists share.
#[derive(Debug, Clone, Default)]
struct TestFilters {
    labels: Vec<String>,
    branch: Option<String>,
    owners: Vec<String>,
    state: Option<types::TestState>,
    tags: Vec<String>,
    sort_by: Option<types::TestSortBy>,
    order: Option<types::SortOrder>,
}

impl TestFilters {
    /// The comma-separated wire value of a multi-value filter: none empty or with a comma.
    fn joined(what: &str, values: &[String]) -> Result<Option<String>> {
        for value in values {
            if value.trim().is_empty() || value.contains(',') {
                return Err(Error::invalid(format!(
                    "{what} is neither empty nor has a comma, not {value:?}"
                )));
            }
        }
        Ok((!values.is_empty()).then(|| values.join(",")))
    }
}

/// The setters of [`TestFilters`], on a test list whose query has a `filters` field.
macro_rules! test_filters {
    ($query:ident) => {
        /// Test-list filters.
        impl List<$query> {
            /// Only tests with these labels; a label starting with `!` excludes
            /// (`["flaky", "!slow"]`). Sent as one comma-separated `labels`.
            pub fn labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
                self.query
                    .filters
                    .labels
                    .extend(labels.into_iter().map(Into::into));
                self
            }

            /// Only executions on this branch; `!` excludes it, a trailing `*` matches a
            /// prefix (`staging-*`).
            pub fn branch(mut self, branch: impl Into<String>) -> Self {
                self.query.filters.branch = Some(branch.into());
                self
            }

            /// Only tests owned by these teams (their slugs); `!` excludes. Sent as one
            /// comma-separated `owners`.
            pub fn owners<S: Into<String>>(mut self, owners: impl IntoIterator<Item = S>) -> Self {
                self.query
                    .filters
                    .owners
                    .extend(owners.into_iter().map(Into::into));
                self
            }

            /// Only tests in this state: enabled, muted or skipped.
            pub fn state(mut self, state: types::TestState) -> Self {
                self.query.filters.state = Some(state);
                self
            }

            /// Only executions with these tags, each `key:value` (`!` excludes, `*` matches a
            /// prefix; `result:~failed` is at least one failed execution). Sent as one
            /// comma-separated `tags`.
            pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
                self.query
                    .filters
                    .tags
                    .extend(tags.into_iter().map(Into::into));
                self
            }

            /// The metric to sort by (Buildkite's default: average duration).
            pub fn sort_by(mut self, metric: types::TestSortBy) -> Self {
                self.query.filters.sort_by = Some(metric);
                self
            }

            /// The sort direction (Buildkite's default: descending).
            pub fn order(mut self, order: types::SortOrder) -> Self {
                self.query.filters.order = Some(order);
                self
            }
        }
    };
}

/// Applies [`TestFilters`] to one of the generated test-list builders.
macro_rules! filtered {
    ($op:expr, $f:expr) => {{
        let f = $f;
        let mut op = $op;
        if let Some(labels) = TestFilters::joined("a test label", &f.labels)? {
            op = op.labels(labels);
        }
        if let Some(branch) = &f.branch {
            op = op.branch(segment("the branch", branch)?.to_owned());
        }
        if let Some(owners) = TestFilters::joined("a test owner", &f.owners)? {
            op = op.owners(owners);
        }
        if let Some(state) = &f.state {
            op = op.state(state.clone());
        }
        if let Some(tags) = TestFilters::joined("an execution tag", &f.tags)? {
            op = op.tags(tags);
        }
        if let Some(sort_by) = &f.sort_by {
            op = op.sort_by(sort_by.clone());
        }
        if let Some(order) = &f.order {
            op = op.order(order.clone());
        }
        op
    }};
}

/// A suite's tests with their metrics: `suite.tests()`. Set filters with the methods of
/// [`List<TestsQuery>`](List#impl-List<TestsQuery>).
#[derive(Debug, Clone)]
pub struct TestsQuery {
    suite: TestSuite,
    filters: TestFilters,
    period: Option<String>,
    min_timestamp: Option<Timestamp>,
    max_timestamp: Option<Timestamp>,
}

test_filters!(TestsQuery);

/// The time range of a suite's test metrics.
impl List<TestsQuery> {
    /// Aggregates over this period before now (`7days`, `28days`; which ones depends on the
    /// organization's plan). Not with [`min_timestamp`](Self::min_timestamp) or
    /// [`max_timestamp`](Self::max_timestamp).
    pub fn period(mut self, period: impl Into<String>) -> Self {
        self.query.period = Some(period.into());
        self
    }

    /// Aggregates from this time on (default: the organization's default period before now).
    pub fn min_timestamp(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.min_timestamp = Some(time.into());
        self
    }

    /// Aggregates up to this time (default: now).
    pub fn max_timestamp(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.max_timestamp = Some(time.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for TestsQuery {}

impl ListQuery for TestsQuery {
    type Item = types::Test;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        if self.period.is_some() && (self.min_timestamp.is_some() || self.max_timestamp.is_some()) {
            return Err(Error::invalid(
                "a test-metrics range is a period or timestamps, not both",
            ));
        }
        let s = &self.suite;
        let op = s
            .org
            .bk
            .api()
            .list_tests()
            .org_slug(&s.org.slug)
            .suite_slug(s.slug())
            .buildkite_version(TEST_METRICS_VERSION)
            .page(at.page())
            .per_page(at.per_page());
        let mut op = filtered!(op, &self.filters);
        if let Some(period) = &self.period {
            op = op.period(segment("the period", period)?.to_owned());
        }
        if let Some(time) = &self.min_timestamp {
            op = op.min_timestamp(*time);
        }
        if let Some(time) = &self.max_timestamp {
            op = op.max_timestamp(*time);
        }
        at.send(op).await
    }
}

/// The tests of a build: `org.build_tests(build_uuid)`. Set filters with the methods of
/// [`List<BuildTestsQuery>`](List#impl-List<BuildTestsQuery>).
#[derive(Debug, Clone)]
pub struct BuildTestsQuery {
    org: Organization,
    build_id: String,
    filters: TestFilters,
}

test_filters!(BuildTestsQuery);

impl crate::pagination::sealed::Sealed for BuildTestsQuery {}

impl ListQuery for BuildTestsQuery {
    type Item = types::Test;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let op = self
            .org
            .bk
            .api()
            .list_build_tests()
            .org_slug(&self.org.slug)
            .build_id(&self.build_id)
            .page(at.page())
            .per_page(at.per_page());
        at.send(filtered!(op, &self.filters)).await
    }
}

/// Replaces the mutable tags of executions: `suite.update_execution_tags()`, executions, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateExecutionTags {
    suite: TestSuite,
    executions: Vec<types::ExecutionTags>,
}

impl UpdateExecutionTags {
    /// An execution (by UUID) and its new mutable tags, each key starting with `mut.`
    /// (`mut.classification`); none removes them all.
    pub fn execution<K: Into<String>, V: Into<String>>(
        mut self,
        execution_id: impl Into<String>,
        tags: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.executions.push(types::ExecutionTags {
            id: execution_id.into(),
            tags: tags
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect::<BTreeMap<_, _>>(),
        });
        self
    }

    /// Replaces the tags. No execution, more than 100,000, an empty execution id or a key
    /// without the `mut.` prefix fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<()> {
        if self.executions.is_empty() || self.executions.len() > MAX_TAGGED_EXECUTIONS {
            return Err(Error::invalid(format!(
                "an execution-tag update takes 1 to {MAX_TAGGED_EXECUTIONS} executions, not {}",
                self.executions.len()
            )));
        }
        for execution in &self.executions {
            segment("the execution id", &execution.id)?;
            if let Some(key) = execution.tags.keys().find(|k| !k.starts_with("mut.")) {
                return Err(Error::invalid(format!(
                    "a mutable tag's key starts with `mut.`, not {key:?}"
                )));
            }
        }
        let s = &self.suite;
        let op = s
            .org
            .bk
            .api()
            .update_execution_tags()
            .org_slug(&s.org.slug)
            .suite_slug(s.slug())
            .body(types::UpdateExecutionTagsRequest {
                executions: self.executions,
            });
        send(op).await?;
        Ok(())
    }
}
