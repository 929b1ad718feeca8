//! Applies replacements (sensitive data, REDACT policy matches) to the output, and maps
//! positions of the raw output into the redacted one so that excerpts can be cut from text that
//! no longer holds anything sensitive.

use std::ops::Range;

/// Characters of context on each side of an excerpt's match.
const EXCERPT_CONTEXT: usize = 40;
/// Longest match shown whole in an excerpt; longer ones are shortened in the middle.
const EXCERPT_MATCH_MAX: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub range: Range<usize>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Redacted {
    pub text: String,
    /// (raw range, redacted range) of every replacement, in order.
    spans: Vec<(Range<usize>, Range<usize>)>,
}

/// Applies `replacements` to `raw`. Overlapping replacements merge into the earliest one, so
/// that no part of either original survives.
pub fn apply(raw: &str, mut replacements: Vec<Replacement>) -> Redacted {
    replacements.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
    });
    let mut merged: Vec<Replacement> = Vec::with_capacity(replacements.len());
    for replacement in replacements {
        match merged.last_mut() {
            Some(last) if replacement.range.start < last.range.end => {
                last.range.end = last.range.end.max(replacement.range.end);
            }
            _ => merged.push(replacement),
        }
    }
    let mut text = String::with_capacity(raw.len());
    let mut spans = Vec::with_capacity(merged.len());
    let mut copied = 0;
    for replacement in merged {
        let (Some(before), true) = (
            raw.get(copied..replacement.range.start),
            replacement.range.end <= raw.len(),
        ) else {
            continue; // a range off the text or off a char boundary: nothing sane to replace
        };
        text.push_str(before);
        let start = text.len();
        text.push_str(&replacement.text);
        spans.push((replacement.range.clone(), start..text.len()));
        copied = replacement.range.end;
    }
    text.push_str(raw.get(copied..).unwrap_or_default());
    Redacted { text, spans }
}

impl Redacted {
    /// Where raw offset `offset` lands in the redacted text; inside a replacement it lands at
    /// the replacement's start (`end = false`) or end (`end = true`).
    fn map(&self, offset: usize, end: bool) -> usize {
        let index = self.spans.partition_point(|(raw, _)| raw.start <= offset);
        let Some((raw, redacted)) = index.checked_sub(1).and_then(|i| self.spans.get(i)) else {
            return offset;
        };
        if offset < raw.end || (end && offset == raw.end) {
            if end { redacted.end } else { redacted.start }
        } else {
            redacted.end + (offset - raw.end)
        }
    }

    /// The redacted text around a raw range, on one line, shortened with '…'.
    pub fn excerpt(&self, raw: Range<usize>) -> String {
        let text = self.text.as_str();
        let start = floor_boundary(text, self.map(raw.start, false));
        let end = floor_boundary(text, self.map(raw.end, true).max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        let from = floor_boundary(text, start.saturating_sub(EXCERPT_CONTEXT).max(line_start));
        let to = ceil_boundary(text, (end + EXCERPT_CONTEXT).min(line_end));

        let mut excerpt = String::new();
        if from > line_start {
            excerpt.push('…');
        }
        excerpt.push_str(text[from..start].trim_start());
        let matched = &text[start..end];
        if matched.chars().count() > EXCERPT_MATCH_MAX {
            let half = EXCERPT_MATCH_MAX / 2;
            let head: String = matched.chars().take(half).collect();
            let tail: Vec<char> = matched.chars().rev().take(half).collect();
            excerpt.push_str(&head);
            excerpt.push('…');
            excerpt.extend(tail.into_iter().rev());
        } else {
            excerpt.push_str(matched);
        }
        excerpt.push_str(text[end..to].trim_end());
        if to < line_end {
            excerpt.push('…');
        }
        excerpt.replace(['\r', '\t'], " ")
    }
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(range: Range<usize>, text: &str) -> Replacement {
        Replacement {
            range,
            text: text.to_owned(),
        }
    }

    #[test]
    fn replaces_and_merges_overlaps() {
        let raw = "mail bob@example.com or call 555-123-4567 now";
        let email = raw.find("bob").unwrap();
        let phone = raw.find("555").unwrap();
        let redacted = apply(
            raw,
            vec![
                replace(phone..phone + 12, "[PHONE]"),
                replace(email..email + 15, "[EMAIL]"),
                replace(email + 4..email + 11, "[REDACTED:x]"),
            ],
        );
        assert_eq!(redacted.text, "mail [EMAIL] or call [PHONE] now");
    }

    #[test]
    fn excerpts_come_from_the_redacted_text() {
        let raw = format!(
            "{}secret bob@example.com guaranteed returns{}",
            "x ".repeat(40),
            " y".repeat(40)
        );
        let email = raw.find("bob").unwrap();
        let redacted = apply(&raw, vec![replace(email..email + 15, "[EMAIL]")]);
        let word = raw.find("guaranteed").unwrap();
        let excerpt = redacted.excerpt(word..word + "guaranteed".len());
        assert!(excerpt.contains("[EMAIL] guaranteed returns"), "{excerpt}");
        assert!(!excerpt.contains("bob"), "{excerpt}");
        assert!(
            excerpt.starts_with('…') && excerpt.ends_with('…'),
            "{excerpt}"
        );
    }

    #[test]
    fn excerpts_stay_on_their_line_and_on_char_boundaries() {
        let raw = "first line\nnaïve ünïcödé match here\nthird";
        let redacted = apply(raw, Vec::new());
        let at = raw.find("match").unwrap();
        assert_eq!(redacted.excerpt(at..at + 5), "naïve ünïcödé match here");
    }

    #[test]
    fn an_excerpt_of_a_replaced_range_shows_the_replacement() {
        let raw = "key AKIAIOSFODNN7EXAMPLE end";
        let at = raw.find("AKIA").unwrap();
        let redacted = apply(raw, vec![replace(at..at + 20, "[SECRET]")]);
        assert_eq!(redacted.excerpt(at..at + 20), "key [SECRET] end");
    }
}
