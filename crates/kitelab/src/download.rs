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
    /// `write_to` creates a new file readable by its owner only.
    sensitive: bool,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("operation", &self.operation.id)
            .field("status", &self.status)
            .field("content_length", &self.content_length())
            .field("content_type", &self.content_type())
            .field("sensitive", &self.sensitive)
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
            sensitive: false,
        }
    }

    /// A download with no bytes (what an empty log's tail is).
    #[cfg(feature = "buildkite")]
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
            sensitive: false,
        }
    }

    /// Marks the content as secret (a keystore, a certificate): [`write_to`](Self::write_to)
    /// creates a *new* file readable and writable by its owner only (mode `0600` on Unix). A
    /// file it replaces keeps its own mode. GitLab secure-file downloads are marked already.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk.pipeline("my-org", "my-pipeline").build(42);
    /// build
    ///     .artifact("job-id", "artifact-id")
    ///     .download()
    ///     .await?
    ///     .sensitive()
    ///     .write_to("credentials.json")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Whether [`sensitive`](Self::sensitive) marked the content as secret.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
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

    /// The file name of `Content-Disposition` (`filename*=UTF-8''…`, else `filename="…"`), safe
    /// to print and to join to a directory of your choice:
    ///
    /// - only the last path component is kept (`../../etc/passwd` is `passwd`, and `\` counts
    ///   as a separator too);
    /// - control characters (NUL, CR, LF, the ESC that starts a terminal escape, ...), the
    ///   bidirectional overrides, isolates and marks (`U+202A..=U+202E`, `U+2066..=U+2069`,
    ///   `U+200E`, `U+200F`, `U+061C`) and the line and paragraph separators are each replaced
    ///   by `_`, as browsers do (`"a\r\nb.zip"` is `"a__b.zip"`);
    /// - white space around the name is removed.
    ///
    /// `None` when there is no such header, or nothing usable is left (an empty name, `.` or
    /// `..`).
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
    #[cfg(feature = "gitlab")]
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
    ///
    /// - **Directories are not created**: when the directory of `path` does not exist, nothing is
    ///   read and the call fails with [`Error::Io`] (kind `NotFound`) naming that directory.
    ///   Create it first (`tokio::fs::create_dir_all`), as with `std::fs::write`.
    /// - **Permissions** (Unix): a file that is replaced keeps its mode (a `0600` keystore stays
    ///   `0600`). A new file gets the process's default (`0666` less the umask), or `0600` when
    ///   the download is [`sensitive`](Self::sensitive); in both of those cases the temporary
    ///   file is `0600` until it is renamed. The owner is the writing user, whoever owned the
    ///   old file.
    pub async fn write_to(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let expected = self.content_length();
        let operation = self.operation;
        let temp = TempFile::beside(path)?;
        let mode = final_mode(path, self.sensitive).await;
        let io = |what: &str, source: std::io::Error| Error::Io {
            context: format!("{what} {}", temp.path.display()),
            source,
        };
        let mut file = create_private(&temp.path, mode.is_some())
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => Error::Io {
                    context: format!(
                        "cannot write {}: its directory {} does not exist (write_to does not \
                         create directories)",
                        path.display(),
                        parent_of(path).display()
                    ),
                    source,
                },
                _ => io("cannot create", source),
            })?;
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
        if let Some(mode) = mode {
            set_mode(&temp.path, mode)
                .await
                .map_err(|e| io("cannot set the permissions of", e))?;
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

/// The directory a path lands in (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The permission bits `write_to` gives the file at `path`: those of the file it replaces, else
/// `0600` for a sensitive download, else `None` (the process default).
#[cfg(unix)]
async fn final_mode(path: &Path, sensitive: bool) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    match tokio::fs::metadata(path).await {
        Ok(meta) if meta.is_file() => Some(meta.permissions().mode() & 0o777),
        _ if sensitive => Some(0o600),
        _ => None,
    }
}

#[cfg(not(unix))]
async fn final_mode(_path: &Path, _sensitive: bool) -> Option<u32> {
    None
}

/// Creates a new file; readable by its owner only when `private` (Unix).
async fn create_private(path: &Path, private: bool) -> std::io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path).await
}

#[cfg(unix)]
async fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).await
}

#[cfg(not(unix))]
async fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
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
    let mut extended = None;
    for part in disposition.split(';').map(str::trim) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            // RFC 5987: charset'language'percent-encoded
            "filename*" => {
                extended = value
                    .trim()
                    .splitn(3, '\'')
                    .nth(2)
                    .and_then(percent_decode)
                    .and_then(|name| sanitize(&name));
            }
            "filename" => plain = Some(value.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    // RFC 6266: `filename*` wins; `filename` is the fallback when it is absent or unusable.
    extended.or_else(|| plain.and_then(|p| sanitize(&p)))
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

/// Characters that change how text is displayed rather than what it says: the bidirectional
/// embeddings, overrides and isolates (`U+202A..=U+202E`, `U+2066..=U+2069`), the directional
/// marks (`U+200E`, `U+200F`, `U+061C`) and the line and paragraph separators. A name holding
/// them can pass for another (`invoice\u{202E}fdp.exe` shows as `invoiceexe.pdf`).
fn is_display_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Makes a server-chosen name safe to show and to use as a file name, as browsers do: only the
/// last path component is kept (a server must not choose where a file lands), control
/// characters (which include the ESC of terminal escapes, CR, LF and NUL) and the characters of
/// [`is_display_control`] become `_`, and surrounding white space goes. Nothing usable left
/// (empty, `.` or `..`) is `None`.
fn sanitize(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next()?;
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || is_display_control(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then(|| cleaned.to_owned())
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

    /// What a header can carry in either form: `filename*` percent-encodes anything, and a
    /// `HeaderValue` built from bytes may hold ESC.
    fn both_forms(name: &str) -> [String; 2] {
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        [
            format!("attachment; filename*=UTF-8''{encoded}"),
            format!("attachment; filename=\"{name}\""),
        ]
    }

    #[test]
    fn file_names_never_carry_control_characters_escapes_or_bidi_overrides() {
        for (name, expected) in [
            ("evil\0.txt", Some("evil_.txt")),
            (
                "report\n2024-01-01 INFO forged line.txt",
                Some("report_2024-01-01 INFO forged line.txt"),
            ),
            ("a\r\nb.zip", Some("a__b.zip")),
            ("\u{1b}[31mred.zip", Some("_[31mred.zip")),
            (
                "\u{1b}]8;;https://evil.example\u{7}x.zip",
                Some("evil.example_x.zip"),
            ),
            ("invoice\u{202E}fdp.exe", Some("invoice_fdp.exe")),
            (
                "\u{2066}a\u{2069}\u{200E}\u{200F}\u{061C}.txt",
                Some("_a____.txt"),
            ),
            ("line\u{2028}break\u{85}.txt", Some("line_break_.txt")),
            ("tab\tand\u{7f}del.txt", Some("tab_and_del.txt")),
            ("../../etc/passwd", Some("passwd")),
            ("..\\..\\windows\\system.ini", Some("system.ini")),
            ("dir/..", None),
            ("  ", None),
            ("", None),
            ("résumé ☃.txt", Some("résumé ☃.txt")),
        ] {
            let [extended, plain] = both_forms(name);
            assert_eq!(file_name_of(&extended).as_deref(), expected, "{extended:?}");
            // The plain form cannot quote everything (`;` cuts it), but is never unsafe either.
            for got in [file_name_of(&extended), file_name_of(&plain)]
                .into_iter()
                .flatten()
            {
                assert!(
                    !got.chars().any(|c| c.is_control() || is_display_control(c)),
                    "{got:?}"
                );
                assert!(!got.contains(['/', '\\']) && got != "..", "{got:?}");
            }
        }
    }

    #[test]
    fn the_plain_name_is_the_fallback_for_an_unusable_extended_one() {
        assert_eq!(
            file_name_of(r#"attachment; filename="plain.zip"; filename*=UTF-8''%00"#).as_deref(),
            Some("_")
        );
        assert_eq!(
            file_name_of(r#"attachment; filename*=UTF-8''%C3; filename="plain.zip""#).as_deref(),
            Some("plain.zip")
        );
        assert_eq!(
            file_name_of(r#"attachment; filename*=UTF-8''..; filename="plain.zip""#).as_deref(),
            Some("plain.zip")
        );
    }

    #[test]
    fn a_download_names_its_file_from_the_header_safely() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_DISPOSITION,
            reqwest::header::HeaderValue::from_static(
                "attachment; filename*=UTF-8''%1B%5B31mred%0D%0A.zip",
            ),
        );
        let download = Download {
            headers,
            ..download_of(b"")
        };
        assert_eq!(download.file_name().as_deref(), Some("_[31mred__.zip"));
    }

    #[cfg(feature = "gitlab")]
    const TEST_DOWNLOAD: &crate::Operation = &kitelab_api::gitlab::operations::DOWNLOAD_SECURE_FILE;
    #[cfg(not(feature = "gitlab"))]
    const TEST_DOWNLOAD: &crate::Operation = &kitelab_api::buildkite::operations::DOWNLOAD_ARTIFACT;

    /// A download of `body`, with its `Content-Length`.
    fn download_of(body: &'static [u8]) -> Download {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::CONTENT_LENGTH, body.len().into());
        Download {
            operation: TEST_DOWNLOAD,
            status: reqwest::StatusCode::OK,
            headers,
            body: Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(body))])),
            sensitive: false,
        }
    }

    /// A fresh directory under the system's temporary one, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let dir =
                std::env::temp_dir().join(format!("kitelab-{name}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn write_to_keeps_the_mode_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = Scratch::new("keep-mode");
        for (old, sensitive) in [
            (0o600, false),
            (0o640, false),
            (0o755, false),
            (0o644, true),
        ] {
            let path = scratch.0.join(format!("keystore-{old:o}-{sensitive}.jks"));
            std::fs::write(&path, b"old").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(old)).unwrap();
            let mut download = download_of(b"new keystore");
            if sensitive {
                download = download.sensitive();
            }
            assert_eq!(download.write_to(&path).await.unwrap(), 12);
            assert_eq!(std::fs::read(&path).unwrap(), b"new keystore");
            assert_eq!(mode(&path), old, "{}", path.display());
        }
        // Nothing but the targets is left behind.
        assert_eq!(std::fs::read_dir(&scratch.0).unwrap().count(), 4);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_sensitive_download_to_a_new_path_is_created_owner_only() {
        let scratch = Scratch::new("sensitive");
        let path = scratch.0.join("release.keystore");
        let download = download_of(b"secret").sensitive();
        assert!(download.is_sensitive());
        download.write_to(&path).await.unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        // An ordinary download gets the process default, which a umask never widens past 0666.
        let plain = scratch.0.join("plain.txt");
        download_of(b"x").write_to(&plain).await.unwrap();
        assert_eq!(mode(&plain) & 0o111, 0);
    }

    #[tokio::test]
    async fn a_missing_directory_is_an_error_naming_it_and_nothing_is_created() {
        let scratch = Scratch::new("missing-dir");
        let missing = scratch.0.join("no").join("such");
        let err = download_of(b"bytes")
            .write_to(missing.join("file.bin"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("does not exist"), "{text}");
        assert!(text.contains(&missing.display().to_string()), "{text}");
        match &err {
            Error::Io { source, .. } => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
        assert!(!scratch.0.join("no").exists());
    }
}
