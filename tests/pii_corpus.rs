//! Precision and recall of the PII scanner on two labelled corpora in `tests/data`, written by
//! two independent generators: one-line sentences (`cargo run --example gen_pii_corpus`) and
//! whole documents where values sit in tables, keys and letters in six languages
//! (`rustc examples/gen_pii_documents.rs`; see its header). A finding counts as a true positive
//! only with the right category and the exact byte range. Run with `--nocapture` to see the
//! tables.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use orchestrator::model::PiiCategory;
use orchestrator::review::pii::Scanner;
use serde::Deserialize;

const SENTENCES: &str = include_str!("data/pii_corpus.jsonl");
const DOCUMENTS: &str = include_str!("data/pii_documents.jsonl");
/// Required per category, for both precision and recall.
const MIN_SCORE: f64 = 0.99;
/// A corpus must stay big enough for the scores to mean something.
const MIN_POSITIVES: usize = 300;

#[derive(Deserialize)]
struct Line {
    text: String,
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    start: usize,
    end: usize,
    category: String,
}

#[derive(Default)]
struct Counts {
    expected: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[test]
fn sentences() {
    score("pii_corpus.jsonl", SENTENCES, 2000);
}

#[test]
fn documents() {
    score("pii_documents.jsonl", DOCUMENTS, 600);
}

fn score(name: &str, corpus: &str, min_decoy_lines: usize) {
    let scanner = Scanner::all();
    let mut counts: BTreeMap<PiiCategory, Counts> = PiiCategory::ALL
        .iter()
        .map(|&c| (c, Counts::default()))
        .collect();
    let mut mistakes = Vec::new();
    let mut decoy_lines = 0;

    for (n, raw) in corpus.lines().enumerate() {
        let line: Line = match serde_json::from_str(raw) {
            Ok(line) => line,
            Err(e) => panic!("{name} line {}: {e}", n + 1),
        };
        if line.spans.is_empty() {
            decoy_lines += 1;
        }
        let mut expected = HashSet::new();
        for span in &line.spans {
            let Some(category) = PiiCategory::from_name(&span.category) else {
                panic!("{name} line {}: unknown category {}", n + 1, span.category);
            };
            expected.insert((category, span.start, span.end));
        }
        let found: HashSet<_> = scanner
            .scan(&line.text)
            .into_iter()
            .map(|f| (f.category, f.range.start, f.range.end))
            .collect();

        for &(category, start, end) in &expected {
            let c = counts.entry(category).or_default();
            c.expected += 1;
            if found.contains(&(category, start, end)) {
                c.tp += 1;
            } else {
                c.fn_ += 1;
                let value = line.text.get(start..end).unwrap_or("?");
                mistakes.push(format!("missed {category} {value:?} in {:?}", line.text));
            }
        }
        for &(category, start, end) in found.difference(&expected) {
            counts.entry(category).or_default().fp += 1;
            let value = line.text.get(start..end).unwrap_or("?");
            mistakes.push(format!("false {category} {value:?} in {:?}", line.text));
        }
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<12} {:>8} {:>6} {:>4} {:>4} {:>9} {:>7}",
        "category", "expected", "tp", "fp", "fn", "precision", "recall"
    );
    let mut failures = Vec::new();
    for (category, c) in &counts {
        let _ = writeln!(
            table,
            "{:<12} {:>8} {:>6} {:>4} {:>4} {:>9.4} {:>7.4}",
            category.as_str(),
            c.expected,
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall()
        );
        if c.precision() < MIN_SCORE || c.recall() < MIN_SCORE {
            failures.push(format!(
                "{category}: precision {:.4}, recall {:.4}",
                c.precision(),
                c.recall()
            ));
        }
        if c.expected < MIN_POSITIVES {
            failures.push(format!(
                "{category}: only {} labelled values in the corpus",
                c.expected
            ));
        }
    }
    let _ = writeln!(table, "{name}: {decoy_lines} decoy lines");
    if decoy_lines < min_decoy_lines {
        failures.push(format!("only {decoy_lines} decoy lines in the corpus"));
    }
    println!("{table}");
    for m in mistakes.iter().take(40) {
        println!("{m}");
    }
    assert!(
        failures.is_empty(),
        "below {MIN_SCORE} or corpus too small:\n{}\n{table}\nfirst mistakes:\n{}",
        failures.join("\n"),
        mistakes
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
