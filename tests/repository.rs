//! What the repository itself promises: the license the manifests declare is the one shipped,
//! and the changelog is there to be added to.

use std::path::Path;

fn read(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The words of a text, whatever its line breaks and indentation.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

#[test]
fn the_license_is_the_apache_2_text_the_manifests_declare() {
    for manifest in ["Cargo.toml", "crates/core/Cargo.toml"] {
        let declared: Vec<String> = read(manifest)
            .lines()
            .filter(|line| line.trim_start().starts_with("license"))
            .map(|line| line.replace(' ', ""))
            .collect();
        assert_eq!(declared, [r#"license="Apache-2.0""#], "{manifest}");
    }
    let license = read("LICENSE");
    let words = words(&license);
    assert_eq!(
        &words[..5],
        ["Apache", "License", "Version", "2.0,", "January"],
        "the Apache License 2.0, from its first line"
    );
    for heading in [
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
        "1. Definitions.",
        "2. Grant of Copyright License.",
        "3. Grant of Patent License.",
        "4. Redistribution.",
        "5. Submission of Contributions.",
        "6. Trademarks.",
        "7. Disclaimer of Warranty.",
        "8. Limitation of Liability.",
        "9. Accepting Warranty or Additional Liability.",
        "END OF TERMS AND CONDITIONS",
    ] {
        let wanted: Vec<&str> = heading.split_whitespace().collect();
        assert!(
            words.windows(wanted.len()).any(|window| window == wanted),
            "LICENSE lacks {heading:?}"
        );
    }
}

#[test]
fn the_changelog_has_a_section_for_what_is_not_released() {
    let changelog = read("CHANGELOG.md");
    assert!(changelog.starts_with("# Changelog\n"), "{changelog:.80}");
    assert!(
        changelog.lines().any(|line| line == "## Unreleased"),
        "CHANGELOG.md has no `## Unreleased` section"
    );
}
