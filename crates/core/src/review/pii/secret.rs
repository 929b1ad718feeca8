//! Credentials: AWS access key ids and secret access keys, GitHub tokens, this service's own API
//! keys, JWTs and PEM private key blocks.

use memchr::memmem;

use super::context::Context;
use super::labels::Label;
use super::lex::{at, before, end_ok, is_alnum, is_upper, is_word, run_len, starts_with};

/// An AWS access key id at `s` (a token start): a four-character prefix (`AKIA` long-term,
/// `ASIA` temporary, `ABIA` and `ACCA` for other AWS services, `A3T` and one more for the
/// oldest keys) and 16 uppercase letters or digits.
pub(super) fn aws_key(b: &[u8], s: usize) -> Option<usize> {
    // Every word starting with `A` comes here: decide on the prefix's bytes in one match.
    let prefixed = match (at(b, s + 1), at(b, s + 2), at(b, s + 3)) {
        (b'K' | b'S' | b'B', b'I', b'A') | (b'C', b'C', b'A') => at(b, s) == b'A',
        (b'3', b'T', c) => at(b, s) == b'A' && (is_upper(c) || c.is_ascii_digit()),
        _ => false,
    };
    if !prefixed {
        return None;
    }
    let body = run_len(b, s + 4, 17, |c| is_upper(c) || c.is_ascii_digit());
    let end = s + 4 + body;
    (body == 16 && !is_word(at(b, end))).then_some(end)
}

/// An AWS secret access key's length: 40 characters of standard base64.
const AWS_SECRET_LEN: usize = 40;

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'/' || c == b'+'
}

/// A 40-character token at `s` that could be an AWS secret access key: base64 characters with
/// an uppercase letter, a lowercase letter and a digit (a hex digest has no uppercase), not part
/// of a longer token. Alone it is no finding: it needs its key id or a label beside it.
fn aws_secret_at(b: &[u8], s: usize) -> Option<usize> {
    if is_b64(before(b, s)) {
        return None;
    }
    if run_len(b, s, AWS_SECRET_LEN + 1, is_b64) != AWS_SECRET_LEN {
        return None;
    }
    let end = s + AWS_SECRET_LEN;
    let token = b.get(s..end)?;
    let mixed = token.iter().any(u8::is_ascii_uppercase)
        && token.iter().any(u8::is_ascii_lowercase)
        && token.iter().any(u8::is_ascii_digit);
    (mixed && at(b, end) != b'=').then_some(end)
}

/// The secret access key that follows an AWS key id ending at `id_end` in the same record: the
/// console's credentials CSV (`AKIA…,wJalr…`) or a pair written on one line.
pub(super) fn aws_secret_after_id(b: &[u8], id_end: usize) -> Option<(usize, usize)> {
    let gap = run_len(b, id_end, 4, |c| {
        matches!(
            c,
            b',' | b';' | b'|' | b'\t' | b' ' | b'"' | b'\'' | b':' | b'='
        )
    });
    let s = id_end + gap;
    (gap > 0).then(|| aws_secret_at(b, s).map(|end| (s, end)))?
}

/// Whether the text before the `:` at `i` may end a label of an AWS secret key: every label
/// in the lexicon ends in `key` or `secret` (`SecretAccessKey`, `"aws secret"`). A cheap
/// test, so that times and `::` paths never reach the full check.
pub(super) fn may_end_secret_label(b: &[u8], i: usize) -> bool {
    let mut p = i;
    while p + 4 > i && matches!(before(b, p), b' ' | b'\t' | b'"' | b'\'') {
        p -= 1;
    }
    matches!(before(b, p), b'y' | b'Y' | b't' | b'T')
}

/// For a `_` at `u` inside a key followed by `=` or `:` (`aws_secret_access_key = …`), where
/// that `=` or `:` is. `None` when the word is not such a key.
pub(super) fn key_end(b: &[u8], u: usize) -> Option<usize> {
    let mut k = u + 1 + run_len(b, u + 1, 64, |c| is_word(c) || c == b'-' || c == b'.');
    if matches!(at(b, k), b'"' | b'\'') {
        k += 1;
    }
    k += run_len(b, k, 4, |c| c == b' ' || c == b'\t');
    matches!(at(b, k), b'=' | b':').then_some(k)
}

/// A secret access key as the value after the `:` or `=` at `i`, when its key or the structure
/// around it names it (`aws_secret_access_key = …`, `"SecretAccessKey": "…"`).
pub(super) fn aws_secret_labelled(
    b: &[u8],
    i: usize,
    context: &mut Context,
) -> Option<(usize, usize)> {
    let mut s = i + 1 + run_len(b, i + 1, 4, |c| c == b' ' || c == b'\t');
    if matches!(at(b, s), b'"' | b'\'') {
        s += 1;
    }
    let end = aws_secret_at(b, s)?;
    (context.label(b, s, &[Label::AwsSecret]) == Some(Label::AwsSecret)).then_some((s, end))
}

/// A GitHub token whose first `_` is at `u`; returns `(start, end)`.
///
/// Classic tokens are `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` and 36 letters or digits; fine-grained
/// ones are `github_pat_` and 82 of `[A-Za-z0-9_]`. Found from the `_` because it is rare in
/// prose, while words starting with `g` are not.
pub(super) fn github_token(b: &[u8], u: usize) -> Option<(usize, usize)> {
    if u >= 3 {
        let s = u - 3;
        let prefix = b.get(s..u)?;
        if matches!(prefix, b"ghp" | b"gho" | b"ghu" | b"ghs" | b"ghr") && !is_word(before(b, s)) {
            let body = run_len(b, u + 1, 37, is_alnum);
            let end = u + 1 + body;
            return (body == 36 && !is_word(at(b, end))).then_some((s, end));
        }
    }
    if u >= 6 {
        let s = u - 6;
        if b.get(s..u)? == b"github" && starts_with(b, u + 1, b"pat_") && !is_word(before(b, s)) {
            let body = run_len(b, u + 5, 83, is_word);
            let end = u + 5 + body;
            return (body == 82).then_some((s, end));
        }
    }
    None
}

fn is_b64url(c: u8) -> bool {
    is_alnum(c) || c == b'_' || c == b'-'
}

/// An API key of this service (`orch_` and 43 base64url characters, as `orchestrator keys new`
/// makes them) whose `_` is at `u`; returns `(start, end)`.
pub(super) fn orchestrator_key(b: &[u8], u: usize) -> Option<(usize, usize)> {
    let s = u.checked_sub(4)?;
    if b.get(s..u)? != b"orch" || is_word(before(b, s)) {
        return None;
    }
    let body = run_len(b, u + 1, 44, is_b64url);
    let end = u + 1 + body;
    (body == 43 && !is_b64url(at(b, end))).then_some((s, end))
}

/// A JWT at `s` (on the `e` of `eyJ`, a token start): three base64url segments separated by
/// dots, the first two JSON objects (so starting `eyJ`, which is `{"` encoded).
pub(super) fn jwt(b: &[u8], s: usize) -> Option<usize> {
    if !starts_with(b, s, b"eyJ") || is_b64url(before(b, s)) {
        return None;
    }
    let header = run_len(b, s, usize::MAX, is_b64url);
    let p = s + header;
    if header < 10 || at(b, p) != b'.' || !starts_with(b, p + 1, b"eyJ") {
        return None;
    }
    let payload = run_len(b, p + 1, usize::MAX, is_b64url);
    let q = p + 1 + payload;
    if payload < 10 || at(b, q) != b'.' {
        return None;
    }
    let signature = run_len(b, q + 1, usize::MAX, is_b64url);
    let end = q + 1 + signature;
    if signature == 0 {
        // An unsecured JWT (`header.payload.`) says so in its header: `"alg":"none"`. Without
        // that, a trailing dot is punctuation after two base64 words.
        return (unsecured(b.get(s..p)?) && end_ok(b, end)).then_some(end);
    }
    end_ok(b, end).then_some(end)
}

/// Whether a JWT header (base64url, unpadded) declares no signature algorithm.
fn unsecured(header: &[u8]) -> bool {
    use base64::Engine as _;
    // A header is a small JSON object; a long one is not worth decoding here.
    if header.len() > 512 {
        return false;
    }
    let Ok(json) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return false;
    };
    let json: Vec<u8> = json
        .into_iter()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    memmem::find(&json, br#""alg":"none""#).is_some()
}

/// How far after a PEM header its END line may be; beyond this the block counts as truncated.
/// (An 8192-bit RSA key is about 6.5 KB of PEM.)
const MAX_PEM: usize = 16 * 1024;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";

/// Remembers where the next `-----END ` is, so that many headers without an END line cost one
/// pass over the text rather than one per header.
#[derive(Default)]
pub(super) struct PemEnds {
    searched_from: usize,
    /// The first END at or after `searched_from`, if any; `None` also before the first search.
    next: Option<usize>,
    searched: bool,
}

impl PemEnds {
    fn next_at_or_after(&mut self, b: &[u8], from: usize) -> Option<usize> {
        let stale =
            !self.searched || from < self.searched_from || self.next.is_some_and(|e| e < from);
        if stale {
            self.searched = true;
            self.searched_from = from;
            self.next = b
                .get(from..)
                .and_then(|rest| memmem::find(rest, END))
                .map(|k| from + k);
        }
        self.next
    }
}

/// The end of `-----BEGIN|END <LABEL>PRIVATE KEY-----` at `p`, where `marker` is BEGIN or END.
fn key_line(b: &[u8], p: usize, marker: &[u8]) -> Option<usize> {
    if !starts_with(b, p, marker) {
        return None;
    }
    let label = p + marker.len();
    // `[A-Z ]*` then `-----`; the label must end in `PRIVATE KEY` (PEM) or `PRIVATE KEY BLOCK`
    // (an OpenPGP armoured secret key).
    let len = run_len(b, label, 64, |c| is_upper(c) || c == b' ');
    let tail = label + len;
    let name = b.get(label..tail)?;
    let private = name.ends_with(b"PRIVATE KEY") || name.ends_with(b"PRIVATE KEY BLOCK");
    (private && starts_with(b, tail, b"-----")).then_some(tail + 5)
}

/// A truncated block's body line shorter than this must be a whole line (a base64 line cut off
/// mid-way by the end of the output is usually long; a short word after the header is prose).
const MIN_PARTIAL_LINE: usize = 16;

/// A PEM private key block at `s` (on the first `-` of `-----BEGIN`): the whole block up to and
/// including its `-----END ... PRIVATE KEY-----` line. Without an END line (truncated output),
/// the header and the base64 lines that follow it.
pub(super) fn pem_block(b: &[u8], s: usize, ends: &mut PemEnds) -> Option<usize> {
    if !starts_with(b, s, BEGIN) {
        return None;
    }
    let header_end = key_line(b, s, BEGIN)?;
    if let Some(e) = ends.next_at_or_after(b, header_end)
        && e - header_end <= MAX_PEM
        && let Some(end) = key_line(b, e, END)
    {
        return Some(end);
    }
    // Truncated: take the following lines made only of base64 characters.
    let mut end = header_end;
    let mut p = header_end;
    while p - header_end < MAX_PEM {
        let nl = if starts_with(b, p, b"\r\n") {
            2
        } else {
            usize::from(at(b, p) == b'\n')
        };
        if nl == 0 {
            break;
        }
        let line = p + nl;
        let body = run_len(b, line, 80, |c| {
            is_alnum(c) || matches!(c, b'+' | b'/' | b'=')
        });
        let whole = matches!(at(b, line + body), b'\r' | b'\n' | 0);
        if body == 0 || !(whole || body >= MIN_PARTIAL_LINE) {
            break;
        }
        p = line + body;
        end = p;
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws() {
        let t = b"key AKIAIOSFODNN7EXAMPLE.";
        assert_eq!(aws_key(t, 4), Some(24));
        assert_eq!(aws_key(b"ASIAY34FZKBOKMUTVV7A", 0), Some(20));
        assert_eq!(aws_key(b"AKIAIOSFODNN7EXAMPLEX", 0), None);
        assert_eq!(aws_key(b"AKIAIOSFODNN7EXAMPL", 0), None);
        assert_eq!(aws_key(b"AKIAiosfodnn7example", 0), None);
        assert_eq!(aws_key(b"ASIAN FOOD", 0), None);
        for key in [
            "ABIAIOSFODNN7EXAMPLE",
            "ACCAIOSFODNN7EXAMPLE",
            "A3TXIOSFODNN7EXAMPLE",
            "A3T1IOSFODNN7EXAMPLE",
        ] {
            assert_eq!(aws_key(key.as_bytes(), 0), Some(20), "{key}");
        }
        // Look-alikes: other prefixes, and the right prefixes with the wrong length or case.
        for other in [
            "ABCDIOSFODNN7EXAMPLE",
            "A3T-IOSFODNN7EXAMPLE",
            "ACCAIOSFODNN7EXAMPL",
            "ABIAIOSFODNN7EXAMPLE1",
            "ACCAiosfodnn7example",
            "ACCOUNTANTS AND AUDITORS",
        ] {
            assert_eq!(aws_key(other.as_bytes(), 0), None, "{other}");
        }
    }

    #[test]
    fn github() {
        let classic = format!("token ghp_{} ok", "a1B2c3D4e5".repeat(3) + "F6g7H8");
        let u = classic.find('_').unwrap_or_default();
        assert_eq!(github_token(classic.as_bytes(), u), Some((6, 6 + 40)));
        for prefix in ["gho", "ghu", "ghs", "ghr"] {
            let t = format!("{prefix}_{}", "x".repeat(36));
            assert_eq!(github_token(t.as_bytes(), 3), Some((0, 40)), "{t}");
        }
        assert_eq!(
            github_token(format!("ghp_{}", "x".repeat(35)).as_bytes(), 3),
            None
        );
        assert_eq!(
            github_token(format!("ghp_{}", "x".repeat(37)).as_bytes(), 3),
            None
        );
        assert_eq!(
            github_token(format!("xghp_{}", "x".repeat(36)).as_bytes(), 4),
            None
        );
        assert_eq!(
            github_token(format!("ghx_{}", "x".repeat(36)).as_bytes(), 3),
            None
        );

        let fine = format!("github_pat_{}_{}", "A".repeat(22), "b".repeat(59));
        assert_eq!(github_token(fine.as_bytes(), 6), Some((0, 93)));
        assert_eq!(github_token(format!("{fine}c").as_bytes(), 6), None);
        assert_eq!(github_token(b"github_pat_short", 6), None);
    }

    #[test]
    fn own_api_keys() {
        let key = format!("key=orch_{} ok", "aB3_-x".repeat(7) + "z");
        assert_eq!(orchestrator_key(key.as_bytes(), 8), Some((4, 4 + 48)));
        let short = format!("orch_{}", "a".repeat(42));
        assert_eq!(orchestrator_key(short.as_bytes(), 4), None);
        let long = format!("orch_{}", "a".repeat(44));
        assert_eq!(orchestrator_key(long.as_bytes(), 4), None);
        let glued = format!("xorch_{}", "a".repeat(43));
        assert_eq!(orchestrator_key(glued.as_bytes(), 5), None);
        assert_eq!(orchestrator_key(b"orch_estra", 4), None);
        assert_eq!(orchestrator_key(b"_x", 0), None);
    }

    #[test]
    fn jwts() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let t = format!("Bearer {token}.");
        assert_eq!(jwt(t.as_bytes(), 7), Some(7 + token.len()));
        assert_eq!(jwt(token.as_bytes(), 0), Some(token.len()));
        let t = format!("{token}.eyJmore");
        assert_eq!(jwt(t.as_bytes(), 0), None, "a fourth segment");
        assert_eq!(jwt(b"eyJhbGciOiJIUzI1NiJ9.notjson.sig", 0), None);
        assert_eq!(jwt(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.", 0), None);
        assert_eq!(jwt(b"eyJ.eyJ.x", 0), None);
    }

    #[test]
    fn unsecured_jwts() {
        // {"alg":"none"} and {"alg": "NONE", "typ":"JWT"}, each with a payload and no signature.
        for header in [
            "eyJhbGciOiJub25lIn0",
            "eyJhbGciOiAiTk9ORSIsICJ0eXAiOiJKV1QifQ",
        ] {
            let token = format!("{header}.eyJzdWIiOiIxMjM0NTY3ODkwIn0.");
            let t = format!("token {token} sent");
            assert_eq!(jwt(t.as_bytes(), 6), Some(6 + token.len()), "{t}");
            assert_eq!(jwt(token.as_bytes(), 0), Some(token.len()), "{token}");
        }
        // A signed algorithm without a signature is two base64 words and a full stop.
        assert_eq!(jwt(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.", 0), None);
        // Not base64 JSON at all.
        assert_eq!(jwt(b"eyJ!notbase64!!.eyJzdWIiOiIxIn0.", 0), None);
    }

    fn pem(t: &str) -> Option<&str> {
        let s = t.find("-----BEGIN")?;
        pem_block(t.as_bytes(), s, &mut PemEnds::default()).and_then(|e| t.get(s..e))
    }

    #[test]
    fn pem_blocks() {
        let block = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----";
        assert_eq!(pem(&format!("key:\n{block}\nthanks")), Some(block));
        for label in ["", "EC ", "OPENSSH ", "ENCRYPTED ", "DSA "] {
            let b = format!(
                "-----BEGIN {label}PRIVATE KEY-----\nAAAA\n-----END {label}PRIVATE KEY-----"
            );
            assert_eq!(pem(&b), Some(b.as_str()), "{b}");
        }
        // Truncated: the header and its base64 lines.
        let cut = "-----BEGIN PRIVATE KEY-----\nMIIBOgIBAAJBAKj34\r\nKUpRKfFLfRYC9AIKjbJ==";
        assert_eq!(pem(cut), Some(cut));
        assert_eq!(pem(&format!("{cut}\n\nand more")), Some(cut));
        assert_eq!(pem(&format!("{cut}\nand more")), Some(cut));
        assert_eq!(pem(&format!("{cut} and more")), Some(cut));
        let header = "-----BEGIN PRIVATE KEY-----";
        assert_eq!(pem(&format!("{header}\nis what it printed")), Some(header));
        assert_eq!(
            pem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
            None
        );
        assert_eq!(
            pem("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"),
            None
        );
        assert_eq!(pem("-----BEGIN private key-----"), None);
    }

    #[test]
    fn pgp_private_key_blocks() {
        let block = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF0rKmYBCADHSX2mF8W\n=e3Yt\n-----END PGP PRIVATE KEY BLOCK-----";
        assert_eq!(pem(&format!("here:\n{block}\nbye")), Some(block));
        // Public blocks and signatures are not secrets.
        for public in [
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQENBF0r\n-----END PGP PUBLIC KEY BLOCK-----",
            "-----BEGIN PGP SIGNATURE-----\niQEzBAEB\n-----END PGP SIGNATURE-----",
        ] {
            assert_eq!(pem(public), None, "{public}");
        }
    }

    #[test]
    fn pem_end_cache() {
        // Two blocks: the second must find its own END, not reuse the first one's.
        let one = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
        let t = format!("{one}\n{one}");
        let mut ends = PemEnds::default();
        let b = t.as_bytes();
        assert_eq!(pem_block(b, 0, &mut ends), Some(one.len()));
        assert_eq!(pem_block(b, one.len() + 1, &mut ends), Some(t.len()));
    }
}
