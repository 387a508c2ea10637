//! One record as a set of known fields, with key aliasing.
//!
//! The OCI CLI prints kebab-case keys (`compartment-id`); SDKs and hand-written files
//! use snake_case (`compartment_id`) or camelCase (`compartmentId`). A key matches a
//! field when it equals the field's name ignoring ASCII case, `-` and `_`. Unknown keys
//! are skipped without being decoded into values. Known fields are kept as raw JSON
//! text (borrowed from the input, so their position in the file stays known) and typed
//! only when read.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::position::RecordCtx;
use crate::problem::{Problem, ProblemKind};

/// A field of a principal or group record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Id,
    CompartmentId,
    TenancyId,
    ResourceType,
    DefinedTags,
    LifecycleState,
    Name,
    Description,
    MatchingRule,
    // Identity-domain dynamic groups (SCIM DynamicResourceGroup).
    DisplayName,
    Ocid,
    DomainOcid,
    CompartmentOcid,
    TenancyOcid,
    DeleteInProgress,
    /// A policy's statements (a list of strings).
    Statements,
}

impl Field {
    const ALL: [Field; 16] = [
        Field::Id,
        Field::CompartmentId,
        Field::TenancyId,
        Field::ResourceType,
        Field::DefinedTags,
        Field::LifecycleState,
        Field::Name,
        Field::Description,
        Field::MatchingRule,
        Field::DisplayName,
        Field::Ocid,
        Field::DomainOcid,
        Field::CompartmentOcid,
        Field::TenancyOcid,
        Field::DeleteInProgress,
        Field::Statements,
    ];

    /// The name as the OCI CLI prints it; used in messages.
    pub(crate) fn kebab(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::CompartmentId => "compartment-id",
            Field::TenancyId => "tenancy-id",
            Field::ResourceType => "resource-type",
            Field::DefinedTags => "defined-tags",
            Field::LifecycleState => "lifecycle-state",
            Field::Name => "name",
            Field::Description => "description",
            Field::MatchingRule => "matching-rule",
            Field::DisplayName => "display-name",
            Field::Ocid => "ocid",
            Field::DomainOcid => "domain-ocid",
            Field::CompartmentOcid => "compartment-ocid",
            Field::TenancyOcid => "tenancy-ocid",
            Field::DeleteInProgress => "delete-in-progress",
            Field::Statements => "statements",
        }
    }

    /// The field a key names, if any: equal to the kebab name ignoring ASCII case, `-`
    /// and `_`. Runs for every key of every record, so the key is folded once into a
    /// buffer and matched as bytes.
    pub(crate) fn of_key(key: &str) -> Option<Field> {
        let mut folded = [0u8; 24]; // longer than any folded field name
        let mut len = 0;
        for b in key.bytes().filter(|&b| b != b'-' && b != b'_') {
            *folded.get_mut(len)? = b.to_ascii_lowercase();
            len += 1;
        }
        Some(match &folded[..len] {
            b"id" => Field::Id,
            b"compartmentid" => Field::CompartmentId,
            b"tenancyid" => Field::TenancyId,
            b"resourcetype" => Field::ResourceType,
            b"definedtags" => Field::DefinedTags,
            b"lifecyclestate" => Field::LifecycleState,
            b"name" => Field::Name,
            b"description" => Field::Description,
            b"matchingrule" => Field::MatchingRule,
            b"displayname" => Field::DisplayName,
            b"ocid" => Field::Ocid,
            b"domainocid" => Field::DomainOcid,
            b"compartmentocid" => Field::CompartmentOcid,
            b"tenancyocid" => Field::TenancyOcid,
            b"deleteinprogress" => Field::DeleteInProgress,
            b"statements" => Field::Statements,
            _ => return None,
        })
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The JSON type of a value, for messages (`found a number`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonType {
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

impl JsonType {
    /// The type of a raw JSON value, from its first byte.
    pub(crate) fn of(raw: &RawValue) -> JsonType {
        match raw.get().trim_start().as_bytes().first() {
            Some(b'{') => JsonType::Object,
            Some(b'[') => JsonType::Array,
            Some(b'"') => JsonType::String,
            Some(b't' | b'f') => JsonType::Boolean,
            Some(b'n') | None => JsonType::Null,
            Some(_) => JsonType::Number,
        }
    }

    /// With its article: `an object`, `a number`, `null`.
    pub(crate) fn described(self) -> &'static str {
        match self {
            JsonType::Object => "an object",
            JsonType::Array => "an array",
            JsonType::String => "a string",
            JsonType::Number => "a number",
            JsonType::Boolean => "a boolean",
            JsonType::Null => "null",
        }
    }
}

/// A top-level record: an object's known fields, or the type of a non-object.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per record, moved once; boxing would allocate per record"
)]
pub(crate) enum TopLevel<'a> {
    Object(RawRecord<'a>),
    Other(JsonType),
}

/// The known fields of one object record, as raw JSON borrowed from the input.
#[derive(Debug, Default)]
pub(crate) struct RawRecord<'a> {
    fields: [Option<&'a RawValue>; Field::ALL.len()],
    /// The first field given twice (under the same key or two aliases), if any.
    repeated: Option<(Field, &'a RawValue)>,
}

impl<'a> RawRecord<'a> {
    /// The raw value of a field, if present.
    /// The first of `fields` that is a non-empty string, else `default`: the tenancy
    /// a problem with this record belongs to (the record may be wrong elsewhere).
    pub(crate) fn tenancy(
        &self,
        fields: &[Field],
        ctx: &RecordCtx<'_>,
        default: Option<&str>,
    ) -> Option<String> {
        fields
            .iter()
            .find_map(|&f| self.string(f, ctx).ok().flatten().filter(|t| !t.is_empty()))
            .or_else(|| default.map(str::to_owned))
    }

    pub(crate) fn raw(&self, field: Field) -> Option<&'a RawValue> {
        self.fields[field.slot()]
    }

    /// A problem if a field was given twice.
    pub(crate) fn check_repeats(&self, ctx: &RecordCtx<'_>) -> Result<(), Problem> {
        match self.repeated {
            None => Ok(()),
            Some((field, raw)) => Err(ctx.problem_at(
                ctx.at_raw(raw),
                ProblemKind::BadField,
                format!(
                    "field `{}` is given twice (under this or another spelling)",
                    field.kebab()
                ),
            )),
        }
    }

    /// A string field: `None` when absent or `null`; a problem when of another type.
    pub(crate) fn string(
        &self,
        field: Field,
        ctx: &RecordCtx<'_>,
    ) -> Result<Option<String>, Problem> {
        let Some(raw) = self.raw(field) else {
            return Ok(None);
        };
        match JsonType::of(raw) {
            JsonType::Null => Ok(None),
            JsonType::String => decode_string(raw, ctx).map(Some),
            other => Err(ctx.problem_at(
                ctx.at_raw(raw),
                ProblemKind::BadField,
                format!(
                    "`{}` must be a string, found {}",
                    field.kebab(),
                    other.described()
                ),
            )),
        }
    }

    /// A boolean field: `false` when absent or `null`; a problem when of another type.
    pub(crate) fn boolean(&self, field: Field, ctx: &RecordCtx<'_>) -> Result<bool, Problem> {
        let Some(raw) = self.raw(field) else {
            return Ok(false);
        };
        match JsonType::of(raw) {
            JsonType::Null => Ok(false),
            JsonType::Boolean => Ok(raw.get().trim() == "true"),
            other => Err(ctx.problem_at(
                ctx.at_raw(raw),
                ProblemKind::BadField,
                format!(
                    "`{}` must be a boolean, found {}",
                    field.kebab(),
                    other.described()
                ),
            )),
        }
    }

    /// A string field that must be present and not empty.
    pub(crate) fn required(&self, field: Field, ctx: &RecordCtx<'_>) -> Result<String, Problem> {
        match self.string(field, ctx)? {
            None => Err(ctx.problem(
                ProblemKind::MissingField,
                format!("missing `{}`", field.kebab()),
            )),
            Some(s) if s.is_empty() => Err(ctx.problem_at(
                self.raw(field).map_or(ctx.at(), |raw| ctx.at_raw(raw)),
                ProblemKind::EmptyField,
                format!("empty `{}`", field.kebab()),
            )),
            Some(s) => Ok(s),
        }
    }
}

/// Decodes a raw JSON string (escapes and all).
///
/// A string without escapes is its text between the quotes: the parse that produced
/// `raw` already checked it (UTF-8, no control characters), so most strings are
/// copied without a second parse.
pub(crate) fn decode_string(raw: &RawValue, ctx: &RecordCtx<'_>) -> Result<String, Problem> {
    let text = raw.get().trim_ascii();
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        && !inner.contains('\\')
    {
        return Ok(inner.to_owned());
    }
    serde_json::from_str::<String>(raw.get())
        .map_err(|e| ctx.json_problem_in(raw.get().as_bytes(), &e))
}

impl<'de: 'a, 'a> Deserialize<'de> for TopLevel<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut record = RawRecord::default();
        while let Some(FieldKey(field)) = map.next_key()? {
            match field {
                Some(field) => {
                    let raw: &'de RawValue = map.next_value()?;
                    let slot = &mut record.fields[field.slot()];
                    if slot.is_some() {
                        record.repeated.get_or_insert((field, raw));
                    } else {
                        *slot = Some(raw);
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(TopLevel::Object(record))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopLevel::Other(JsonType::Array))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(TopLevel::Other(JsonType::String))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(TopLevel::Other(JsonType::Boolean))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(TopLevel::Other(JsonType::Number))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(TopLevel::Other(JsonType::Number))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(TopLevel::Other(JsonType::Number))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(TopLevel::Other(JsonType::Null))
    }
}

/// A map key, classified as a known field (or not) without allocating.
pub(crate) struct FieldKey(pub(crate) Option<Field>);

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FieldKeyVisitor)
    }
}

struct FieldKeyVisitor;

impl Visitor<'_> for FieldKeyVisitor {
    type Value = FieldKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldKey, E> {
        Ok(FieldKey(Field::of_key(key)))
    }
}

/// The entries of a JSON object in order, values kept raw (used for `defined-tags`).
#[derive(Debug, Default)]
pub(crate) struct Entries<'a>(pub(crate) Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
            entries.push((key, value));
        }
        Ok(Entries(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_kebab_name_and_no_other_field_is() {
        for field in Field::ALL {
            assert_eq!(Field::of_key(field.kebab()), Some(field), "{field:?}");
            assert_eq!(Field::of_key(&field.kebab().to_uppercase()), Some(field));
            assert_eq!(Field::of_key(&field.kebab().replace('-', "_")), Some(field));
        }
        assert_eq!(Field::of_key("compartment-id-and-more-than-24-bytes"), None);
    }

    #[test]
    fn strings_decode_alike_with_and_without_escapes() {
        use crate::position::{Source, line_starts};
        let text = r#"["plain é 日", "a\"b", "\u00e9\\", "", "tab\tend"]"#;
        let starts = line_starts(text.as_bytes());
        let source = Source::new(text.as_bytes(), &starts, 1);
        let ctx = RecordCtx::new("f", &source, 0);
        let raws: Vec<&RawValue> = serde_json::from_str(text).unwrap();
        let decoded: Vec<String> = raws
            .iter()
            .map(|r| decode_string(r, &ctx).unwrap())
            .collect();
        assert_eq!(decoded, ["plain é 日", "a\"b", "é\\", "", "tab\tend"]);
    }

    #[test]
    fn keys_match_in_every_spelling() {
        for key in [
            "compartment-id",
            "compartment_id",
            "compartmentId",
            "CompartmentID",
        ] {
            assert_eq!(Field::of_key(key), Some(Field::CompartmentId), "{key}");
        }
        for key in ["matching-rule", "matching_rule", "matchingRule"] {
            assert_eq!(Field::of_key(key), Some(Field::MatchingRule), "{key}");
        }
        for key in ["display-name", "displayName", "display_name"] {
            assert_eq!(Field::of_key(key), Some(Field::DisplayName), "{key}");
        }
        assert_eq!(Field::of_key("domainOcid"), Some(Field::DomainOcid));
        assert_eq!(
            Field::of_key("compartmentOcid"),
            Some(Field::CompartmentOcid)
        );
        assert_eq!(Field::of_key("tenancy-ocid"), Some(Field::TenancyOcid));
        assert_eq!(Field::of_key("ocid"), Some(Field::Ocid));
        assert_eq!(Field::of_key("freeform-tags"), None);
        assert_eq!(Field::of_key("ids"), None);
        assert_eq!(Field::of_key(""), None);
    }
}
