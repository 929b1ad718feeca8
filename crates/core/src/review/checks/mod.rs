//! The review's checks, one module each. A check owns the wording of its issues: what it found
//! (the description) and what would make the issue go away (the remediation).

pub mod consistency;
pub mod policies;
pub mod sections;
pub mod sensitive;
pub mod tasks;
pub mod thresholds;

use crate::model::ReviewCriteria;
use crate::review::ReviewedTask;
use crate::review::sections::Section;

/// What every check reads: the criteria, the raw output, its sections and its tasks.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub criteria: &'a ReviewCriteria,
    pub raw: &'a str,
    pub parsed: &'a [Section<'a>],
    pub tasks: &'a [ReviewedTask],
    /// Redacts what an issue quotes from an agent (errors, conflicting values).
    pub scrub: &'a dyn Fn(&str) -> String,
}
