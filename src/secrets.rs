//! Keeping secrets out of what the service prints: URLs with their credentials and query values
//! hidden, and the server secret that keys HASH pseudonyms.

use std::io::Write as _;
use std::path::{Path, PathBuf};

const HIDDEN: &str = "***";
/// Name of the pseudonym key made in the data directory when none is configured.
pub const PSEUDONYM_KEY_FILE: &str = "pseudonym.key";
/// Shortest key accepted: 256 bits.
const MIN_KEY_BYTES: usize = 32;

/// `url` with its userinfo, query values and fragment replaced by `***`:
/// `https://u:p@host/path?api_key=s&x` becomes `https://***@host/path?api_key=***&***`.
/// Works on text that is not a valid URL too, so that nothing slips through a parse error.
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((rest, _)) => (rest, Some(HIDDEN)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (before_fragment, None),
    };
    let mut out = redact_userinfo(base);
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}={HIDDEN}"),
                None if pair.is_empty() => String::new(),
                None => HIDDEN.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn redact_userinfo(base: &str) -> String {
    let Some(scheme_end) = base.find("://").map(|i| i + 3) else {
        return base.to_owned();
    };
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    match base[scheme_end..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{HIDDEN}{}",
            &base[..scheme_end],
            &base[scheme_end + at..]
        ),
        None => base.to_owned(),
    }
}

/// Every `http://` and `https://` URL in `text` passed through [`redact_url`]: for messages of
/// libraries that quote the URL they failed on.
pub fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            // A backslash ends it too: in a JSON log line it escapes the quote after the URL.
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '>' | '<' | '\\'))
            .unwrap_or(tail.len());
        out.push_str(&redact_url(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_url(text: &str) -> Option<usize> {
    let http = text.find("http://");
    let https = text.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the pseudonym key {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the pseudonym key {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the pseudonym key {path} holds {len} bytes; it needs at least {MIN_KEY_BYTES} (for instance `openssl rand -hex 32`)"
    )]
    TooShort { path: PathBuf, len: usize },
    #[error("no randomness for a new pseudonym key: {0}")]
    Random(getrandom::Error),
}

/// The pseudonym key: the configured file, or `pseudonym.key` in `data_dir`, made on first use
/// with 0600 permissions (64 hex digits). Trailing whitespace is not part of the key.
pub fn pseudonym_key(configured: Option<&Path>, data_dir: &Path) -> Result<Vec<u8>, KeyFileError> {
    let path = match configured {
        Some(path) => path.to_owned(),
        None => {
            let path = data_dir.join(PSEUDONYM_KEY_FILE);
            if !path.exists() {
                create_key_file(&path)?;
                tracing::info!(path = %path.display(), "made a new pseudonym key");
            }
            path
        }
    };
    let bytes = std::fs::read(&path).map_err(|source| KeyFileError::Read {
        path: path.clone(),
        source,
    })?;
    let key = bytes.trim_ascii_end().to_vec();
    if key.len() < MIN_KEY_BYTES {
        return Err(KeyFileError::TooShort {
            path,
            len: key.len(),
        });
    }
    warn_if_readable_by_others(&path);
    Ok(key)
}

fn create_key_file(path: &Path) -> Result<(), KeyFileError> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(KeyFileError::Random)?;
    let create = |source| KeyFileError::Create {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(create)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(create)?;
    file.write_all(format!("{}\n", hex::encode(random)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(create)
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the pseudonym key can be read by other users; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_userinfo_query_values_and_fragments() {
        for (url, shown) in [
            (
                "https://u:p@host:8443/v1?api_key=s3cret&x=1",
                "https://***@host:8443/v1?api_key=***&x=***",
            ),
            ("http://host/path?token", "http://host/path?***"),
            ("http://host/p#access_token=abc", "http://host/p#***"),
            ("https://host/v1", "https://host/v1"),
            ("http://user@host?", "http://***@host?"),
            ("not a url?secret=1", "not a url?secret=***"),
            ("https://host/a@b?k=v", "https://host/a@b?k=***"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn urls_inside_messages_are_redacted() {
        let message =
            "error sending request for url (http://127.0.0.1:9/x?api_key=abc) then https://a:b@h/";
        assert_eq!(
            redact_urls_in(message),
            "error sending request for url (http://127.0.0.1:9/x?api_key=***) then https://***@h/"
        );
        assert_eq!(redact_urls_in("no url here"), "no url here");
        let json = r#"{"error":"bad \"http://h/x?k=v\" answer"}"#;
        assert_eq!(
            redact_urls_in(json),
            r#"{"error":"bad \"http://h/x?k=***\" answer"}"#
        );
    }

    #[test]
    fn a_missing_key_is_made_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = pseudonym_key(None, dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        let again = pseudonym_key(None, dir.path()).unwrap();
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(PSEUDONYM_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let short = dir.path().join("short.key");
        std::fs::write(&short, "abc\n").unwrap();
        assert!(matches!(
            pseudonym_key(Some(&short), dir.path()),
            Err(KeyFileError::TooShort { len: 3, .. })
        ));
        assert!(matches!(
            pseudonym_key(Some(&dir.path().join("absent")), dir.path()),
            Err(KeyFileError::Read { .. })
        ));
    }
}
