//! Throughput of PII scan and scan + redact over mixed English prose with sparse PII (about one
//! value per 2 KB, plus number-heavy look-alikes), at 1 MiB and at 64 KiB (one review).
//!
//! `cargo bench --bench pii_scan`; throughput is reported in MB/s (decimal).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orchestrator::model::RedactionStyle;
use orchestrator::review::pii::{Pseudonyms, Scanner, redact};

/// splitmix64, so the input is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "service",
    "latency",
    "request",
    "orchestration",
    "review",
    "agent",
    "answer",
    "section",
    "summary",
    "customer",
    "account",
    "deployment",
    "region",
    "budget",
    "quarter",
    "revenue",
    "growth",
    "evidence",
    "however",
    "therefore",
    "well-known",
    "follow-up",
    "e-mail",
    "Q3",
    "API",
    "JSON",
    "SLA",
    "EU",
    "US",
    "Monday",
    "January",
    "Acme",
    "Corp.",
    "Dr.",
    "café",
    "naïve",
    "über",
    "(see",
    "above)",
];

/// Look-alikes that make the numeric detectors work without producing findings.
const NOISE: &[&str] = &[
    "2024-01-15",
    "12:30:45",
    "v1.2.3.4",
    "ORD-2024-000123",
    "3.5%",
    "$1,234.56",
    "42",
    "1999",
    "1705312345",
    "4b825dc",
    "#88412-3",
    "10:00",
    "std::vector",
    "@team",
];

/// About one of these per 2 KB.
const PII: &[&str] = &[
    "jane.doe@example.com",
    "(415) 555-0132",
    "+44 20 7946 0958",
    "123-45-6789",
    "130 692 544",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "192.168.10.20",
    "2001:db8::8a2e:370:7334",
    "AKIAIOSFODNN7EXAMPLE",
];

fn prose(len: usize) -> String {
    let mut rng = Rng(2024);
    let mut out = String::with_capacity(len + 64);
    let mut next_pii = 2048;
    let mut sentence_start = true;
    while out.len() < len {
        let word = if out.len() >= next_pii {
            next_pii += 1024 + (rng.next() % 2048) as usize;
            rng.pick(PII)
        } else if rng.next().is_multiple_of(40) {
            rng.pick(NOISE)
        } else {
            rng.pick(WORDS)
        };
        if sentence_start {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(word);
        }
        sentence_start = false;
        match rng.next() % 16 {
            0 => {
                out.push_str(". ");
                sentence_start = true;
            }
            1 => out.push_str(", "),
            2 if rng.next().is_multiple_of(8) => {
                out.push_str(".\n\n");
                sentence_start = true;
            }
            _ => out.push(' '),
        }
    }
    // Cut on a char boundary at or below `len`.
    let mut cut = len.min(out.len());
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    out.truncate(cut);
    out
}

fn bench_size(c: &mut Criterion, name: &str, len: usize) {
    let text = prose(len);
    let scanner = Scanner::all();
    let pseudonyms = Pseudonyms::new(b"bench secret", "tenant");
    let findings = scanner.scan(&text).len();
    let mut group = c.benchmark_group(format!("pii_scan/{name}"));
    group.throughput(Throughput::BytesDecimal(text.len() as u64));
    eprintln!("{name}: {} bytes, {findings} findings", text.len());

    group.bench_function("scan", |b| b.iter(|| scanner.scan(black_box(&text))));
    group.bench_function("scan+redact(label)", |b| {
        b.iter(|| {
            let findings = scanner.scan(black_box(&text));
            redact(&text, &findings, RedactionStyle::Label, &pseudonyms)
        })
    });
    group.bench_function("scan+redact(hash)", |b| {
        b.iter(|| {
            let findings = scanner.scan(black_box(&text));
            redact(&text, &findings, RedactionStyle::Hash, &pseudonyms)
        })
    });
    group.finish();
}

/// A CSV export in which every row holds bare numbers that only their column's header makes
/// sensitive (and one column that makes them not): the worst case for the label lookups, which
/// must stay linear.
fn table(len: usize) -> String {
    let mut out = String::from("name,sin,order_id,phone,note\n");
    let mut rng = Rng(7);
    while out.len() < len {
        // 130692544 and 046454286 pass the SIN's Luhn check; the orders pass it too.
        let sin = rng.pick(&["130692544", "193456787", "046454286"]);
        let order = rng.pick(&["130692544", "123456782"]);
        let phone = rng.pick(&["4155552671", "2125550199", "1705312345"]);
        let word = rng.pick(WORDS);
        out.push_str(&format!("Jane Doe,{sin},{order},{phone},{word}\n"));
    }
    out
}

fn bench_table(c: &mut Criterion) {
    let text = table(1 << 20);
    let scanner = Scanner::all();
    let mut group = c.benchmark_group("pii_scan/1MiB-csv");
    group.throughput(Throughput::BytesDecimal(text.len() as u64));
    eprintln!(
        "1MiB-csv: {} bytes, {} findings",
        text.len(),
        scanner.scan(&text).len()
    );
    group.bench_function("scan", |b| b.iter(|| scanner.scan(black_box(&text))));
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_size(c, "1MiB", 1 << 20);
    bench_size(c, "64KiB", 64 << 10);
    bench_table(c);
}

criterion_group!(pii, benches);
criterion_main!(pii);
