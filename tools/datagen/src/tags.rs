//! A tenancy's defined-tag vocabulary: namespaces, keys and their values.
//!
//! Each tenancy defines its own namespaces (names drawn from a shared list, so some
//! carry hyphens or mixed case), a few keys in each, and a small vocabulary of values
//! per key. Values are drawn with Zipf weights (`prod` is far more common than
//! `perf`), and some keys lean on the compartment (a compartment is mostly one
//! environment), which is what makes "compartment AND tag" rules select real subsets.

use crate::json::Obj;
use crate::rng::Rng;
use crate::vocab::{self, KeyDef, ValueKind};
use crate::zipf::Zipf;

/// One tag value. Numbers and booleans are JSON numbers and booleans in the
/// inventory; rules name them by their text (`'4410'`, `'true'`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagValue {
    /// A string.
    Str(String),
    /// An integer.
    Num(u32),
    /// A boolean.
    Bool(bool),
}

impl TagValue {
    /// The value as a rule names it.
    pub fn text(&self) -> String {
        match self {
            TagValue::Str(s) => s.clone(),
            TagValue::Num(n) => n.to_string(),
            TagValue::Bool(b) => b.to_string(),
        }
    }

    /// Whether the legacy unquoted form (`tag.a.b.value = abc123`) can carry it: one
    /// bare token of letters, digits, `-` and `_`.
    pub fn is_bare_token(&self) -> bool {
        let t = self.text();
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    /// Writes the value as member `key` of `obj`. A number is written as a JSON
    /// string on a share of principals, as happens when tags are set by different
    /// tools; the engine must treat `4410` and `"4410"` alike.
    pub fn write(&self, obj: &mut Obj<'_>, key: &str, number_as_string: bool) {
        match self {
            TagValue::Str(s) => obj.string(key, s),
            TagValue::Num(n) if number_as_string => obj.string(key, &n.to_string()),
            TagValue::Num(n) => obj.raw(key, &n.to_string()),
            TagValue::Bool(b) => obj.raw(key, if *b { "true" } else { "false" }),
        }
    }
}

/// A tag key of a namespace.
#[derive(Clone, Debug)]
pub struct TagKey {
    /// The key's name as the tenancy spells it.
    pub name: String,
    /// Its values, most popular first.
    pub values: Vec<TagValue>,
    /// Popularity of `values`.
    pub zipf: Zipf,
    /// How often a principal carries this key, per mille.
    pub presence: u32,
    /// For keys that follow the compartment: the usual value index per compartment.
    pub home: Option<Vec<u16>>,
}

impl TagKey {
    /// A value for a principal in compartment `c`.
    pub fn draw(&self, c: usize, rng: &mut Rng) -> &TagValue {
        match &self.home {
            Some(home) if rng.per_mille(700) => &self.values[usize::from(home[c])],
            _ => &self.values[self.zipf.sample(rng)],
        }
    }
}

/// A tag namespace with its keys.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// The namespace's name.
    pub name: String,
    /// Its keys (distinct).
    pub keys: Vec<TagKey>,
}

/// The namespaces of a tenancy of `size` principals in `compartments` compartments;
/// `people` feeds the e-mail-valued keys, `domain` their addresses.
pub fn namespaces(
    size: u64,
    compartments: usize,
    people: &[String],
    domain: &str,
    rng: &mut Rng,
) -> Vec<Namespace> {
    let mut count = rng.weighted(&[10, 30, 30, 20, 10]);
    if size >= 1000 {
        count += 1;
    }
    let mut names: Vec<&str> = vocab::NAMESPACES.to_vec();
    rng.shuffle(&mut names);
    let key_popularity = Zipf::new(vocab::KEYS.len(), 3);
    names[..count]
        .iter()
        .map(|&name| {
            let wanted = rng.range(1, 4) as usize;
            let mut defs: Vec<&KeyDef> = Vec::new();
            for _ in 0..wanted * 3 {
                let def = &vocab::KEYS[key_popularity.sample(rng)];
                if defs.len() < wanted && !defs.iter().any(|d| d.name == def.name) {
                    defs.push(def);
                }
            }
            let keys = defs
                .iter()
                .map(|def| key(def, size, compartments, people, domain, rng));
            Namespace {
                name: name.to_owned(),
                keys: keys.collect(),
            }
        })
        .collect()
}

fn key(
    def: &KeyDef,
    size: u64,
    compartments: usize,
    people: &[String],
    domain: &str,
    rng: &mut Rng,
) -> TagKey {
    let values: Vec<TagValue> = match def.kind {
        ValueKind::Words(words) => {
            let mut w = words.to_vec();
            rng.shuffle(&mut w);
            let n = rng.range(2.min(w.len() as u64), w.len() as u64) as usize;
            w[..n]
                .iter()
                .map(|s| TagValue::Str((*s).to_owned()))
                .collect()
        }
        ValueKind::Numbers(lo, hi) => {
            let n = rng.range(2, 30.min(u64::from(hi - lo) + 1));
            let mut v: Vec<TagValue> = Vec::new();
            while (v.len() as u64) < n {
                let x = TagValue::Num(rng.range(u64::from(lo), u64::from(hi)) as u32);
                if !v.contains(&x) {
                    v.push(x);
                }
            }
            v
        }
        ValueKind::Bool => {
            let first = rng.per_mille(700);
            vec![TagValue::Bool(first), TagValue::Bool(!first)]
        }
        ValueKind::Emails => {
            let n = rng.range(1, people.len() as u64) as usize;
            people[..n]
                .iter()
                .map(|p| TagValue::Str(format!("{p}@{domain}")))
                .collect()
        }
        ValueKind::Projects => {
            let n = rng.range(2, 2 + (size.isqrt() / 4).min(40));
            (0..n)
                .map(|_| TagValue::Str(format!("PRJ-{:04}", rng.below(10_000))))
                .collect()
        }
    };
    let zipf = Zipf::new(values.len(), 4);
    let follows_compartment =
        matches!(def.kind, ValueKind::Words(_) | ValueKind::Projects) && rng.per_mille(500);
    let home =
        follows_compartment.then(|| (0..compartments).map(|_| zipf.sample(rng) as u16).collect());
    // A tenancy sometimes spells a key in lower case; OCI compares keys
    // case-insensitively, and rules elsewhere may spell it differently.
    let name = if rng.per_mille(100) {
        def.name.to_ascii_lowercase()
    } else {
        def.name.to_owned()
    };
    TagKey {
        name,
        values,
        zipf,
        presence: *rng.pick(&[900, 700, 500, 300, 150]),
        home,
    }
}
