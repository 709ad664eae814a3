//! Pagination: every list is a [`List`], read lazily as a stream of items or of [`Page`]s.
//!
//! One engine serves every kind of list: page-numbered (Buildkite `page`, GitLab offset), and
//! lists whose next page is named by a link (Buildkite cursors, GitLab keyset). Its rules:
//!
//! - **Lazy.** Nothing is sent until the stream is polled, and then only the page the reader
//!   needs next: no page is fetched ahead unless [`List::concurrency`] asks for it.
//! - **Never depends on totals.** The next page is found from `X-Next-Page` or the `Link`
//!   header's `rel="next"` (or a cursor list's body); a list ends when there is none, or at the
//!   first empty page. GitLab omits totals above 10,000 rows, and always for project jobs.
//! - **Bounded concurrency.** With `concurrency(n)`, once a full first page says there is a
//!   next one, up to `n` later pages of a page-numbered list are fetched at once, in order,
//!   without asking for totals; no new page is started after a short page, and the list stops
//!   at the first empty one, so at most `n` requests are ever in flight beyond the last page
//!   that held items. A list paged by links cannot know its next page before reading the
//!   current one: there `concurrency(n > 1)` fails with [`Error::InvalidInput`].
//! - **Always ends.** A service that names, as the next page, a page or cursor the list has
//!   already requested would make it run forever: the list ends with
//!   [`Error::UnexpectedResponse`] naming the operation.
//! - **The same from every reader.** [`List::stream`] yields the items; [`List::pages`] yields
//!   every page that holds items, and for an empty list its one empty first page (with its
//!   headers); [`List::page`] fetches one page by number.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use kitelab::buildkite::BuildState;
//!
//! # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
//! let running: Vec<_> = bk
//!     .pipeline("acme", "web")
//!     .builds()
//!     .state([BuildState::Running, BuildState::Scheduled])
//!     .max_items(500)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```

use std::fmt;

use futures_util::future;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use url::Url;

use std::collections::HashSet;

use futures_util::stream::FuturesOrdered;
use reqwest::StatusCode;

use crate::{Error, Operation, Result};

/// The largest page either service serves.
pub const MAX_PER_PAGE: u32 = 100;

/// One page of a list, with the response headers that came with it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    items: Vec<T>,
    number: Option<u32>,
    headers: HeaderMap,
    links: Links,
    operation: &'static Operation,
    status: StatusCode,
}

impl<T> Page<T> {
    pub(crate) fn new(
        items: Vec<T>,
        number: Option<u32>,
        headers: HeaderMap,
        operation: &'static Operation,
        status: StatusCode,
    ) -> Self {
        let links = headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .fold(Links::default(), |mut links, value| {
                links.merge(Links::parse(value));
                links
            });
        Self {
            items,
            number,
            headers,
            links,
            operation,
            status,
        }
    }

    /// The operation that fetched this page.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The items of this page.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The items, owned.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// This page's number, for page-numbered lists.
    pub fn number(&self) -> Option<u32> {
        self.number
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The links of the `Link` header.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The next page's number: GitLab's `X-Next-Page`, else the `page` of the `next` link.
    pub fn next_page(&self) -> Option<u32> {
        // GitLab sends an empty `X-Next-Page` on the last page: present means authoritative.
        match self.headers.get("x-next-page") {
            Some(value) => value.to_str().ok().and_then(|v| v.trim().parse().ok()),
            None => self
                .links
                .next
                .as_ref()
                .and_then(|u| query_value(u, "page"))
                .and_then(|p| p.parse().ok()),
        }
    }

    /// The last page's number, when the service says (`X-Total-Pages` or the `last` link).
    pub fn last_page(&self) -> Option<u32> {
        self.header("x-total-pages")
            .and_then(|v| v.parse().ok())
            .or_else(|| {
                self.links
                    .last
                    .as_ref()
                    .and_then(|u| query_value(u, "page"))
                    .and_then(|p| p.parse().ok())
            })
    }

    /// GitLab's `X-Total`, when sent. Do not depend on it: GitLab omits it above 10,000 rows.
    pub fn total(&self) -> Option<u64> {
        self.header("x-total").and_then(|v| v.parse().ok())
    }

    /// Whether there is a next page.
    pub fn has_next(&self) -> bool {
        self.next_page().is_some() || self.links.next.is_some()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// The links of a `Link` header (RFC 8288): `<url>; rel="next", <url>; rel="last"`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `rel="next"`.
    pub next: Option<Url>,
    /// `rel="prev"`.
    pub prev: Option<Url>,
    /// `rel="first"`.
    pub first: Option<Url>,
    /// `rel="last"`.
    pub last: Option<Url>,
}

impl fmt::Debug for Links {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Links can carry credentials (Buildkite's docs show `api_key=` in them).
        let show = |u: &Option<Url>| u.as_ref().map(kitelab_api::redact_url);
        f.debug_struct("Links")
            .field("next", &show(&self.next))
            .field("prev", &show(&self.prev))
            .field("first", &show(&self.first))
            .field("last", &show(&self.last))
            .finish()
    }
}

impl Links {
    /// Parses one `Link` header value. Malformed entries are skipped; it never fails.
    ///
    /// ```
    /// let links = kitelab::Links::parse(
    ///     r#"<https://api.buildkite.com/v2/builds?page=3>; rel="next", <https://api.buildkite.com/v2/builds?page=6>; rel="last""#,
    /// );
    /// assert_eq!(links.next.unwrap().query(), Some("page=3"));
    /// assert_eq!(links.last.unwrap().query(), Some("page=6"));
    /// ```
    pub fn parse(value: &str) -> Links {
        let mut links = Links::default();
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|i| open + i) else {
                break;
            };
            let target = &rest[open + 1..close];
            // The parameters run to the next link, which starts at the next '<'.
            let params_end = rest[close..]
                .find('<')
                .map(|i| close + i)
                .unwrap_or(rest.len());
            let params = &rest[close + 1..params_end];
            if let Ok(url) = Url::parse(target.trim()) {
                for rel in rel_values(params) {
                    let slot = match rel.as_str() {
                        "next" => &mut links.next,
                        "prev" | "previous" => &mut links.prev,
                        "first" => &mut links.first,
                        "last" => &mut links.last,
                        _ => continue,
                    };
                    slot.get_or_insert_with(|| url.clone());
                }
            }
            rest = &rest[params_end..];
        }
        links
    }

    fn merge(&mut self, other: Links) {
        self.next = self.next.take().or(other.next);
        self.prev = self.prev.take().or(other.prev);
        self.first = self.first.take().or(other.first);
        self.last = self.last.take().or(other.last);
    }
}

/// The values of `rel` in a link's parameters (`; rel="next last"` has two).
fn rel_values(params: &str) -> Vec<String> {
    params
        .split(';')
        .filter_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.trim().eq_ignore_ascii_case("rel").then(|| {
                value
                    .trim()
                    .trim_matches('"')
                    .trim_end_matches(',')
                    .trim_matches('"')
            })
        })
        .flat_map(|v| {
            v.split_whitespace()
                .map(|r| r.to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn query_value(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Which page to fetch (internal to [`ListQuery`]).
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageRequest {
    /// A page number (page-numbered lists).
    Number(u32),
    /// The query of a `next` link (keyset and cursor lists): the fetcher passes on the
    /// parameters its operation declares.
    Link(Vec<(String, String)>),
}

/// Which page a [`ListQuery`] fetch reads, and how big it is (internal to [`ListQuery`]).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct PageAt {
    request: PageRequest,
    per_page: u32,
}

impl PageAt {
    pub(crate) fn new(request: PageRequest, per_page: u32) -> Self {
        Self { request, per_page }
    }

    /// Which page.
    #[cfg(feature = "gitlab")]
    pub(crate) fn request(&self) -> &PageRequest {
        &self.request
    }

    /// The page number (1 for a page named by a link).
    pub(crate) fn number(&self) -> u32 {
        match self.request {
            PageRequest::Number(n) => n,
            PageRequest::Link(_) => 1,
        }
    }

    /// The page number, as the generated builders take it.
    pub(crate) fn page(&self) -> std::num::NonZeroU32 {
        non_zero(self.number())
    }

    /// The page size, as the generated builders take it (the list has checked it is 1..=100).
    pub(crate) fn per_page(&self) -> std::num::NonZeroU32 {
        non_zero(self.per_page)
    }

    /// The value of `key` in the query of the link naming this page.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        match &self.request {
            PageRequest::Link(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            PageRequest::Number(_) => None,
        }
    }

    /// Sends `request`, a generated list operation, and makes its answer this page.
    pub(crate) async fn send<R, T>(&self, request: R) -> Result<Page<T>>
    where
        R: kitelab_api::Request<Output = Vec<T>>,
    {
        let response = crate::send(request).await?;
        Ok(self.page_of(R::OPERATION, response))
    }

    /// Sends `request`, a generated operation whose answer is the whole list at once (the
    /// service does not paginate it): page 1 holds every item, and a later page is empty
    /// without a request.
    pub(crate) async fn send_whole<R, T>(&self, request: R) -> Result<Page<T>>
    where
        R: kitelab_api::Request<Output = Vec<T>>,
    {
        if self.number() > 1 {
            return Ok(Page::new(
                Vec::new(),
                Some(self.number()),
                HeaderMap::new(),
                R::OPERATION,
                StatusCode::OK,
            ));
        }
        self.send(request).await
    }

    /// Sends `request`, a generated operation of a cursor list
    /// (`{"items": [...], "links": {"next": ...}}`), with `split` taking the items and the next
    /// link out of the body; a `Link` header's `next` wins over the body's.
    #[cfg(feature = "buildkite")]
    pub(crate) async fn send_cursor<R, T>(
        &self,
        request: R,
        split: impl FnOnce(R::Output) -> (Vec<T>, Option<String>),
    ) -> Result<Page<T>>
    where
        R: kitelab_api::Request,
    {
        let response = crate::send(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let (items, next) = split(response.into_inner());
        let mut page = Page::new(items, None, headers, R::OPERATION, status);
        if page.links.next.is_none() {
            page.links.next = next.and_then(|n| Url::parse(&n).ok());
        }
        Ok(page)
    }

    fn page_of<T>(
        &self,
        operation: &'static Operation,
        response: kitelab_api::ResponseValue<Vec<T>>,
    ) -> Page<T> {
        let number = match self.request {
            PageRequest::Number(n) => Some(n),
            PageRequest::Link(_) => None,
        };
        let status = response.status();
        let headers = response.headers().clone();
        Page::new(response.into_inner(), number, headers, operation, status)
    }
}

/// What a resource implements to be listed: fetch one page. The engine clones the query for
/// each page it reads. Not implementable outside kitelab.
pub trait ListQuery: Clone + Send + Sync + 'static + sealed::Sealed {
    /// The item type.
    type Item: Send + 'static;

    #[doc(hidden)]
    fn fetch(
        self,
        at: PageAt,
    ) -> impl std::future::Future<Output = Result<Page<Self::Item>>> + Send + 'static;

    #[doc(hidden)]
    /// Whether the next page is named by a link (keyset/cursor) rather than a number.
    fn follows_links(&self) -> bool {
        false
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A list of a resource: set filters, then read it with [`stream`](List::stream),
/// [`pages`](List::pages) or [`page`](List::page). See the [module](self) for the rules every
/// list follows.
#[must_use = "a list does nothing until it is streamed"]
#[derive(Clone)]
pub struct List<Q: ListQuery> {
    pub(crate) query: Q,
    per_page: Option<u32>,
    default_per_page: u32,
    max_items: Option<usize>,
    concurrency: usize,
    first_page: u32,
}

impl<Q: ListQuery + fmt::Debug> fmt::Debug for List<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("List")
            .field("query", &self.query)
            .field("per_page", &self.per_page.unwrap_or(self.default_per_page))
            .field("max_items", &self.max_items)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl<Q: ListQuery> List<Q> {
    pub(crate) fn new(query: Q, default_per_page: u32) -> Self {
        Self {
            query,
            per_page: None,
            default_per_page,
            max_items: None,
            concurrency: 1,
            first_page: 1,
        }
    }

    /// Items per page, 1 to 100 (default: the client's page size, itself 100 by default). Out of
    /// range fails with [`Error::InvalidInput`] before anything is sent.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Stop after this many items, fetching no page beyond them.
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.max_items = Some(max_items);
        self
    }

    /// Fetch up to `n` pages at once (default 1, one at a time). Pages are started only after a
    /// full first page says there is a next one, no new page is started after a short page,
    /// and the list ends at the first empty page: at most `n` requests are in flight beyond
    /// the last page that held items, whatever totals the service claims. Items still come in
    /// order. Only page-numbered lists can do this: on a list paged by cursor or keyset, `n > 1`
    /// fails with [`Error::InvalidInput`] when the list is read.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Start at this page number instead of the first (page-numbered lists).
    pub fn start_page(mut self, page: u32) -> Self {
        self.first_page = page.max(1);
        self
    }

    /// One page, by number: page-numbered lists, or page 1 of any list. An empty page is a
    /// page, not an error.
    pub async fn page(self, number: u32) -> Result<Page<Q::Item>> {
        let per_page = self.checked_per_page()?;
        if number == 0 {
            return Err(Error::invalid("page numbers start at 1"));
        }
        if number > 1 && self.query.follows_links() {
            return Err(Error::invalid(
                "this list is paged by cursor, not by number: read it with .pages() or .stream()",
            ));
        }
        self.query
            .fetch(PageAt::new(PageRequest::Number(number), per_page))
            .await
    }

    /// The items, lazily, page after page.
    pub fn stream(self) -> BoxStream<'static, Result<Q::Item>> {
        let max_items = self.max_items;
        let items = self
            .pages()
            .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
            .try_flatten();
        match max_items {
            Some(n) => items.take(n).boxed(),
            None => items.boxed(),
        }
    }

    /// The pages, lazily: every page that holds items, or for an empty list its one (empty)
    /// first page.
    pub fn pages(self) -> BoxStream<'static, Result<Page<Q::Item>>> {
        match self.engine() {
            Ok(Some(engine)) => stream::unfold(engine, Engine::next).boxed(),
            Ok(None) => stream::empty().boxed(),
            Err(e) => stream::once(future::ready(Err(e))).boxed(),
        }
    }

    /// The engine for this list, checked; `None` when it asks for no item at all.
    fn engine(self) -> Result<Option<Engine<Q>>> {
        let per_page = self.checked_per_page()?;
        let follows_links = self.query.follows_links();
        if follows_links && self.concurrency > 1 {
            return Err(Error::invalid(format!(
                "concurrency({}) cannot apply to this list: it is paged by cursor, and each \
                 page names the next only when it arrives",
                self.concurrency
            )));
        }
        if follows_links && self.first_page > 1 {
            return Err(Error::invalid(
                "start_page cannot apply to this list: it is paged by cursor, not by number",
            ));
        }
        if self.max_items == Some(0) {
            return Ok(None);
        }
        Ok(Some(Engine {
            query: self.query,
            per_page,
            concurrency: self.concurrency,
            budget: self
                .max_items
                .map(|n| u32::try_from(n.div_ceil(per_page as usize)).unwrap_or(u32::MAX)),
            started: 0,
            requested: HashSet::new(),
            in_flight: FuturesOrdered::new(),
            next: Some((PageRequest::Number(self.first_page), self.first_page)),
            speculate_from: None,
            last: None,
            yielded: false,
            failed: None,
        }))
    }

    fn checked_per_page(&self) -> Result<u32> {
        let per_page = self.per_page.unwrap_or(self.default_per_page);
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(Error::invalid(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}"
            )));
        }
        Ok(per_page)
    }
}

/// A page fetch under way, with the request and number it was started for.
type Fetch<T> = future::BoxFuture<'static, (PageRequest, u32, Result<Page<T>>)>;

/// The state of one reading of a list.
struct Engine<Q: ListQuery> {
    query: Q,
    per_page: u32,
    concurrency: usize,
    /// How many pages `max_items` needs, when set.
    budget: Option<u32>,
    /// How many page fetches were started.
    started: u32,
    /// Every page requested so far: a next page among them is a cycle.
    requested: HashSet<PageRequest>,
    /// Fetches under way, in page order.
    in_flight: FuturesOrdered<Fetch<Q::Item>>,
    /// The page to fetch next when nothing is in flight, with its number.
    next: Option<(PageRequest, u32)>,
    /// With concurrency: the number of the next page to start speculatively.
    speculate_from: Option<u32>,
    /// The last page, when a page said (`X-Total-Pages`, `rel="last"`): speculation never
    /// goes past it. Only ever a bound: a list does not depend on it to end.
    last: Option<u32>,
    /// Whether a page has been yielded.
    yielded: bool,
    /// An error to yield after the page that caused it.
    failed: Option<Error>,
}

impl<Q: ListQuery> Engine<Q> {
    fn within_budget(&self) -> bool {
        self.budget.is_none_or(|b| self.started < b)
    }

    /// Starts fetching `request` (page `number`), unless the budget is spent.
    fn start(&mut self, request: PageRequest, number: u32) {
        if !self.within_budget() {
            return;
        }
        self.started += 1;
        self.requested.insert(request.clone());
        let fetch = self
            .query
            .clone()
            .fetch(PageAt::new(request.clone(), self.per_page));
        self.in_flight
            .push_back(Box::pin(async move { (request, number, fetch.await) }));
    }

    /// Keeps `concurrency` speculative page fetches in flight.
    fn speculate(&mut self) {
        while let Some(number) = self.speculate_from {
            if self.in_flight.len() >= self.concurrency || !self.within_budget() {
                break;
            }
            if self.last.is_some_and(|last| number > last) {
                self.speculate_from = None;
                break;
            }
            self.start(PageRequest::Number(number), number);
            self.speculate_from = number.checked_add(1);
        }
    }

    /// The next page of the list, or its end.
    async fn next(mut self) -> Option<(Result<Page<Q::Item>>, Self)> {
        if let Some(error) = self.failed.take() {
            self.next = None;
            self.in_flight = FuturesOrdered::new();
            return Some((Err(error), self));
        }
        if self.in_flight.is_empty() {
            let (request, number) = self.next.take()?;
            self.start(request, number);
        }
        let (request, number, outcome) = self.in_flight.next().await?;
        let page = match outcome {
            Ok(page) => page,
            Err(error) => {
                self.next = None;
                self.speculate_from = None;
                self.in_flight = FuturesOrdered::new();
                return Some((Err(error), self));
            }
        };
        if page.items.is_empty() {
            // An empty page ends the list, whatever its links say; the first one is yielded,
            // so that an empty list still shows its headers.
            self.next = None;
            self.speculate_from = None;
            self.in_flight = FuturesOrdered::new();
            if self.yielded {
                return None;
            }
            self.yielded = true;
            return Some((Ok(page), self));
        }
        self.yielded = true;
        if let Some(last) = page.last_page() {
            self.last = Some(self.last.map_or(last, |known| known.min(last)));
        }
        match next_request(&page, &request, number, self.query.follows_links()) {
            None => {
                self.next = None;
                self.speculate_from = None;
                self.in_flight = FuturesOrdered::new();
            }
            // Already in flight, as the speculation expected.
            Some(PageRequest::Number(n))
                if n == number.saturating_add(1)
                    && self.requested.contains(&PageRequest::Number(n)) =>
            {
                if page.items.len() < self.per_page as usize {
                    // A short page is the last, or nearly: start nothing more.
                    self.speculate_from = None;
                }
            }
            Some(next) if self.requested.contains(&next) => {
                let shown = match &next {
                    PageRequest::Number(n) => format!("page {n}"),
                    PageRequest::Link(_) => page
                        .links
                        .next
                        .as_ref()
                        .map(|u| format!("`{}`", kitelab_api::redact_url(u)))
                        .unwrap_or_else(|| "a page".to_owned()),
                };
                self.failed = Some(Error::page_cycle(
                    page.operation,
                    page.status,
                    request_id(&page.headers),
                    shown,
                ));
            }
            Some(next) => {
                // Not the page speculation started: go on from the one the service named.
                self.speculate_from = None;
                self.in_flight = FuturesOrdered::new();
                let next_number = match next {
                    PageRequest::Number(n) => n,
                    PageRequest::Link(_) => number.saturating_add(1),
                };
                let full = page.items.len() >= self.per_page as usize;
                match next {
                    PageRequest::Number(n) if self.concurrency > 1 && full => {
                        self.speculate_from = Some(n);
                    }
                    next => self.next = Some((next, next_number)),
                }
            }
        }
        self.speculate();
        Some((Ok(page), self))
    }
}

/// The service's request id of an answer.
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Defines a list whose fetch is one generated operation on a handle, page by page:
/// `simple_list!(/// docs  TriggersQuery { project: Project } => types::Trigger,
/// |p| <the generated builder, from handle `p`>)`. The builder expression names the operation
/// and sets its path: it has no `?` (the generated code checks the path parameters).
macro_rules! simple_list {
    ($(#[$doc:meta])* $query:ident { $field:ident: $handle:ty } => $item:ty, |$q:ident| $op:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $query {
            $field: $handle,
        }

        impl $crate::pagination::sealed::Sealed for $query {}

        impl $crate::pagination::ListQuery for $query {
            type Item = $item;

            async fn fetch(
                self,
                at: $crate::pagination::PageAt,
            ) -> $crate::Result<$crate::Page<Self::Item>> {
                let $q = &self.$field;
                at.send($op.page(at.page()).per_page(at.per_page())).await
            }
        }
    };
}
pub(crate) use simple_list;

/// A list the service answers whole, in one unpaginated response: page 1 holds every item
/// (`per_page` does not apply). Written as [`simple_list!`] is.
#[cfg(feature = "buildkite")]
macro_rules! whole_list {
    ($(#[$doc:meta])* $query:ident { $field:ident: $handle:ty } => $item:ty, |$q:ident| $op:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $query {
            $field: $handle,
        }

        impl $crate::pagination::sealed::Sealed for $query {}

        impl $crate::pagination::ListQuery for $query {
            type Item = $item;

            async fn fetch(
                self,
                at: $crate::pagination::PageAt,
            ) -> $crate::Result<$crate::Page<Self::Item>> {
                let $q = &self.$field;
                at.send_whole($op).await
            }
        }
    };
}
#[cfg(feature = "buildkite")]
pub(crate) use whole_list;

/// `per_page` as the generated builders want it (the list has checked it is 1..=100).
pub(crate) fn non_zero(n: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN)
}

/// The request for the page after `page`, which `request` fetched as page `current`; none at
/// the end.
fn next_request<T>(
    page: &Page<T>,
    request: &PageRequest,
    current: u32,
    follows_links: bool,
) -> Option<PageRequest> {
    if follows_links {
        let next_link = page.links.next.as_ref()?;
        return Some(PageRequest::Link(
            next_link
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ));
    }
    let _ = request;
    let _ = current;
    page.next_page().map(PageRequest::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_OP: Operation = kitelab_api::buildkite::operations::LIST_BUILDS;

    #[test]
    fn link_headers_parse_however_they_are_written() {
        let links = Links::parse(
            r#"<https://x/a?page=2&per_page=10>; rel="next", <https://x/a?page=1>; rel="first",<https://x/a?page=9>;rel=last"#,
        );
        assert_eq!(
            query_value(links.next.as_ref().unwrap(), "page").as_deref(),
            Some("2")
        );
        assert_eq!(
            query_value(links.first.as_ref().unwrap(), "page").as_deref(),
            Some("1")
        );
        assert_eq!(
            query_value(links.last.as_ref().unwrap(), "page").as_deref(),
            Some("9")
        );
        let both = Links::parse(r#"<https://x/a?page=3>; rel="next last""#);
        assert_eq!(both.next, both.last);
        // URLs with commas and semicolons inside the brackets.
        let odd = Links::parse(r#"<https://x/a?branch=a,b;c&page=4>; rel="next""#);
        assert_eq!(
            query_value(odd.next.as_ref().unwrap(), "branch").as_deref(),
            Some("a,b;c")
        );
        for garbage in [
            "",
            "<",
            ">",
            "<>; rel=next",
            "rel=\"next\"",
            "<not a url>; rel=\"next\"",
            "<https://x>; rel",
            ",,,;;;<<>>",
        ] {
            let _ = Links::parse(garbage);
        }
    }

    #[test]
    fn next_and_last_pages_come_from_headers_or_links() {
        let mut headers = HeaderMap::new();
        headers.insert("x-next-page", "".parse().unwrap());
        headers.insert(
            "link",
            r#"<https://x/a?page=2>; rel="next""#.parse().unwrap(),
        );
        let page = Page::new(vec![1], Some(1), headers, &TEST_OP, StatusCode::OK);
        // GitLab's empty X-Next-Page means the last page, whatever else is sent.
        assert_eq!(page.next_page(), None);
        let page = Page::new(
            vec![1],
            Some(1),
            {
                let mut h = HeaderMap::new();
                h.insert(
                    "link",
                    r#"<https://x/a?page=2>; rel="next""#.parse().unwrap(),
                );
                h
            },
            &TEST_OP,
            StatusCode::OK,
        );
        assert_eq!(page.next_page(), Some(2));
        let mut headers = HeaderMap::new();
        headers.insert("x-next-page", "3".parse().unwrap());
        headers.insert("x-total-pages", "7".parse().unwrap());
        let page = Page::new(vec![1], Some(2), headers, &TEST_OP, StatusCode::OK);
        assert_eq!(page.next_page(), Some(3));
        assert_eq!(page.last_page(), Some(7));
        assert_eq!(page.total(), None);
    }
}
