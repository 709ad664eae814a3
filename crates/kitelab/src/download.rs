//! [`Download`]: one type for every binary response (artifacts, job logs, traces).
//!
//! A download is streamed: memory stays constant whatever its size. Read it as a stream of
//! [`Bytes`], as [`AsyncRead`](tokio::io::AsyncRead), collect it, or write it to a file
//! atomically with [`Download::write_to`]: the bytes go to a temporary file beside the target,
//! the length is checked against `Content-Length`, and only then is the file renamed into place;
//! a cut connection leaves the target untouched and no temporary file behind.
//!
//! Downloads have no total timeout, only the client's idle read timeout: a steady multi-gigabyte
//! artifact is never cut, and a stalled one fails.
//!
//! ```no_run
//! # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
//! let job = gl.project("group/project").job(42);
//! job.download_artifacts().await?.write_to("artifacts.zip").await?;
//! let log = job.download_log().await?.text().await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use tokio::io::AsyncWriteExt;

use crate::{Error, Result};

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send + Sync>>;

/// A binary response body, not yet read.
pub struct Download {
    operation: &'static crate::Operation,
    status: reqwest::StatusCode,
    headers: HeaderMap,
    body: ByteStream,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("operation", &self.operation.id)
            .field("status", &self.status)
            .field("content_length", &self.content_length())
            .field("content_type", &self.content_type())
            .finish()
    }
}

impl Download {
    pub(crate) fn new(
        operation: &'static crate::Operation,
        response: kitelab_api::ResponseValue<kitelab_api::ByteStream>,
    ) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let body: ByteStream = Box::pin(response.into_inner_stream());
        Self {
            operation,
            status,
            headers,
            body,
        }
    }

    /// A download with no bytes (what an empty log's tail is).
    pub(crate) fn empty(operation: &'static crate::Operation) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_LENGTH,
            reqwest::header::HeaderValue::from_static("0"),
        );
        Self {
            operation,
            status: reqwest::StatusCode::OK,
            headers,
            body: Box::pin(futures_util::stream::empty()),
        }
    }

    /// The HTTP status (200, or 206 for a range).
    pub fn status(&self) -> reqwest::StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `Content-Length`, when the service sent it.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// `Content-Type`, when the service sent it.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// The file name of `Content-Disposition` (`filename*=UTF-8''…` or `filename="…"`), with any
    /// directory part removed.
    pub fn file_name(&self) -> Option<String> {
        let value = self
            .headers
            .get(reqwest::header::CONTENT_DISPOSITION)?
            .to_str()
            .ok()?;
        file_name_of(value)
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + Sync + Unpin {
        // A download is itself that stream.
        self
    }

    /// The body as an [`AsyncRead`](tokio::io::AsyncRead).
    pub fn into_async_read(self) -> impl tokio::io::AsyncBufRead + Send + Sync + Unpin {
        tokio_util::io::StreamReader::new(
            self.body.map(|chunk| chunk.map_err(std::io::Error::other)),
        )
    }

    /// The whole body in memory.
    pub async fn bytes(self) -> Result<Bytes> {
        let expected = self.content_length();
        let mut buffer = Vec::with_capacity(expected.unwrap_or(0).min(64 * 1024 * 1024) as usize);
        let mut stream = self.into_stream();
        while let Some(chunk) = stream.next().await {
            buffer.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(buffer))
    }

    /// The whole body as text; invalid UTF-8 is replaced (logs are bytes, not always UTF-8).
    pub async fn text(self) -> Result<String> {
        let bytes = self.bytes().await?;
        Ok(match String::from_utf8(bytes.to_vec()) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The bytes after the first `offset`, collected (following a log that grows).
    pub(crate) async fn skip_bytes(self, offset: u64) -> Result<Bytes> {
        let mut skipped: u64 = 0;
        let mut out = Vec::new();
        let mut stream = self.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            let len = chunk.len() as u64;
            if skipped + len <= offset {
                skipped += len;
                continue;
            }
            let start = offset.saturating_sub(skipped) as usize;
            out.extend_from_slice(&chunk[start..]);
            skipped = offset;
        }
        Ok(Bytes::from(out))
    }

    /// Writes the body to `path` atomically and returns the number of bytes written.
    ///
    /// The bytes go to a temporary file in the same directory, which is synced, checked against
    /// `Content-Length` and renamed over `path`. If the stream is cut, the length does not match,
    /// or a write fails, `path` is left as it was (absent, or the old file) and the temporary file
    /// is removed.
    pub async fn write_to(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let expected = self.content_length();
        let operation = self.operation;
        let temp = TempFile::beside(path)?;
        let io = |what: &str, source: std::io::Error| Error::Io {
            context: format!("{what} {}", temp.path.display()),
            source,
        };
        let mut file = tokio::fs::File::create(&temp.path)
            .await
            .map_err(|e| io("cannot create", e))?;
        let mut written: u64 = 0;
        let mut stream = self.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            file.write_all(&chunk)
                .await
                .map_err(|e| io("cannot write", e))?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(|e| io("cannot write", e))?;
        file.sync_all().await.map_err(|e| io("cannot sync", e))?;
        drop(file);
        if let Some(expected) = expected {
            if expected != written {
                return Err(Error::cut_short(operation, written, expected));
            }
        }
        tokio::fs::rename(&temp.path, path)
            .await
            .map_err(|source| Error::Io {
                context: format!("cannot move the download into {}", path.display()),
                source,
            })?;
        temp.keep();
        Ok(written)
    }
}

/// A temporary file beside the target, removed on drop unless kept.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    fn beside(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| Error::invalid(format!("{} is not a file path", target.display())))?;
        let unique = format!(
            ".{}.{}-{}.kitelab-part",
            name.to_string_lossy(),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        );
        Ok(Self {
            path: target.with_file_name(unique),
            keep: false,
        })
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Stream for Download {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let operation = self.operation;
        self.body
            .as_mut()
            .poll_next(cx)
            .map(|o| o.map(|r| r.map_err(|e| Error::transport(operation, e))))
    }
}

pub(crate) fn file_name_of(disposition: &str) -> Option<String> {
    let mut plain = None;
    for part in disposition.split(';').map(str::trim) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                // RFC 5987: charset'language'percent-encoded
                let encoded = value.trim().splitn(3, '\'').nth(2)?;
                let decoded = percent_decode(encoded)?;
                return sanitize(&decoded);
            }
            "filename" => plain = Some(value.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    plain.and_then(|p| sanitize(&p))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Keeps only the last path component: a server must not choose where a file lands.
fn sanitize(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next()?.trim();
    (!last.is_empty() && last != "." && last != "..").then(|| last.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_either_form_and_never_hold_a_directory() {
        assert_eq!(
            file_name_of(r#"attachment; filename="artifacts.zip""#).as_deref(),
            Some("artifacts.zip")
        );
        assert_eq!(
            file_name_of(r#"infile; filename="42.log""#).as_deref(),
            Some("42.log")
        );
        assert_eq!(
            file_name_of("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt").as_deref(),
            Some("résumé.txt")
        );
        assert_eq!(
            file_name_of(r#"attachment; filename="../../etc/passwd""#).as_deref(),
            Some("passwd")
        );
        assert_eq!(file_name_of(r#"attachment; filename="..""#), None);
        assert_eq!(file_name_of("attachment"), None);
        assert_eq!(file_name_of("attachment; filename*=UTF-8''%zz"), None);
    }
}
