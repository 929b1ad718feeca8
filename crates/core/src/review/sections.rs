//! The `## <name>` sections of an aggregated markdown output.
//!
//! A section runs from its level-2 heading to the next level-1 or level-2 heading. Headings
//! inside fenced code blocks do not count: agents often return code.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// The heading text, trimmed, without a closing `##` sequence.
    pub name: &'a str,
    /// Where the heading line starts.
    pub start: usize,
    /// The text between the heading line and the next section (or level-1 heading).
    pub body: Range<usize>,
}

impl Section<'_> {
    pub fn is_empty_in(&self, text: &str) -> bool {
        text.get(self.body.clone())
            .is_none_or(|body| body.trim().is_empty())
    }
}

/// Heading names compare case-insensitively, with runs of whitespace folded.
pub fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

enum Line<'a> {
    Heading { level: usize, text: &'a str },
    Fence,
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return Line::Other;
    }
    let rest = &line[indent..];
    if rest.starts_with("```") || rest.starts_with("~~~") {
        return Line::Fence;
    }
    let level = rest.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return Line::Other;
    }
    let after = &rest[level..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return Line::Other; // `#hashtag`, not a heading
    }
    let text = after.trim();
    // A closing sequence (`## Title ##`) is not part of the name.
    let text = match text.trim_end_matches('#') {
        stripped
            if stripped.len() < text.len()
                && (stripped.is_empty() || stripped.ends_with([' ', '\t'])) =>
        {
            stripped.trim_end()
        }
        _ => text,
    };
    Line::Heading { level, text }
}

pub fn parse(text: &str) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    let mut open: Option<(usize, &str, usize)> = None; // (heading start, name, body start)
    let mut in_fence = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        match classify(content) {
            Line::Fence => in_fence = !in_fence,
            Line::Heading { level, text: name } if !in_fence && level <= 2 => {
                if let Some((start, open_name, body_start)) = open.take() {
                    sections.push(Section {
                        name: open_name,
                        start,
                        body: body_start..line_start,
                    });
                }
                if level == 2 {
                    open = Some((line_start, name, offset));
                }
            }
            _ => {}
        }
    }
    if let Some((start, name, body_start)) = open {
        sections.push(Section {
            name,
            start,
            body: body_start..text.len(),
        });
    }
    sections
}

/// The section containing byte `offset`, if any (text before the first heading has none).
pub fn containing<'s, 'a>(sections: &'s [Section<'a>], offset: usize) -> Option<&'s Section<'a>> {
    let index = sections.partition_point(|section| section.start <= offset);
    let section = sections.get(index.checked_sub(1)?)?;
    (offset < section.body.end).then_some(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(&str, &str)> {
        parse(text)
            .into_iter()
            .map(|s| (s.name, text[s.body].trim()))
            .collect()
    }

    #[test]
    fn splits_on_level_two_headings() {
        let text =
            "# Report\nintro\n## Summary\nAll good.\n### Detail\nmore\n## Risks ##\n\n## Empty\n";
        assert_eq!(
            names(text),
            [
                ("Summary", "All good.\n### Detail\nmore"),
                ("Risks", ""),
                ("Empty", "")
            ]
        );
    }

    #[test]
    fn level_one_heading_closes_a_section_and_code_fences_hide_headings() {
        let text = "## A\nx\n```md\n## Not a heading\n```\n# Appendix\n## B\ny";
        let sections = parse(text);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "A");
        assert!(text[sections[0].body.clone()].contains("## Not a heading"));
        assert!(!text[sections[0].body.clone()].contains("Appendix"));
        assert_eq!(text[sections[1].body.clone()].trim(), "y");
    }

    #[test]
    fn hashtags_and_deep_indents_are_not_headings() {
        assert!(parse("##hashtag\n    ## indented code\n").is_empty());
        assert_eq!(parse("   ## Indented ok\nbody").len(), 1);
    }

    #[test]
    fn crlf_and_unicode_names() {
        let text = "## Résumé \r\nTexte\r\n## Zusammenfassung\r\n";
        let sections = parse(text);
        assert_eq!(sections[0].name, "Résumé");
        assert_eq!(text[sections[0].body.clone()].trim(), "Texte");
        assert!(sections[1].is_empty_in(text));
    }

    #[test]
    fn names_normalize_case_and_spacing() {
        assert_eq!(normalize_name("  Key   RISKS "), "key risks");
        assert_eq!(normalize_name("ÉTAT"), "état");
    }

    #[test]
    fn finds_the_section_of_an_offset() {
        let text = "preamble\n## A\naaa\n# Top\nzzz\n## B\nbbb";
        let sections = parse(text);
        assert!(containing(&sections, 2).is_none());
        assert_eq!(
            containing(&sections, text.find("aaa").unwrap())
                .unwrap()
                .name,
            "A"
        );
        assert!(containing(&sections, text.find("zzz").unwrap()).is_none());
        assert_eq!(
            containing(&sections, text.find("bbb").unwrap())
                .unwrap()
                .name,
            "B"
        );
    }
}
