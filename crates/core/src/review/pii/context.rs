//! Where the label of a value that needs one comes from (a bare digit run, an AWS secret key).
//!
//! The structure around the value decides first, most specific first:
//! 1. its key (`"ssn": "…"`, `ssn: …`, `SSN=…`, `<input name="ssn" value="…">`): a key naming
//!    a kind of value decides; a generic one (`value`, `number`) defers to the tag's other
//!    attributes or to what follows here; any other key decides "nothing", unless a parent line (less indented: YAML, pretty JSON, a
//!    list under `Phone numbers:`) names one. A sibling key never labels a value
//!    (`{"ssn_verified": true, "account": "123456789"}`).
//! 2. its table cell (CSV, TSV, markdown): words in the cell before it, else the column's
//!    header, else (under a generic header such as `Value`) the row's first cell.
//! 3. otherwise the prose before it: up to [`PROSE_WINDOW`] bytes, across line breaks within a
//!    paragraph but not across a blank line or a heading.
//!
//! Every look is bounded, and the table state is remembered across the values of one scan, so
//! the scan stays linear however many values a table holds.

use super::labels::{Label, Labels, Tokens};
use super::lex::{at, before};

/// How far back prose may name a value.
pub(super) const PROSE_WINDOW: usize = 48;
/// Longest key read back from a value.
const MAX_KEY: usize = 64;
/// How far back a parent line or an HTML tag's start is looked for.
const MAX_PARENT: usize = 512;
const MAX_PARENT_LINES: usize = 8;
const MAX_TAG: usize = 256;
/// Lines longer than this are not read as table rows.
const MAX_ROW: usize = 4096;

/// Per-scan memory of the line and table around the last value asked about.
#[derive(Debug, Default)]
pub(super) struct Context {
    line: Option<(usize, usize)>,
    /// The table shape of the line starting at `.0`.
    shape: Option<(usize, Option<Shape>)>,
    block: Option<Block>,
}

/// A run of lines of one table shape.
#[derive(Debug)]
struct Block {
    shape: Shape,
    /// Where the block's first line (its header row) starts.
    first: usize,
    /// Where the last line known to belong to the block ends (its `\n` or the text's end).
    end: usize,
    /// The header row's cells, once a later row asked for them.
    header: Option<Vec<(usize, usize)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    Pipe,
    Tab,
    Comma,
    Semicolon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    delimiter: Delimiter,
    /// Delimiters in the line (outside quotes).
    count: usize,
}

impl Context {
    /// Which of `candidates` (the labels whose rules the value passes) labels the value at `s`.
    pub(super) fn label(&mut self, b: &[u8], s: usize, candidates: &[Label]) -> Option<Label> {
        self.label_with(b, s, candidates, &|text| Tokens::of(text).labels())
    }

    /// [`label`](Self::label), with `read` finding the labels in a piece of text (the lexicon,
    /// or a custom detector's context words as well).
    pub(super) fn label_with(
        &mut self,
        b: &[u8],
        s: usize,
        candidates: &[Label],
        read: &dyn Fn(&[u8]) -> Labels,
    ) -> Option<Label> {
        if let Some(key) = Key::before(b, s) {
            let labels = read(slice(b, key.start, key.end));
            if labels.names_something() {
                return labels.resolve(candidates);
            }
            if key.identifier && !labels.generic_only() {
                // An attribute names only its own value; a YAML or JSON key may inherit from
                // its parent line.
                if tag_labels(b, key.start, read).is_some() {
                    return None;
                }
                return parent_labels(b, key.start, read).and_then(|l| l.resolve(candidates));
            }
            // A generic key (`value`, `number`): the tag it is an attribute of, or the text
            // around it.
            if let Some(tag) = tag_labels(b, key.start, read) {
                return tag.resolve(candidates);
            }
        }
        if let Some(cell) = self.cell(b, s) {
            let inside = read(slice(b, cell.start, s));
            if inside.names_something() {
                return inside.resolve(candidates);
            }
            let header = read(slice(b, cell.header.0, cell.header.1));
            if !header.generic_only() {
                return header.resolve(candidates);
            }
            return cell
                .first
                .and_then(|(a, z)| read(slice(b, a, z)).resolve(candidates));
        }
        prose_labels(b, s, read).resolve(candidates)
    }

    /// The table cell holding `s`, when its line is a row of a table with a header row above.
    fn cell(&mut self, b: &[u8], s: usize) -> Option<Cell> {
        let (ls, le) = self.line_of(b, s);
        if le - ls > MAX_ROW {
            return None;
        }
        let shape = match self.shape {
            Some((start, shape)) if start == ls => shape,
            _ => {
                let found = shape(slice(b, ls, le));
                self.shape = Some((ls, found));
                found
            }
        }?;
        let known = self.block.as_ref().and_then(|block| {
            let same = block.shape == shape;
            let within = block.first <= ls && le <= block.end;
            let next = block.end <= ls && lines_match(b, block.end, ls, shape);
            (same && (within || next)).then_some(())
        });
        match (&mut self.block, known) {
            (Some(block), Some(())) => block.end = block.end.max(le),
            _ => self.block = Some(block_ending_at(b, ls, le, shape)),
        }
        let block = self.block.as_mut()?;
        if block.first >= ls {
            return None;
        }
        let first = block.first;
        let header = block.header.get_or_insert_with(|| {
            let end = line_end(b, first);
            cells(b, first, end, shape.delimiter)
        });
        // A block starting at a markdown separator (`|---|`) lost its header row (the line
        // above is not a row): no column names the value.
        let separator = |&(a, z): &(usize, usize)| {
            slice(b, a, z)
                .iter()
                .all(|c| matches!(c, b'-' | b':' | b' ' | b'\t'))
        };
        if header.iter().all(separator) {
            return None;
        }
        let (col, start) = column_at(b, ls, s, shape.delimiter);
        let &(h0, h1) = header.get(col)?;
        let first = (col > 0)
            .then(|| first_cell(b, ls, le, shape.delimiter))
            .flatten();
        Some(Cell {
            start,
            header: (h0, h1),
            first,
        })
    }

    /// The line around `s`, remembered: values of one scan come in order, so each byte is
    /// searched for line breaks at most once in each direction.
    fn line_of(&mut self, b: &[u8], s: usize) -> (usize, usize) {
        if let Some((ls, le)) = self.line
            && ls <= s
            && s <= le
        {
            return (ls, le);
        }
        // Search on from the last line when `s` is past it; from the start otherwise.
        let from = match self.line {
            Some((ls, le)) if ls <= s => le.min(s),
            _ => 0,
        };
        let ls = slice(b, from, s)
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(from, |k| from + k + 1);
        let le = slice(b, s, b.len())
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |k| s + k);
        self.line = Some((ls, le));
        (ls, le)
    }
}

struct Cell {
    /// Where the cell's text starts.
    start: usize,
    /// The header cell of the cell's column.
    header: (usize, usize),
    /// The row's first cell, when the value is in a later one.
    first: Option<(usize, usize)>,
}

fn slice(b: &[u8], start: usize, end: usize) -> &[u8] {
    b.get(start..end).unwrap_or_default()
}

/// A key directly before a value (`key: v`, `key=v`, `"key": "v"`), in bytes `start..end`.
struct Key {
    start: usize,
    end: usize,
    /// Quoted, or a single identifier at the start of its line or after punctuation (not the
    /// last word of a sentence such as `my number is: …`, which is prose).
    identifier: bool,
}

impl Key {
    fn before(b: &[u8], s: usize) -> Option<Self> {
        let mut p = s;
        if matches!(before(b, p), b'"' | b'\'') {
            p -= 1;
        }
        p = skip_blanks_back(b, p);
        if !matches!(before(b, p), b':' | b'=') {
            return None;
        }
        p = skip_blanks_back(b, p - 1);
        let quote = before(b, p);
        if matches!(quote, b'"' | b'\'') {
            let end = p - 1;
            let lo = end.saturating_sub(MAX_KEY);
            let open = slice(b, lo, end).iter().rposition(|&c| c == quote)? + lo;
            return Some(Self {
                start: open + 1,
                end,
                identifier: true,
            });
        }
        // Back over the key, spaces included (YAML keys may hold them), to what bounds it.
        let end = p;
        let mut start = end;
        while end - start < MAX_KEY
            && (is_key_byte(before(b, start)) || matches!(before(b, start), b' ' | b'\t'))
        {
            start -= 1;
        }
        // Nothing before it on its line but indentation: the line is `key: value`.
        let at_line_start = start == 0 || before(b, start) == b'\n';
        let bound = before(b, start);
        // Leading indentation and a list marker (`- `) are not part of the key.
        let text = slice(b, start, end);
        let trimmed = text.trim_ascii_start();
        let marker = trimmed
            .iter()
            .take_while(|c| matches!(c, b'-' | b'*' | b'+' | b' ' | b'\t'))
            .count();
        let start = start + (text.len() - trimmed.len()) + marker;
        let end = start + slice(b, start, end).trim_ascii_end().len();
        if start >= end {
            return None;
        }
        let spaced = slice(b, start, end).contains(&b' ');
        // A whole line's `key:`, or a single word after punctuation (`{`, `,`, `;`, a quote),
        // is a key; several words after punctuation end a sentence (`… as requested: `), and
        // only the last word is read as the key.
        let identifier = at_line_start || (!spaced && !bound.is_ascii_alphanumeric());
        let start = if identifier {
            start
        } else {
            slice(b, start, end)
                .iter()
                .rposition(|&c| c == b' ')
                .map_or(start, |k| start + k + 1)
        };
        Some(Self {
            start,
            end,
            identifier,
        })
    }
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'#') || c >= 0x80
}

/// The position before the spaces and tabs ending at `p`.
fn skip_blanks_back(b: &[u8], mut p: usize) -> usize {
    while matches!(before(b, p), b' ' | b'\t') {
        p -= 1;
    }
    p
}

/// The labels in the HTML tag a generic attribute (`value="…"`) belongs to.
fn tag_labels(b: &[u8], key_start: usize, read: &dyn Fn(&[u8]) -> Labels) -> Option<Labels> {
    let lo = key_start.saturating_sub(MAX_TAG);
    let hay = slice(b, lo, key_start);
    let open = hay.iter().rposition(|&c| c == b'<')?;
    let tag = hay.get(open..)?;
    (!tag.contains(&b'>')).then(|| read(tag))
}

/// The labels of the nearest less-indented line above the key's (its parent in YAML, pretty
/// JSON or a list), within the paragraph.
fn parent_labels(b: &[u8], key_start: usize, read: &dyn Fn(&[u8]) -> Labels) -> Option<Labels> {
    let lo = key_start.saturating_sub(MAX_PARENT);
    let hay = slice(b, lo, key_start);
    let mut line_start = hay.iter().rposition(|&c| c == b'\n').map(|k| k + 1)?;
    let indent = content_indent(hay.get(line_start..)?);
    for _ in 0..MAX_PARENT_LINES {
        let above_end = line_start.checked_sub(1)?;
        let above_start = hay
            .get(..above_end)?
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |k| k + 1);
        let line = hay.get(above_start..above_end)?;
        if line.iter().all(|c| c.is_ascii_whitespace()) || (above_start == 0 && lo > 0) {
            return None;
        }
        if content_indent(line) < indent {
            return Some(read(line).strong_only());
        }
        line_start = above_start;
    }
    None
}

/// Where a line's content starts, past indentation and a list marker (`- `, `* `, `+ `).
fn content_indent(line: &[u8]) -> usize {
    let mut k = 0;
    while matches!(at(line, k), b' ' | b'\t') {
        k += 1;
    }
    if matches!(at(line, k), b'-' | b'*' | b'+') && at(line, k + 1) == b' ' {
        k += 2;
    }
    k
}

/// The labels in the prose before `s`: the window stops after a blank line or a heading.
fn prose_labels(b: &[u8], s: usize, read: &dyn Fn(&[u8]) -> Labels) -> Labels {
    let mut lo = s.saturating_sub(PROSE_WINDOW);
    let window = slice(b, lo, s);
    // From the nearest line break back: the first line that ends a paragraph or a section.
    for (k, _) in window
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, c)| **c == b'\n')
    {
        let end = lo + k;
        let start = line_start(b, end, MAX_ROW);
        let line = slice(b, start, end);
        let blank = line.iter().all(|c| c.is_ascii_whitespace());
        let heading = line.trim_ascii_start().starts_with(b"#");
        if blank || heading {
            lo = end + 1;
            break;
        }
    }
    // A word cut by the window's start is not a label (`…hotel` is not `tel`).
    while lo < s && (at(b, lo).is_ascii_alphanumeric() || at(b, lo) >= 0x80) && {
        let p = before(b, lo);
        p.is_ascii_alphanumeric() || p >= 0x80
    } {
        lo += 1;
    }
    read(slice(b, lo, s))
}

/// The table shape of a line, if it has one: a markdown row (`| a | b |`), or cells separated
/// by tabs or commas (outside double quotes).
fn shape(line: &[u8]) -> Option<Shape> {
    let trimmed = line.trim_ascii();
    let delimiter = if trimmed.starts_with(b"|") {
        Delimiter::Pipe
    } else if line.contains(&b'\t') {
        Delimiter::Tab
    } else {
        // European CSV separates with `;`: whichever of the two the line has more of.
        let commas = delimiters(line, Delimiter::Comma).count();
        let semicolons = delimiters(line, Delimiter::Semicolon).count();
        match (commas, semicolons) {
            (0, 0) => return None,
            (c, s) if s > c => Delimiter::Semicolon,
            _ => Delimiter::Comma,
        }
    };
    let count = delimiters(line, delimiter).count();
    (count > usize::from(delimiter == Delimiter::Pipe)).then_some(Shape { delimiter, count })
}

/// Positions of the delimiters in `line` (in CSV, those inside double quotes do not count).
fn delimiters(line: &[u8], delimiter: Delimiter) -> impl Iterator<Item = usize> + '_ {
    let want = match delimiter {
        Delimiter::Pipe => b'|',
        Delimiter::Tab => b'\t',
        Delimiter::Comma => b',',
        Delimiter::Semicolon => b';',
    };
    let csv = matches!(delimiter, Delimiter::Comma | Delimiter::Semicolon);
    let mut quoted = false;
    line.iter().enumerate().filter_map(move |(k, &c)| {
        if c == b'"' && csv {
            quoted = !quoted;
        }
        (c == want && !quoted).then_some(k)
    })
}

/// The cells of the line `ls..le`, as byte ranges (a markdown row's outer pipes bound none).
fn cells(b: &[u8], ls: usize, le: usize, delimiter: Delimiter) -> Vec<(usize, usize)> {
    let line = slice(b, ls, le);
    let mut bounds: Vec<usize> = delimiters(line, delimiter).map(|k| ls + k).collect();
    if delimiter == Delimiter::Pipe {
        // Text before the first pipe and after the last is not a cell.
        let mut out = Vec::with_capacity(bounds.len());
        for pair in bounds.windows(2) {
            if let [a, z] = pair {
                out.push((a + 1, *z));
            }
        }
        if line.trim_ascii_end().last() != Some(&b'|')
            && let Some(&last) = bounds.last()
        {
            out.push((last + 1, le));
        }
        return out;
    }
    bounds.push(le);
    let mut start = ls;
    bounds
        .into_iter()
        .map(|end| {
            let cell = (start, end);
            start = end + 1;
            cell
        })
        .collect()
}

/// The first cell of the line `ls..le` (as `cells(…).first()`, without building the rest).
fn first_cell(b: &[u8], ls: usize, le: usize, delimiter: Delimiter) -> Option<(usize, usize)> {
    let mut bounds = delimiters(slice(b, ls, le), delimiter).map(|k| ls + k);
    match delimiter {
        Delimiter::Pipe => {
            let open = bounds.next()?;
            Some((open + 1, bounds.next().unwrap_or(le)))
        }
        _ => Some((ls, bounds.next().unwrap_or(le))),
    }
}

/// The column of `s` in the row starting at `ls`, and where its cell starts.
fn column_at(b: &[u8], ls: usize, s: usize, delimiter: Delimiter) -> (usize, usize) {
    let mut col = 0usize;
    let mut start = ls;
    for k in delimiters(slice(b, ls, s), delimiter) {
        col += 1;
        start = ls + k + 1;
    }
    // A markdown row's leading pipe opens the first cell.
    if delimiter == Delimiter::Pipe {
        col = col.saturating_sub(1);
    }
    (col, start)
}

/// Whether the lines between the line break at `from` and the line starting at `to` all have
/// `want`'s shape (a blank line ends a table).
fn lines_match(b: &[u8], from: usize, to: usize, want: Shape) -> bool {
    let mut p = from + 1;
    while p < to {
        let end = line_end(b, p).min(to.saturating_sub(1));
        if end - p > MAX_ROW || shape_of(b, p, end) != Some(want) {
            return false;
        }
        p = end + 1;
    }
    true
}

/// Where the line starting at `start` ends (its `\n`, or the text's end).
fn line_end(b: &[u8], start: usize) -> usize {
    slice(b, start, b.len())
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |k| start + k)
}

/// Where the line ending at `end` starts, looking back at most `limit` bytes.
fn line_start(b: &[u8], end: usize, limit: usize) -> usize {
    let lo = end.saturating_sub(limit);
    slice(b, lo, end)
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(lo, |k| lo + k + 1)
}

/// The block of lines of `shape` that ends with the line `ls..le`.
fn block_ending_at(b: &[u8], ls: usize, le: usize, shape: Shape) -> Block {
    let mut first = ls;
    while first > 0 {
        let above_end = first - 1;
        let above_start = line_start(b, above_end, MAX_ROW + 1);
        if above_end - above_start > MAX_ROW || shape_of(b, above_start, above_end) != Some(shape) {
            break;
        }
        first = above_start;
    }
    Block {
        shape,
        first,
        end: le,
        header: None,
    }
}

fn shape_of(b: &[u8], start: usize, end: usize) -> Option<Shape> {
    shape(slice(b, start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBER: &[Label] = &[Label::Ssn, Label::Sin];

    /// The label of the first 9-digit run in `text`.
    fn label(text: &str) -> Option<Label> {
        let b = text.as_bytes();
        let s = text.find("130692544")?;
        Context::default().label(b, s, NUMBER)
    }

    #[test]
    fn keys() {
        for t in [
            r#"{"sin": "130692544"}"#,
            r#"{"socialInsuranceNumber": 130692544}"#,
            "s_i_n: 130692544",
            "SIN=130692544",
            "  social_insurance_number: '130692544'",
            r#"<input name="sin" value="130692544">"#,
            r#"<span data-sin="130692544">"#,
            "customer:\n  sin:\n    primary: 130692544",
            "Numéro d'assurance sociale :\n- principal : 130692544",
        ] {
            assert_eq!(label(t), Some(Label::Sin), "{t}");
        }
        for t in [
            // A sibling key does not label the value; its own key does.
            r#"{"sin_verified": true, "account": "130692544"}"#,
            "sin_on_file: yes\norder_id: 130692544",
            r#"<input name="order" value="130692544">"#,
            "customer:\n  sin: none\n  account: 130692544",
        ] {
            assert_eq!(label(t), None, "{t}");
        }
    }

    #[test]
    fn weak_labels_label_directly_but_not_as_parents() {
        let phone = |t: &str| {
            let s = t.find("4155552671").unwrap_or_default();
            Context::default().label(t.as_bytes(), s, &[Label::Phone])
        };
        assert_eq!(phone("Contact: 4155552671"), Some(Label::Phone));
        assert_eq!(phone("phones:\n  home: 4155552671"), Some(Label::Phone));
        assert_eq!(phone("contact:\n  customer_id: 4155552671"), None);
        assert_eq!(
            phone("<li class=\"phone\"\n    data-account=\"4155552671\">"),
            None
        );
        // A key of several words on its own line is one key, not prose.
        assert_eq!(phone("phone_count: 2\nnumero de suivi: 4155552671"), None);
    }

    #[test]
    fn tables() {
        for t in [
            "name,sin,city\nJane,130692544,Montréal",
            "name\tS.I.N.\nJane\t130692544",
            "| Name | NAS |\n|---|---|\n| Jane | 130692544 |",
            "| Field | Value |\n|---|---|\n| SIN | 130692544 |",
            "name,id\nJane,\"SIN 130692544\"",
            "a,social insurance number\nx,y\nz,w\nJane,130692544",
            "\"Name\";\"S.I.N.\"\n\"Léa\";\"130692544\"",
            // The header row glued to prose is no row; the prose before names the value.
            "see: | Name | SIN |\n|---|---|\n| Léa | 130692544 |",
        ] {
            assert_eq!(label(t), Some(Label::Sin), "{t}");
        }
        for t in [
            "name,sin,order\nJane,130-692-544,130692544",
            "| SIN verified | Order |\n|---|---|\n| yes | 130692544 |",
            "sin_on_file,account\nyes,130692544",
        ] {
            assert_eq!(label(t), None, "{t}");
        }
    }

    #[test]
    fn prose() {
        for t in [
            "my SIN is 130692544",
            "Your social insurance\nnumber: 130692544",
            "NAS du client 130692544",
        ] {
            assert_eq!(label(t), Some(Label::Sin), "{t}");
        }
        for t in [
            "SIN\n\nOrder 130692544",
            "# SIN\nOrder 130692544",
            "the SIN, then a sentence that goes on for more than forty-eight bytes: 130692544",
        ] {
            assert_eq!(label(t), None, "{t}");
        }
    }

    #[test]
    fn a_long_table_is_read_once() {
        // 20,000 rows, each value asking for its header: linear, so this stays quick even in a
        // debug build (a quadratic walk would take minutes).
        let mut t = String::from("name,sin\n");
        for _ in 0..20_000 {
            t.push_str("Jane,130692544\n");
        }
        let b = t.as_bytes();
        let mut ctx = Context::default();
        let mut found = 0;
        let mut p = 0;
        while let Some(k) = t.get(p..).and_then(|r| r.find("130692544")) {
            found += usize::from(ctx.label(b, p + k, NUMBER) == Some(Label::Sin));
            p += k + 9;
        }
        assert_eq!(found, 20_000);
    }
}
