//! How to read inputs.

use dyngroup_rules::ParseOptions;

/// How to read inventories and groups.
///
/// ```
/// use dyngroup_io::ReadOptions;
///
/// let options = ReadOptions {
///     tenancy: Some("ocid1.tenancy.oc1..aaaa".to_owned()),
///     strict: true,
///     ..ReadOptions::default()
/// };
/// assert_eq!(options.rule_options().strict, true);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// The tenancy of records that name none (the CLI's `--tenancy`).
    pub tenancy: Option<String>,
    /// Reject legacy rule forms instead of warning about them.
    pub strict: bool,
    /// Deepest nesting of ANY/ALL groups accepted in a matching rule.
    pub max_rule_depth: usize,
    /// How many bytes of JSON Lines to read (whole lines) before parsing them in
    /// parallel; bounds the text held in memory at once.
    pub chunk_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            tenancy: None,
            strict: false,
            max_rule_depth: ParseOptions::default().max_depth,
            chunk_bytes: 4 << 20,
        }
    }
}

impl ReadOptions {
    /// The options matching rules are parsed with.
    pub fn rule_options(&self) -> ParseOptions {
        ParseOptions {
            strict: self.strict,
            max_depth: self.max_rule_depth,
        }
    }

    /// The fallback tenancy, if one was given and it is not empty.
    pub(crate) fn default_tenancy(&self) -> Option<&str> {
        self.tenancy.as_deref().filter(|t| !t.is_empty())
    }
}
