//! Pagination: every list is a [`List`], read lazily as a stream of items or of [`Page`]s.
//!
//! Nothing is sent until the stream is polled. Items come in the service's order. A page keeps
//! the headers it came with (`Link`, GitLab's `X-Total`, `X-Next-Page`), but kitelab never
//! depends on totals: GitLab omits them above 10,000 rows, and always for project jobs. The next
//! page is found from `X-Next-Page` or the `Link` header's `rel="next"`; a list ends when there is
//! none.
//!
//! With [`List::concurrency`], once the first page tells where the last page is, later pages are
//! fetched several at a time, still yielded in order.
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
use std::sync::Arc;

use futures_util::future;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use url::Url;

use crate::{Error, Result};

/// The largest page either service serves.
pub const MAX_PER_PAGE: u32 = 100;

/// One page of a list, with the response headers that came with it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    items: Vec<T>,
    number: Option<u32>,
    headers: HeaderMap,
    links: Links,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, number: Option<u32>, headers: HeaderMap) -> Self {
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
        }
    }

    /// A page of a cursor-paginated list, whose body names the next page (`links.next`)
    /// rather than, or as well as, its `Link` header.
    pub(crate) fn with_body_next(items: Vec<T>, headers: HeaderMap, next: Option<&str>) -> Self {
        let mut page = Self::new(items, None, headers);
        if page.links.next.is_none() {
            page.links.next = next.and_then(|n| Url::parse(n).ok());
        }
        page
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// A page number (page-numbered lists).
    Number(u32),
    /// The query of a `next` link (keyset and cursor lists): the fetcher passes on the
    /// parameters its operation declares.
    Link(Vec<(String, String)>),
}

impl PageRequest {
    /// The page number of a numbered request (1 for a link request).
    pub(crate) fn number(&self) -> u32 {
        match self {
            PageRequest::Number(n) => *n,
            PageRequest::Link(_) => 1,
        }
    }

    /// The value of `key` in a link request.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        match self {
            PageRequest::Link(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            PageRequest::Number(_) => None,
        }
    }
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
    pub(crate) fn request(&self) -> &PageRequest {
        &self.request
    }

    /// The page number (1 for a page named by a link).
    pub(crate) fn number(&self) -> u32 {
        self.request.number()
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
        self.request.param(key)
    }

    /// The page a generated list response makes.
    pub(crate) fn page_of<T>(&self, response: kitelab_api::ResponseValue<Vec<T>>) -> Page<T> {
        page_of(Some(self.number()), response)
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
/// [`pages`](List::pages) or [`page`](List::page).
#[must_use = "a list does nothing until it is streamed"]
#[derive(Clone)]
pub struct List<Q: ListQuery> {
    pub(crate) query: Q,
    per_page: Option<u32>,
    default_per_page: u32,
    max_items: Option<usize>,
    concurrency: usize,
    prefetch: bool,
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
            prefetch: true,
            first_page: 1,
        }
    }

    /// Items per page, 1 to 100 (default: the client's page size, itself 100 by default). Out of
    /// range fails with [`Error::InvalidInput`] before anything is sent.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Stop after this many items (fetching no page beyond them).
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.max_items = Some(max_items);
        self
    }

    /// Fetch up to `n` pages at once when the last page is known from the first; items still come
    /// in order. `1` (the default) fetches one page at a time.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Whether to request the next page as soon as the current page's headers name it, so that
    /// it downloads and decodes while the current one does (default true). It never requests a
    /// page the service did not name; at most three pages are fetched ahead of the reader, and
    /// dropping the stream cancels them. Turn it off to fetch strictly one page at a time.
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.prefetch = prefetch;
        self
    }

    /// Start at this page number instead of the first.
    pub fn start_page(mut self, page: u32) -> Self {
        self.first_page = page.max(1);
        self
    }

    /// One page, by number (page-numbered lists).
    pub async fn page(self, number: u32) -> Result<Page<Q::Item>> {
        let per_page = self.checked_per_page()?;
        if number == 0 {
            return Err(Error::invalid("page numbers start at 1"));
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

    /// The pages, lazily.
    pub fn pages(self) -> BoxStream<'static, Result<Page<Q::Item>>> {
        let per_page = match self.checked_per_page() {
            Ok(p) => p,
            Err(e) => return stream::once(future::ready(Err(e))).boxed(),
        };
        // Pages needed to reach max_items: none is fetched beyond them.
        let page_budget = self
            .max_items
            .map(|n| n.div_ceil(per_page as usize).max(1) as u32);
        if page_budget == Some(0) || self.max_items == Some(0) {
            return stream::empty().boxed();
        }
        let query = self.query;
        let concurrency = self.concurrency;
        let first = self.first_page;
        let follows_links = query.follows_links();
        if self.prefetch && concurrency == 1 {
            return chained(query, first, per_page, follows_links, page_budget);
        }
        let first_fetch = query
            .clone()
            .fetch(PageAt::new(PageRequest::Number(first), per_page));
        stream::once(first_fetch)
            .map(
                move |first_page| -> BoxStream<'static, Result<Page<Q::Item>>> {
                    let query = query.clone();
                    let page = match first_page {
                        Ok(page) => page,
                        Err(e) => return stream::once(future::ready(Err(e))).boxed(),
                    };
                    let budget_last = page_budget.map(|b| first.saturating_add(b - 1));
                    if !follows_links && concurrency > 1 {
                        if let Some(last) = page.last_page() {
                            let last = budget_last.map_or(last, |b| b.min(last));
                            let rest = stream::iter(first.saturating_add(1)..=last)
                                .map(move |n| {
                                    Spawned::new(
                                        query
                                            .clone()
                                            .fetch(PageAt::new(PageRequest::Number(n), per_page)),
                                    )
                                })
                                .buffered(concurrency);
                            return stream::once(future::ready(Ok(page))).chain(rest).boxed();
                        }
                    }
                    let next =
                        next_request(&page, &PageRequest::Number(first), first, follows_links);
                    let rest =
                        stream::try_unfold((next, first, 1u32), move |(next, current, fetched)| {
                            let query = query.clone();
                            async move {
                                let Some(request) = next else { return Ok(None) };
                                if page_budget.is_some_and(|b| fetched >= b) {
                                    return Ok(None);
                                }
                                let number = match &request {
                                    PageRequest::Number(n) => *n,
                                    PageRequest::Link(_) => current + 1,
                                };
                                let this = request.clone();
                                let page = query.fetch(PageAt::new(request, per_page)).await?;
                                let next = if page.items().is_empty() {
                                    None
                                } else {
                                    next_request(&page, &this, number, follows_links)
                                };
                                Ok(Some((page, (next, number, fetched + 1))))
                            }
                        });
                    stream::once(future::ready(Ok(page))).chain(rest).boxed()
                },
            )
            .flatten()
            .boxed()
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

/// Defines a list whose fetch is one generated operation on a handle, page by page:
/// `simple_list!(/// docs  TriggersQuery { project: Project } => types::Trigger,
/// |p| <the generated builder, from handle `p`>, "operation")`. The builder expression may use
/// `?`.
macro_rules! simple_list {
    ($(#[$doc:meta])* $query:ident { $field:ident: $handle:ty } => $item:ty, |$q:ident| $op:expr, $name:literal) => {
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
                let op = $op.page(at.page()).per_page(at.per_page());
                Ok(at.page_of($crate::call($name, op.send()).await?))
            }
        }
    };
}
pub(crate) use simple_list;

/// How many pages a pipelined list fetches ahead of its reader (three keep two cores decoding
/// while the next answer is on its way; see `cargo xtask bench`).
const PREFETCH_DEPTH: usize = 3;

/// A fetched page, with what the reader needs to carry the chain on.
struct Fetched<T> {
    page: Page<T>,
    /// Held until the reader takes the page: it bounds the pages fetched ahead.
    permit: tokio::sync::OwnedSemaphorePermit,
    /// The request that fetched it.
    request: PageRequest,
    number: u32,
    index: u32,
    /// Whether the answer's headers named the next page (which is then already on its way).
    spawned_next: bool,
}

/// A page fetch running on its own task, so that pages decode on every worker of a
/// multi-threaded runtime; aborted when dropped (a dropped stream cancels the pages it fetched
/// ahead).
struct Spawned<O> {
    handle: tokio::task::JoinHandle<Result<O>>,
}

impl<O: Send + 'static> Spawned<O> {
    fn new(fetch: impl std::future::Future<Output = Result<O>> + Send + 'static) -> Self {
        Spawned {
            handle: tokio::spawn(fetch),
        }
    }
}

impl<O> std::future::Future for Spawned<O> {
    type Output = Result<O>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<O>> {
        std::pin::Pin::new(&mut self.handle).poll(cx).map(|joined| {
            joined.unwrap_or_else(|join| {
                if join.is_panic() {
                    std::panic::resume_unwind(join.into_panic());
                }
                Err(Error::invalid(format!(
                    "a page fetch did not finish: {join}"
                )))
            })
        })
    }
}

impl<O> Drop for Spawned<O> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// What every fetch of a pipelined list shares.
struct Chain<Q: ListQuery> {
    query: Q,
    per_page: u32,
    follows_links: bool,
    budget: Option<u32>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl<Q: ListQuery> Chain<Q> {
    fn within_budget(&self, index: u32) -> bool {
        self.budget.is_none_or(|b| index < b)
    }
}

/// The number a next request has: its own, or one more than the current page's.
fn number_of(request: &PageRequest, current: u32) -> u32 {
    match request {
        PageRequest::Number(n) => *n,
        PageRequest::Link(_) => current + 1,
    }
}

/// Spawns the fetch of page `index` (0-based in this list), numbered `number`. As soon as its
/// answer's headers name a next page, the fetch of that page is spawned too and queued on `queue`.
fn spawn_page<Q: ListQuery>(
    chain: Arc<Chain<Q>>,
    queue: tokio::sync::mpsc::UnboundedSender<Spawned<Fetched<Q::Item>>>,
    request: PageRequest,
    number: u32,
    index: u32,
) -> Spawned<Fetched<Q::Item>> {
    Spawned::new(async move {
        let permit = chain
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let spawned_next = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = spawned_next.clone();
        let next_chain = chain.clone();
        let this = request.clone();
        let current = request.clone();
        let on_headers = move |headers: &HeaderMap| {
            if !next_chain.within_budget(index + 1) {
                return;
            }
            let probe = Page::<()>::new(Vec::new(), Some(number), headers.clone());
            if let Some(next) = next_request(&probe, &current, number, next_chain.follows_links) {
                let next_number = number_of(&next, number);
                let spawned = spawn_page(
                    next_chain.clone(),
                    queue.clone(),
                    next,
                    next_number,
                    index + 1,
                );
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                // If the reader is gone, the page is dropped, which cancels it.
                let _ = queue.send(spawned);
            }
        };
        let fetch = chain
            .query
            .clone()
            .fetch(PageAt::new(request, chain.per_page));
        let page = crate::transport::with_headers_hook(on_headers, fetch).await?;
        let spawned_next = spawned_next.load(std::sync::atomic::Ordering::SeqCst);
        Ok(Fetched {
            page,
            permit,
            request: this,
            number,
            index,
            spawned_next,
        })
    })
}

/// The reader's side of a pipelined list.
struct Reader<Q: ListQuery> {
    chain: Arc<Chain<Q>>,
    pending: Option<Spawned<Fetched<Q::Item>>>,
    pages: tokio::sync::mpsc::UnboundedReceiver<Spawned<Fetched<Q::Item>>>,
}

impl<Q: ListQuery> Reader<Q> {
    /// Starts the chain at `request`, on a fresh queue.
    fn start(&mut self, request: PageRequest, number: u32, index: u32) {
        let (queue, pages) = tokio::sync::mpsc::unbounded_channel();
        self.pending = Some(spawn_page(
            self.chain.clone(),
            queue,
            request,
            number,
            index,
        ));
        self.pages = pages;
    }
}

/// The pages of a list, each requested as soon as the previous page's headers name it (or, for
/// a list whose body names the next page, as soon as the previous page is decoded).
fn chained<Q: ListQuery>(
    query: Q,
    first: u32,
    per_page: u32,
    follows_links: bool,
    budget: Option<u32>,
) -> BoxStream<'static, Result<Page<Q::Item>>> {
    // Spawning needs a runtime: nothing is spawned until the stream is polled.
    let start = async move {
        let chain = Arc::new(Chain {
            query,
            per_page,
            follows_links,
            budget,
            permits: Arc::new(tokio::sync::Semaphore::new(PREFETCH_DEPTH)),
        });
        let (_, pages) = tokio::sync::mpsc::unbounded_channel();
        let mut reader = Reader {
            chain,
            pending: None,
            pages,
        };
        reader.start(PageRequest::Number(first), first, 0);
        reader
    };
    stream::once(start)
        .flat_map(|reader| {
            stream::unfold(Some(reader), |reader| async move {
                let mut reader = reader?;
                let mut spawned = match reader.pending.take() {
                    Some(spawned) => spawned,
                    None => reader.pages.recv().await?,
                };
                let outcome = (&mut spawned).await;
                match outcome {
                    Ok(fetched) => {
                        drop(fetched.permit);
                        // An empty page ends the list, whatever its links say.
                        if fetched.page.items().is_empty() {
                            return None;
                        }
                        let next_index = fetched.index + 1;
                        if !fetched.spawned_next && reader.chain.within_budget(next_index) {
                            // The headers did not name the next page; the body may.
                            let next = next_request(
                                &fetched.page,
                                &fetched.request,
                                fetched.number,
                                reader.chain.follows_links,
                            );
                            if let Some(next) = next {
                                let number = number_of(&next, fetched.number);
                                reader.start(next, number, next_index);
                            }
                        }
                        Some((Ok(fetched.page), Some(reader)))
                    }
                    Err(error) => Some((Err(error), None)),
                }
            })
        })
        .boxed()
}

/// Turns a generated response of a cursor list (`{"items": [...], "links": {"next": ...}}`)
/// into a [`Page`], with `split` taking the items and the next link out of the body.
pub(crate) fn cursor_page<B, T>(
    response: kitelab_api::ResponseValue<B>,
    split: impl FnOnce(B) -> (Vec<T>, Option<String>),
) -> Page<T> {
    let headers = response.headers().clone();
    let (items, next) = split(response.into_inner());
    Page::with_body_next(items, headers, next.as_deref())
}

/// Turns a generated response of items into a [`Page`].
pub(crate) fn page_of<T>(
    number: Option<u32>,
    response: kitelab_api::ResponseValue<Vec<T>>,
) -> Page<T> {
    let headers = response.headers().clone();
    Page::new(response.into_inner(), number, headers)
}

/// `per_page` as the generated builders want it (the list has checked it is 1..=100).
pub(crate) fn non_zero(n: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN)
}

/// The request for the page after `page` (number `current`), if there is one.
/// The request for the page after `page`, which `request` fetched as page `current`; none at
/// the end. A service that names the page it just served as the next one (a stuck cursor, a
/// page number that does not advance) would make the list loop forever: the list ends there,
/// with a warning.
fn next_request<T>(
    page: &Page<T>,
    request: &PageRequest,
    current: u32,
    follows_links: bool,
) -> Option<PageRequest> {
    if follows_links {
        let next_link = page.links.next.as_ref()?;
        let next = PageRequest::Link(
            next_link
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        );
        if next == *request {
            tracing::warn!(
                next = %kitelab_api::redact_url(next_link),
                "the list ends: the service named the page it just served as the next one"
            );
            return None;
        }
        return Some(next);
    }
    // A service that points backwards or at the same page would loop forever.
    page.next_page()
        .filter(|&n| n > current)
        .map(PageRequest::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let page = Page::new(vec![1], Some(1), headers);
        // GitLab's empty X-Next-Page means the last page, whatever else is sent.
        assert_eq!(page.next_page(), None);
        let page = Page::new(vec![1], Some(1), {
            let mut h = HeaderMap::new();
            h.insert(
                "link",
                r#"<https://x/a?page=2>; rel="next""#.parse().unwrap(),
            );
            h
        });
        assert_eq!(page.next_page(), Some(2));
        let mut headers = HeaderMap::new();
        headers.insert("x-next-page", "3".parse().unwrap());
        headers.insert("x-total-pages", "7".parse().unwrap());
        let page = Page::new(vec![1], Some(2), headers);
        assert_eq!(page.next_page(), Some(3));
        assert_eq!(page.last_page(), Some(7));
        assert_eq!(page.total(), None);
    }
}
