//! Consistency across tasks: task outputs that are JSON objects and share a top-level key must
//! agree on its scalar value.

use std::collections::BTreeMap;

use serde_json::Value;

/// Two tasks that disagree on one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict<'a> {
    pub key: String,
    pub first_task: &'a str,
    pub first_value: String,
    pub second_task: &'a str,
    pub second_value: String,
    /// Tasks holding the key, the two above included.
    pub holders: usize,
}

/// Equal scalars compare equal across representations: `1` and `1.0` agree.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn render(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    }
}

/// Conflicts between the given `(task id, output)` pairs, one per disagreeing key, in key order.
pub fn conflicts<'a>(outputs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Conflict<'a>> {
    let mut by_key: BTreeMap<String, Vec<(&'a str, Value)>> = BTreeMap::new();
    for (task, output) in outputs {
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(output.trim()) else {
            continue;
        };
        for (key, value) in object {
            if !(value.is_object() || value.is_array()) {
                by_key.entry(key).or_default().push((task, value));
            }
        }
    }
    by_key
        .into_iter()
        .filter_map(|(key, holders)| {
            let (first_task, first_value) = holders.first()?;
            let (second_task, second_value) = holders
                .iter()
                .find(|(_, value)| !same(value, first_value))?;
            Some(Conflict {
                first_task,
                first_value: render(first_value),
                second_task,
                second_value: render(second_value),
                holders: holders.len(),
                key,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_disagreeing_scalars_with_both_tasks_and_values() {
        let found = conflicts([
            (
                "pricing",
                r#"{"currency": "EUR", "total": 100, "items": [1]}"#,
            ),
            ("summary", r#"{"currency": "USD", "total": 100.0}"#),
            ("notes", "not json at all"),
        ]);
        assert_eq!(found.len(), 1);
        let conflict = &found[0];
        assert_eq!(conflict.key, "currency");
        assert_eq!(
            (conflict.first_task, conflict.second_task),
            ("pricing", "summary")
        );
        assert_eq!(conflict.first_value, "\"EUR\"");
        assert_eq!(conflict.second_value, "\"USD\"");
    }

    #[test]
    fn nested_values_and_single_holders_are_not_compared() {
        assert!(
            conflicts([
                ("a", r#"{"x": {"y": 1}}"#),
                ("b", r#"{"x": {"y": 2}, "z": 1}"#)
            ])
            .is_empty()
        );
        assert!(conflicts([("a", "[1, 2]"), ("b", "{}")]).is_empty());
    }

    #[test]
    fn agreement_across_types_is_not_a_conflict_but_type_changes_are() {
        assert!(conflicts([("a", r#"{"n": 2}"#), ("b", r#"{"n": 2.0}"#)]).is_empty());
        assert_eq!(
            conflicts([("a", r#"{"n": 2}"#), ("b", r#"{"n": "2"}"#)]).len(),
            1
        );
    }
}
