//! Scanner-level tests: the pass as a whole, category filtering, redaction, robustness.
//! Per-detector edge cases are next to each detector.

use super::*;

use PiiCategory::*;

/// `(category, matched text)` for every finding, checking the invariants on the way.
fn scan(text: &str) -> Vec<(PiiCategory, &str)> {
    let findings = Scanner::all().scan(text);
    check_invariants(text, &findings);
    findings
        .iter()
        .map(|f| {
            (
                f.category,
                text.get(f.range.clone()).unwrap_or("<bad range>"),
            )
        })
        .collect()
}

fn check_invariants(text: &str, findings: &[Finding]) {
    let mut last_end = 0;
    for f in findings {
        assert!(f.range.start < f.range.end, "{f:?}");
        assert!(
            f.range.start >= last_end,
            "sorted, non-overlapping: {findings:?}"
        );
        assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
        assert!(f.range.end <= text.len());
        last_end = f.range.end;
    }
}

const PEM: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\nAwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SQr6Pz3wQnGE0tJrCH2nFlM\n-----END EC PRIVATE KEY-----";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

#[test]
fn one_of_each_in_prose() {
    let text = format!(
        "Hi team, reach Jane at jane.doe+work@mail.example.com or (415) 555-0132; her SSN is \
         123-45-6789 and SIN 130 692 544. Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 \
         0130 00, host 10.20.30.40 and fe80::1ff:fe23:4567:890a. Keys: AKIAIOSFODNN7EXAMPLE, \
         Bearer {JWT}.\n{PEM}\nThanks!"
    );
    assert_eq!(
        scan(&text),
        [
            (Email, "jane.doe+work@mail.example.com"),
            (Phone, "(415) 555-0132"),
            (UsSsn, "123-45-6789"),
            (CaSin, "130 692 544"),
            (CreditCard, "4111 1111 1111 1111"),
            (Iban, "DE89 3704 0044 0532 0130 00"),
            (IpAddress, "10.20.30.40"),
            (IpAddress, "fe80::1ff:fe23:4567:890a"),
            (Secret, "AKIAIOSFODNN7EXAMPLE"),
            (Secret, JWT),
            (Secret, PEM),
        ]
    );
}

#[test]
fn start_and_end_of_text() {
    for (text, category) in [
        ("a@example.com", Email),
        ("555-234-5678", Phone),
        ("+4915112345678", Phone),
        ("123-45-6789", UsSsn),
        ("130-692-544", CaSin),
        ("5555555555554444", CreditCard),
        ("GB82WEST12345698765432", Iban),
        ("192.0.2.1", IpAddress),
        ("::1", IpAddress),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", Secret),
        (JWT, Secret),
        (PEM, Secret),
    ] {
        assert_eq!(scan(text), [(category, text)], "{text}");
    }
}

#[test]
fn punctuation_and_unicode_around() {
    for (value, category) in [
        ("a@example.com", Email),
        ("555-234-5678", Phone),
        ("123-45-6789", UsSsn),
        ("4111111111111111", CreditCard),
        ("192.0.2.1", IpAddress),
        ("2001:db8::1", IpAddress),
        ("AKIAIOSFODNN7EXAMPLE", Secret),
    ] {
        for text in [
            format!("({value})"),
            format!("\"{value}\","),
            format!("{value}."),
            format!("{value}!?"),
            format!("“{value}”"),
            format!("→{value}←"),
            format!("電話{value}です"),
            format!("Ünïcödé {value} ñ"),
            format!("x\t{value}\r\n"),
        ] {
            assert_eq!(scan(&text), [(category, value)], "{text}");
        }
    }
}

#[test]
fn several_and_adjacent() {
    assert_eq!(
        scan("a@x.io,b@y.io;555-234-5678 | 555-987-6543 10.0.0.1 10.0.0.2"),
        [
            (Email, "a@x.io"),
            (Email, "b@y.io"),
            (Phone, "555-234-5678"),
            (Phone, "555-987-6543"),
            (IpAddress, "10.0.0.1"),
            (IpAddress, "10.0.0.2"),
        ]
    );
    // The card's digits are also the email's local part: one finding, the longer one.
    assert_eq!(
        scan("4111111111111111+tag@example.com"),
        [(Email, "4111111111111111+tag@example.com")]
    );
    // An IP address inside a URL, with port.
    assert_eq!(scan("http://10.1.2.3:8080/x"), [(IpAddress, "10.1.2.3")]);
}

#[test]
fn ssn_and_sin_never_double_report() {
    // Dashed layouts differ (3-2-4 vs 3-3-3), so each value has exactly one reading.
    assert_eq!(scan("123-45-6789"), [(UsSsn, "123-45-6789")]);
    assert_eq!(scan("130-692-544"), [(CaSin, "130-692-544")]);
    // A bare run valid as both, with both context words: reported once, as the nearer label
    // says.
    let both = "SSN or SIN: 130692544";
    assert_eq!(scan(both), [(CaSin, "130692544")]);
    assert_eq!(scan("SIN or SSN: 130692544"), [(UsSsn, "130692544")]);
    assert_eq!(scan("SIN: 130692544"), [(CaSin, "130692544")]);
    // 666 is not an SSN area, so with both words this Luhn-valid run is the SIN.
    assert_eq!(scan("SSN/SIN 666000005"), [(CaSin, "666000005")]);
    assert_eq!(Scanner::new(&[UsSsn]).scan(both), []);
}

#[test]
fn overlapping_candidates() {
    // IBAN digits are not rescanned as a card, also when the check digits are wrong.
    assert_eq!(
        scan("DE89 3704 0044 0532 0130 00"),
        [(Iban, "DE89 3704 0044 0532 0130 00")]
    );
    assert_eq!(scan("DE00 4111 1111 1111 1111 11"), []);
    // An IPv4-mapped IPv6 address is one finding, not an IPv6 prefix plus an IPv4 address.
    assert_eq!(
        scan("::ffff:192.0.2.128"),
        [(IpAddress, "::ffff:192.0.2.128")]
    );
    // A JWT's segments are not re-read as anything else, nor is the key inside a PEM block.
    assert_eq!(scan(JWT), [(Secret, JWT)]);
    // The phone after a country code is one value.
    assert_eq!(scan("+1 (415) 555-0132"), [(Phone, "+1 (415) 555-0132")]);
    // Comma-separated lists without spaces.
    assert_eq!(
        scan("allow=10.0.0.1,10.0.0.2"),
        [(IpAddress, "10.0.0.1"), (IpAddress, "10.0.0.2")]
    );
    assert_eq!(
        scan("4111111111111111,5555555555554444"),
        [
            (CreditCard, "4111111111111111"),
            (CreditCard, "5555555555554444")
        ]
    );
}

/// The limits listed in the module docs, pinned so that a change to them is deliberate.
#[test]
fn known_limits() {
    assert_eq!(scan("555-123-4567"), []);
    assert_eq!(
        scan("DE89370400440532013000"),
        [(Iban, "DE89370400440532013000")]
    );
    assert_eq!(scan("de89370400440532013000"), []);
    assert_eq!(scan("dead:beef::cafe"), []);
    assert_eq!(scan("2001:db8::1:8080"), [(IpAddress, "2001:db8::1:8080")]);
    assert_eq!(scan("é555-234-5678"), [(Phone, "555-234-5678")]);
    assert_eq!(
        scan("+44 20 7946 0958 24/7"),
        [(Phone, "+44 20 7946 0958 24")]
    );
}

#[test]
fn decoys_are_quiet() {
    for text in [
        "Released 2024-01-15 at 12:30:45, see 01/15/2024 and 15.01.2024.",
        "epoch 1705312345 and 1705312345678 ms",
        "id 550e8400-e29b-41d4-a716-446655440000, fragment 446655440000 and a716-4466",
        "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 (short 4b825dc, 1234567)",
        "upgrade to v1.2.3.4, version 10.0.19041.1, release 2.4.1.7, Version: 1.0.0.1",
        "1.2.3.4.5 and 10.0.0.1.2",
        "ORD-2024-000123, Order #88412-3, PO 4500012345, INV-2024-00042",
        "tracking 1Z999AA10123456784, 9400111899223344556677, 123456789012",
        "card 4111111111111112 and 4111 1111 1111 1112",
        "IBAN DE88 3704 0044 0532 0130 00 (bad check digits)",
        "SIN 130-692-545, SSN 000-12-3456, 666-12-3456, 912-12-3456, 123-00-4567, 123-45-0000",
        "sku ABC4111111111111111XYZ, ref4111111111111111, x555-234-5678, id_5552345678",
        "ping @john.doe, mail user@localhost, C++ std::vector, MAC 00:1a:2b:3c:4d:5e, ::",
        "ISBN 978-3-16-148410-0, total $1,234,567.89, 3:16, 2024-01-15T12:30:45Z",
    ] {
        assert_eq!(scan(text), [], "{text}");
    }
}

#[test]
fn category_filtering() {
    let text = format!("a@example.com 555-234-5678 10.0.0.1 {JWT}");
    let all = Scanner::all().scan(&text);
    assert_eq!(all.len(), 4);
    for category in PiiCategory::ALL {
        let only = Scanner::new(&[category]).scan(&text);
        let want: Vec<Finding> = all
            .iter()
            .filter(|f| f.category == category)
            .cloned()
            .collect();
        assert_eq!(only, want, "{category}");
    }
    assert_eq!(Scanner::new(&[]).scan(&text), []);
    let two = Scanner::new(&[Email, Secret, Email]).scan(&text);
    assert_eq!(
        two.iter().map(|f| f.category).collect::<Vec<_>>(),
        [Email, Secret]
    );
    // Disabling IP does not turn the quad into something else.
    assert_eq!(Scanner::new(&[Phone, CreditCard]).scan("10.0.0.1").len(), 0);
}

#[test]
fn redaction_styles_end_to_end() {
    let text = "Mail john@example.com, card 4111-1111-1111-1111.";
    let findings = Scanner::all().scan(text);
    assert_eq!(
        redact(
            text,
            &findings,
            RedactionStyle::Label,
            &Pseudonyms::new(b"k", "t")
        ),
        "Mail [EMAIL], card [CREDIT_CARD]."
    );
    assert_eq!(
        redact(
            text,
            &findings,
            RedactionStyle::Mask,
            &Pseudonyms::new(b"k", "t")
        ),
        "Mail j***@example.com, card ****-****-****-1111."
    );
    let tenant = Pseudonyms::new(b"k", "tenant");
    let hashed = redact(text, &findings, RedactionStyle::Hash, &tenant);
    let email = replacement(Email, "john@example.com", RedactionStyle::Hash, &tenant);
    let card = replacement(
        CreditCard,
        "4111-1111-1111-1111",
        RedactionStyle::Hash,
        &tenant,
    );
    assert_eq!(hashed, format!("Mail {email}, card {card}."));
    assert_ne!(
        hashed,
        redact(
            text,
            &findings,
            RedactionStyle::Hash,
            &Pseudonyms::new(b"k", "other")
        )
    );
}

#[test]
fn redacted_output_has_nothing_left() {
    let text = format!(
        "jane.doe@example.com (415) 555-0132 +44 20 7946 0958 123-45-6789 130 692 544 \
         4111 1111 1111 1111 GB82 WEST 1234 5698 7654 32 10.20.30.40 2001:db8::8a2e:370:7334 \
         AKIAIOSFODNN7EXAMPLE {JWT}\n{PEM}\nSSN 123456789 phone 4155550132"
    );
    let scanner = Scanner::all();
    let findings = scanner.scan(&text);
    assert_eq!(findings.len(), 14, "{findings:?}");
    for style in [
        RedactionStyle::Label,
        RedactionStyle::Mask,
        RedactionStyle::Hash,
    ] {
        for tenant in ["", "tenant-1"] {
            let out = redact(&text, &findings, style, &Pseudonyms::new(b"k", tenant));
            assert_eq!(scanner.scan(&out), [], "{style:?}: {out}");
        }
    }
}

/// splitmix64: a tiny deterministic generator for the robustness tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A custom detector with context words and a checksum, so that random text also goes through
/// the label lookups of `context` from a regex match.
static CUSTOM: std::sync::LazyLock<custom::CustomDetectors> = std::sync::LazyLock::new(|| {
    let spec = crate::model::CustomDetector {
        name: "digits".into(),
        pattern: r"\d{3,12}".into(),
        context_words: vec!["sin".into(), "order id".into()],
        checksum: Some(crate::model::Checksum::Luhn),
        category: "DIGITS".into(),
    };
    custom::CustomDetectors::compile(&[spec]).unwrap_or_default()
});

fn scan_and_redact_everything(text: &str) {
    let findings = Scanner::all().scan(text);
    check_invariants(text, &findings);
    for found in CUSTOM.scan(text) {
        assert!(text.get(found.range.clone()).is_some(), "{found:?}");
    }
    for style in [
        RedactionStyle::Label,
        RedactionStyle::Mask,
        RedactionStyle::Hash,
    ] {
        let _ = redact(text, &findings, style, &Pseudonyms::new(b"k", "t"));
    }
}

#[test]
fn random_bytes_do_not_panic() {
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        scan_and_redact_everything(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn random_token_soup_does_not_panic() {
    // Pieces that make detectors go deep, mixed with multi-byte characters and separators.
    const PIECES: &[&str] = &[
        "4111",
        "1111",
        "555",
        "123",
        "4567",
        "-",
        ".",
        " ",
        ":",
        "::",
        "@",
        "+1",
        "+44",
        "(",
        ")",
        "DE89",
        "3704",
        "GB82",
        "WEST",
        "AKIA",
        "ghp_",
        "github_pat_",
        "eyJ",
        "eyJhbGci",
        "-----BEGIN ",
        "PRIVATE KEY-----",
        "-----END ",
        "\n",
        "é",
        "日本",
        "🦀",
        "\u{200b}",
        "a",
        "Z",
        "x@",
        "example.com",
        "fe80",
        "ffff",
        "192",
        "0",
        "SSN ",
        "phone ",
        "_",
        "=",
        "/",
        "|",
        "|---|",
        ",",
        ";",
        "\t",
        "\"",
        "'",
        "<input name=\"",
        "value=\"",
        ">",
        "#",
        "- ",
        "  ",
        "\n\n",
        "130692544",
        "4155552671",
        "sin: ",
        "S.I.N.",
        "Telefonnummer",
        "socialInsurance",
        "aws_secret_access_key",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ];
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let n = rng.below(40);
        let text: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        scan_and_redact_everything(&text);
    }
    // Arbitrary chars, including every plane.
    for _ in 0..500 {
        let text: String = (0..rng.below(200))
            .filter_map(|_| char::from_u32(rng.next() as u32 % 0x11_0000))
            .collect();
        scan_and_redact_everything(&text);
    }
}

#[test]
fn pathological_inputs_stay_linear() {
    // Each of these would be quadratic with naive backtracking; they must finish quickly.
    let big = 1 << 20;
    for piece in [
        "1:",
        "a@",
        "-----BEGIN PRIVATE KEY-----\n",
        "1 ",
        "1.",
        "ghp_",
        "eyJ.",
        "+1 ",
    ] {
        let text = piece.repeat(big / piece.len());
        let start = std::time::Instant::now();
        scan_and_redact_everything(&text);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{piece:?} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn scanner_is_send_sync_and_cheap() {
    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_send_sync::<Scanner>();
    assert_eq!(std::mem::size_of::<Scanner>(), 1);
}

/// Formats from other detectors' public test vectors (Presidio, detect-secrets, gitleaks) that
/// the scanner used to miss, each found whole through the full pass.
#[test]
fn formats_from_public_vectors() {
    let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0rKmYBCADHSX2mF8W\n=e3Yt\n-----END PGP PRIVATE KEY BLOCK-----";
    let unsecured = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";
    let cases: [(&str, PiiCategory, &str); 9] = [
        (
            "write to user@xn--d1acufc.xn--p1ai today",
            Email,
            "user@xn--d1acufc.xn--p1ai",
        ),
        ("call +44 (20) 7123 4567 now", Phone, "+44 (20) 7123 4567"),
        ("bound to 192.168.2.1@eth0", IpAddress, "192.168.2.1"),
        ("route fe80::1%eth0/64 up", IpAddress, "fe80::1%eth0/64"),
        ("key A3TXIOSFODNN7EXAMPLE", Secret, "A3TXIOSFODNN7EXAMPLE"),
        ("key ABIAIOSFODNN7EXAMPLE", Secret, "ABIAIOSFODNN7EXAMPLE"),
        ("key ACCAIOSFODNN7EXAMPLE", Secret, "ACCAIOSFODNN7EXAMPLE"),
        ("token {unsecured} sent", Secret, unsecured),
        ("here {pgp} bye", Secret, pgp),
    ];
    for (template, category, value) in cases {
        let text = template
            .replace("{unsecured}", unsecured)
            .replace("{pgp}", pgp);
        assert_eq!(scan(&text), [(category, value)], "{text}");
    }
    // Their look-alikes stay untouched.
    for decoy in [
        "see example.xn-- for details",
        "+44 (2020) was the year",
        "version 1.2.3@beta",
        "ACCOUNTANTS AND AUDITORS",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQENBF0r\n-----END PGP PUBLIC KEY BLOCK-----",
    ] {
        assert_eq!(scan(decoy), [], "{decoy}");
    }
}

const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

#[test]
fn aws_secret_keys_beside_their_id_or_label() {
    let id = "AKIAIOSFODNN7EXAMPLE";
    for text in [
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {AWS_SECRET}\n"),
        format!("{{\"AccessKeyId\": \"{id}\", \"SecretAccessKey\": \"{AWS_SECRET}\"}}"),
        format!("export AWS_SECRET_ACCESS_KEY={AWS_SECRET}"),
        format!("Access key ID,Secret access key\n{id},{AWS_SECRET}\n"),
    ] {
        assert_eq!(
            scan(&text),
            [(Secret, id), (Secret, AWS_SECRET)]
                .into_iter()
                .filter(|(_, v)| text.contains(v))
                .collect::<Vec<_>>(),
            "{text}"
        );
    }
    assert_eq!(
        scan(&format!("aws secret key: {AWS_SECRET}")),
        [(Secret, AWS_SECRET)]
    );
    // Forty base64 characters are nothing by themselves: a digest, a label that names
    // something else, a hex SHA even after a key id.
    for decoy in [
        format!("checksum: {AWS_SECRET}"),
        format!("{AWS_SECRET} is the build id"),
        "commit: 0123456789abcdef0123456789abcdef01234567".to_string(),
        "secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12345".to_string(),
    ] {
        assert_eq!(scan(&decoy), [], "{decoy}");
    }
    assert_eq!(
        scan("AKIAIOSFODNN7EXAMPLE 0123456789abcdef0123456789abcdef01234567"),
        [(Secret, "AKIAIOSFODNN7EXAMPLE")]
    );
}

#[test]
fn bare_numbers_labelled_by_structure() {
    let cases: &[(&str, &[(PiiCategory, &str)])] = &[
        (
            "name,sin,phone\nJane,130692544,4155552671\nJoe,046454286,2125550199",
            &[
                (CaSin, "130692544"),
                (Phone, "4155552671"),
                (Phone, "2125550199"),
            ],
        ),
        (
            "| Nom | NAS | Commande |\n|---|---|---|\n| Léa | 130692544 | 123456789 |",
            &[(CaSin, "130692544")],
        ),
        (
            "{\n  \"customer\": {\n    \"socialSecurityNumber\": \"123456789\",\n    \
             \"orderId\": \"123456780\"\n  }\n}",
            &[(UsSsn, "123456789")],
        ),
        (
            "Telefonnummer: 4155552671\nBestellnummer: 4155552672",
            &[(Phone, "4155552671")],
        ),
        (
            "<input name=\"telefono\" value=\"4155552671\"><input name=\"ordine\" \
             value=\"4155552672\">",
            &[(Phone, "4155552671")],
        ),
        ("## SIN\n\nOur reference is 130692544.", &[]),
    ];
    for (text, want) in cases {
        assert_eq!(scan(text), *want, "{text}");
    }
}
