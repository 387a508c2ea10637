//! A principal record read in one pass over its text.
//!
//! The reader's general path ([`crate::fields`], [`crate::inventory::principal`])
//! keeps each known field as raw JSON, so that any problem can be placed exactly, and
//! types it afterwards: the defined tags are parsed three times over (as one raw
//! value, as namespaces, as keys). Nearly every record of a real inventory is well
//! formed, so it is first read here, once, into borrowed strings; anything out of the
//! ordinary — a string with escapes, a field or tag value of the wrong type, a field
//! or tag given twice, a missing field, JSON that does not parse — makes
//! this path give up, and the record is read by the general path, which reports what
//! is wrong and where. What this path accepts, it builds as the general one would (a
//! property test compares the two on random records, broken and not).

use std::fmt;

use dyngroup_index::{DefinedTag, Principal};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::fields::{Field, FieldKey};
use crate::inventory::{MAX_DEFINED_TAGS, first_repeat};
use crate::position::RecordCtx;
use crate::problem::Location;

/// The principal of a well-formed, plain record and where its id is, or `None` when
/// the record needs the general path.
pub(crate) fn principal(
    record: &[u8],
    ctx: &RecordCtx<'_>,
    default_tenancy: Option<&str>,
) -> Option<(Principal, Location)> {
    let plain: Plain<'_> = serde_json::from_slice(record).ok()?;
    let id = present(plain.id)?;
    let compartment_id = present(plain.compartment_id)?;
    let tenancy_id = present(plain.tenancy_id).or(default_tenancy)?;
    if plain.tags.len() > MAX_DEFINED_TAGS {
        return None;
    }
    let defined_tags: Vec<DefinedTag> = plain
        .tags
        .iter()
        .map(|&(namespace, key, value)| DefinedTag {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
        .collect();
    if first_repeat(&defined_tags).is_some() {
        return None;
    }
    let principal = Principal {
        id: id.to_owned(),
        compartment_id: compartment_id.to_owned(),
        tenancy_id: tenancy_id.to_owned(),
        resource_type: present(plain.resource_type).map(str::to_owned),
        defined_tags,
        lifecycle_state: present(plain.lifecycle_state).map(str::to_owned),
    };
    Some((principal, ctx.at_string(id)))
}

/// A string field's text when present, not null and not empty.
fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.is_empty())
}

/// A record's fields as borrowed text; the tags as (namespace, key, value).
#[derive(Default)]
struct Plain<'a> {
    id: Option<&'a str>,
    compartment_id: Option<&'a str>,
    tenancy_id: Option<&'a str>,
    resource_type: Option<&'a str>,
    lifecycle_state: Option<&'a str>,
    tags: Vec<(&'a str, &'a str, &'a str)>,
}

/// The error that sends a record to the general path; never shown.
fn give_up<E: de::Error>() -> E {
    E::custom("not a plain record")
}

impl<'de> Deserialize<'de> for Plain<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Plain<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a plain principal record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut plain = Plain::default();
        let mut seen = 0u32;
        while let Some(FieldKey(field)) = map.next_key()? {
            let Some(field) = field else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            // A field given twice (under any spelling) is the general path's problem.
            let bit = 1 << field as u32;
            if seen & bit != 0 {
                return Err(give_up());
            }
            seen |= bit;
            let text = match field {
                Field::Id => &mut plain.id,
                Field::CompartmentId => &mut plain.compartment_id,
                Field::TenancyId => &mut plain.tenancy_id,
                Field::ResourceType => &mut plain.resource_type,
                Field::LifecycleState => &mut plain.lifecycle_state,
                Field::DefinedTags => {
                    map.next_value_seed(Namespaces(&mut plain.tags))?;
                    continue;
                }
                _ => {
                    // Kept raw by the general path, which checks its text as JSON.
                    map.next_value::<&'de RawValue>()?;
                    continue;
                }
            };
            *text = map.next_value::<Text<'de>>()?.0;
        }
        Ok(plain)
    }
}

/// A string without escapes, or null.
struct Text<'a>(Option<&'a str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor { null: true })
    }
}

/// Accepts a string borrowed from the input (so without escapes) and, if `null`, null.
struct TextVisitor {
    null: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string without escapes")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Some(text)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
        if self.null {
            Ok(Text(None))
        } else {
            Err(give_up())
        }
    }
}

/// A key (namespace or tag key) without escapes.
struct Key<'a>(&'a str);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_str(TextVisitor { null: false })? {
            Text(Some(key)) => Ok(Key(key)),
            Text(None) => Err(give_up()),
        }
    }
}

/// `defined-tags`: null, or an object of namespaces, appended to the tags.
struct Namespaces<'t, 'a>(&'t mut Vec<(&'a str, &'a str, &'a str)>);

impl<'de> DeserializeSeed<'de> for Namespaces<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Namespaces<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("defined tags")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(namespace)) = map.next_key()? {
            map.next_value_seed(Keys {
                namespace,
                tags: self.0,
            })?;
        }
        Ok(())
    }
}

/// One namespace: null, or an object of key → value.
struct Keys<'t, 'a> {
    namespace: &'a str,
    tags: &'t mut Vec<(&'a str, &'a str, &'a str)>,
}

impl<'de> DeserializeSeed<'de> for Keys<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keys<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tag namespace")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key()? {
            let TagValue(value) = map.next_value()?;
            self.tags.push((self.namespace, key, value));
            if self.tags.len() > MAX_DEFINED_TAGS {
                return Err(give_up()); // no need to read the rest
            }
        }
        Ok(())
    }
}

/// A tag's value: a string without escapes, or a number or boolean as its JSON text.
struct TagValue<'a>(&'a str);

impl<'de> Deserialize<'de> for TagValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Raw, as the general path takes it: a number keeps its exact text (`1.50`).
        let raw = <&'de RawValue>::deserialize(deserializer)?.get();
        match raw.as_bytes().first() {
            Some(b'"') => {
                let inner = &raw[1..raw.len() - 1];
                if inner.contains('\\') {
                    Err(give_up())
                } else {
                    Ok(TagValue(inner))
                }
            }
            Some(b't' | b'f' | b'-' | b'0'..=b'9') => Ok(TagValue(raw)),
            _ => Err(give_up()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::container::parse_record;
    use crate::inventory;
    use crate::position::{Source, line_starts};
    use crate::problem::Problem;

    /// The general path's answer for one record.
    fn general(
        record: &[u8],
        ctx: &RecordCtx<'_>,
        tenancy: Option<&str>,
    ) -> Result<(Principal, Location), Problem> {
        let build = |raw: &crate::fields::RawRecord<'_>, ctx: &RecordCtx<'_>| {
            inventory::principal(raw, ctx, tenancy)
        };
        parse_record(record, ctx, &build)
    }

    /// A record read with where its id is, or not.
    type Read = (Principal, Location);

    /// Both paths on `text`: the one-pass answer, and the general one.
    fn both(text: &[u8], tenancy: Option<&str>) -> (Option<Read>, Result<Read, Problem>) {
        // Two lines before, so that locations are not all on line 1.
        let mut file = b"\n  \n".to_vec();
        file.extend_from_slice(text);
        let starts = line_starts(&file);
        let source = Source::new(&file, &starts, 1);
        let record = &file[4..];
        let ctx = RecordCtx::new("f", &source, 4);
        (
            principal(record, &ctx, tenancy),
            general(record, &ctx, tenancy),
        )
    }

    #[test]
    fn a_plain_record_is_read_in_one_pass_as_the_general_path_reads_it() {
        let record = br#"{"id": "ocid1.instance.oc1..a", "compartment-id": "c", "tenancy-id": "t", "display-name": "n", "lifecycle-state": "RUNNING", "defined-tags": {"Oracle-Tags": {"CreatedBy": "x@y"}, "ops": {"on": true, "Role": "w", "n": 1.50}, "empty": {}, "none": null}, "freeform-tags": {"a": [1, {"b": null}]}}"#;
        let (quick, general) = both(record, None);
        let quick = quick.expect("a plain record is read in one pass");
        assert_eq!(Ok(quick.clone()), general);
        assert_eq!(quick.1, Location { line: 3, column: 8 });
        assert_eq!(quick.0.defined_tags.len(), 4);
        assert_eq!(quick.0.defined_tags[3].value, "1.50");
    }

    #[test]
    fn what_is_out_of_the_ordinary_goes_to_the_general_path() {
        for record in [
            r#"{"id": "a\"b", "compartment-id": "c", "tenancy-id": "t"}"#,
            r#"{"id": "a", "compartment-id": "c", "tenancy-id": "t", "defined-tags": {"n": {"k": null}}}"#,
            r#"{"id": "a", "compartment-id": "c", "tenancy-id": "t", "defined-tags": {"n": {"k": "x"}, "N": {"K": "y"}}}"#,
            r#"{"id": "a", "compartment-id": "c", "compartmentId": "c", "tenancy-id": "t"}"#,
            r#"{"id": "a", "compartment-id": "c", "tenancy-id": "t", "name": 1, "name": 2}"#,
            r#"{"id": "a", "compartment-id": "c"}"#,
            r#"{"id": "", "compartment-id": "c", "tenancy-id": "t"}"#,
            r#"{"id": "a", "compartment-id": "c", "tenancy-id": "t"} x"#,
            r#"["id"]"#,
        ] {
            let (quick, general) = both(record.as_bytes(), None);
            assert!(quick.is_none(), "{record}: {general:?}");
        }
        let (quick, general) = both(br#"{"id": "a", "compartment-id": "c"}"#, Some("t"));
        assert_eq!(Ok(quick.expect("--tenancy fills in")), general);
    }

    /// A value for a field, plain or not.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(vec!["ocid1.instance.oc1..a", "c", "t", "RUNNING", "TERMINATED", "é日", "fnfunc"])
                .prop_map(|s| format!("\"{s}\"")),
            1 => Just(r#""""#.to_owned()),
            1 => Just(r#""a\"b""#.to_owned()),
            1 => Just(r#""\u00e9""#.to_owned()),
            1 => Just("null".to_owned()),
            1 => Just("12".to_owned()),
            1 => Just("true".to_owned()),
            1 => Just("{}".to_owned()),
            1 => Just("[1, \"x\"]".to_owned()),
        ]
    }

    /// A `defined-tags` value, plain or not.
    fn tags() -> impl Strategy<Value = String> {
        let tag_value = prop::sample::select(vec![
            r#""w""#,
            r#""""#,
            "true",
            "false",
            "1.50",
            "null",
            "{}",
            r#""a\nb""#,
            r#""é""#,
        ]);
        let key = prop::sample::select(vec!["k", "K", "role", "Role", r#"r\u006fle"#]);
        let namespace = prop::sample::select(vec!["ops", "Ops", "Oracle-Tags", r#"op\u0073"#]);
        let keys = prop_oneof![
            1 => Just("null".to_owned()),
            1 => Just("3".to_owned()),
            6 => prop::collection::vec((key, tag_value), 0..4).prop_map(|kv| {
                let kv: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                format!("{{{}}}", kv.join(", "))
            }),
        ];
        prop_oneof![
            1 => Just("null".to_owned()),
            1 => Just("[]".to_owned()),
            8 => prop::collection::vec((namespace, keys), 0..4).prop_map(|ns| {
                let ns: Vec<String> = ns.iter().map(|(n, k)| format!("\"{n}\": {k}")).collect();
                format!("{{{}}}", ns.join(", "))
            }),
        ]
    }

    /// A record: known fields under several spellings, unknown ones, sometimes a
    /// field twice; then, sometimes, one byte broken.
    fn record() -> impl Strategy<Value = Vec<u8>> {
        let key = prop::sample::select(vec![
            "id",
            "id",
            "compartment-id",
            "compartment-id",
            "compartmentId",
            "tenancy-id",
            "tenancy_id",
            "resource-type",
            "lifecycle-state",
            "display-name",
            "name",
            "freeform-tags",
            "other",
        ]);
        let field = prop_oneof![
            6 => (key, value()).prop_map(|(k, v)| format!("\"{k}\": {v}")),
            2 => tags().prop_map(|t| format!("\"defined-tags\": {t}")),
        ];
        let base = prop_oneof![
            // The common shape, so that most records are plain.
            3 => (tags(), prop::option::of(value())).prop_map(|(t, extra)| {
                let extra = extra.map(|v| format!(", \"display-name\": {v}")).unwrap_or_default();
                format!(r#"{{"id": "ocid1.instance.oc1..x", "compartment-id": "c", "tenancy-id": "t", "defined-tags": {t}{extra}}}"#)
            }),
            2 => prop::collection::vec(field, 0..8).prop_map(|f| format!("{{{}}}", f.join(", "))),
        ];
        let damage = prop::option::weighted(
            0.3,
            (
                any::<prop::sample::Index>(),
                prop::sample::select(vec![b'"', b'}', b'\\', b',', b':', 0xff, b' ', 0x01]),
            ),
        );
        (base, damage).prop_map(|(text, damage)| {
            let mut bytes = text.into_bytes();
            if let Some((at, byte)) = damage {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            bytes
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whatever the one-pass path accepts, the general path accepts too, with the
        /// same principal and the same place for its id.
        #[test]
        fn the_one_pass_path_answers_as_the_general_path(
            text in record(),
            tenancy in prop::option::of(Just("dt")),
        ) {
            let (quick, general) = both(&text, tenancy);
            if let Some(quick) = quick {
                prop_assert_eq!(Ok(quick), general, "{}", String::from_utf8_lossy(&text));
            }
        }
    }
}
