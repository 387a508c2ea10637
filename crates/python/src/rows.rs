//! Arrow tables as inputs: each row becomes one JSON Lines record, which `dyngroup-io`'s
//! readers then validate exactly as a file's record (a bad row is a rejected record
//! named by its row, never an exception for the whole table).
//!
//! Columns are the record's fields under their JSON names (`id`, `compartment-id`, or
//! the snake_case and camelCase spellings the readers accept); a null is an absent
//! field. Strings, integers, floats and booleans are JSON scalars; structs and maps are
//! JSON objects, lists arrays; a dictionary column is read as its values; any other
//! type (dates, decimals, binary) as its display text. `defined-tags` is either a
//! struct or map column (`{namespace: {key: value}}`) or a string column of JSON text.

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, DataType};

/// The spellings of the one field whose string column holds JSON text.
const JSON_TEXT_COLUMNS: [&str; 3] = ["defined-tags", "defined_tags", "definedTags"];

/// The rows of `batches` as JSON Lines, one object per row.
pub(crate) fn to_jsonl(batches: &[RecordBatch]) -> Result<Vec<u8>, ArrowError> {
    let mut out = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        let mut columns = Vec::with_capacity(batch.num_columns());
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            let key = serde_json::to_string(field.name()).map_err(json_error)?;
            let json_text = JSON_TEXT_COLUMNS.contains(&field.name().as_str());
            columns.push((key, plain(column)?, json_text));
        }
        for row in 0..batch.num_rows() {
            out.push(b'{');
            let mut first = true;
            for (key, column, json_text) in &columns {
                if column.is_null(row) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(key.as_bytes());
                out.push(b':');
                match (json_text, string_at(column, row)) {
                    (true, Some(text)) => write_json_text(&mut out, text),
                    _ => write_value(&mut out, column, row)?,
                }
            }
            out.extend_from_slice(b"}\n");
        }
    }
    Ok(out)
}

/// A dictionary column as its values; any other column as it is.
fn plain(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    match column.data_type() {
        DataType::Dictionary(_, values) => arrow_cast::cast(column, values),
        _ => Ok(column.clone()),
    }
}

/// JSON text given in a string column, embedded as it is. A line break becomes a tab:
/// outside a JSON string both are whitespace, inside one both are invalid (so a
/// broken text stays broken), and the record stays on its line.
fn write_json_text(out: &mut Vec<u8>, text: &str) {
    out.extend(
        text.bytes()
            .map(|b| if b == b'\n' || b == b'\r' { b'\t' } else { b }),
    );
}

/// The string at `row` of a string column of any width.
fn string_at(column: &dyn Array, row: usize) -> Option<&str> {
    match column.data_type() {
        DataType::Utf8 => Some(column.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Some(column.as_string::<i64>().value(row)),
        DataType::Utf8View => Some(column.as_string_view().value(row)),
        _ => None,
    }
}

fn json_error(e: serde_json::Error) -> ArrowError {
    ArrowError::ExternalError(Box::new(e))
}

fn write_str(out: &mut Vec<u8>, text: &str) -> Result<(), ArrowError> {
    serde_json::to_writer(&mut *out, text).map_err(json_error)
}

/// Writes the value at `row` (not null) as JSON.
fn write_value(out: &mut Vec<u8>, column: &dyn Array, row: usize) -> Result<(), ArrowError> {
    macro_rules! number {
        ($t:ty) => {
            write!(out, "{}", column.as_primitive::<$t>().value(row))?
        };
    }
    macro_rules! float {
        ($t:ty) => {{
            let value = f64::from(column.as_primitive::<$t>().value(row));
            match serde_json::Number::from_f64(value) {
                Some(n) => write!(out, "{n}")?,
                None => out.extend_from_slice(b"null"),
            }
        }};
    }
    if let Some(text) = string_at(column, row) {
        return write_str(out, text);
    }
    match column.data_type() {
        DataType::Null => out.extend_from_slice(b"null"),
        DataType::Boolean => {
            let value = column.as_boolean().value(row);
            out.extend_from_slice(if value { b"true" } else { b"false" });
        }
        DataType::Int8 => number!(Int8Type),
        DataType::Int16 => number!(Int16Type),
        DataType::Int32 => number!(Int32Type),
        DataType::Int64 => number!(Int64Type),
        DataType::UInt8 => number!(UInt8Type),
        DataType::UInt16 => number!(UInt16Type),
        DataType::UInt32 => number!(UInt32Type),
        DataType::UInt64 => number!(UInt64Type),
        DataType::Float16 => {
            let value = column.as_primitive::<Float16Type>().value(row).to_f64();
            match serde_json::Number::from_f64(value) {
                Some(n) => write!(out, "{n}")?,
                None => out.extend_from_slice(b"null"),
            }
        }
        DataType::Float32 => float!(Float32Type),
        DataType::Float64 => float!(Float64Type),
        DataType::Struct(fields) => {
            let array = column.as_struct();
            out.push(b'{');
            let mut first = true;
            for (field, child) in fields.iter().zip(array.columns()) {
                if child.is_null(row) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                write_str(out, field.name())?;
                out.push(b':');
                write_value(out, &plain(child)?, row)?;
            }
            out.push(b'}');
        }
        DataType::Map(..) => {
            let map = column.as_map();
            let (keys, values) = (plain(map.keys())?, plain(map.values())?);
            let offsets = map.value_offsets();
            let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
            out.push(b'{');
            for entry in start..end {
                if entry > start {
                    out.push(b',');
                }
                match string_at(&keys, entry) {
                    Some(key) => write_str(out, key)?,
                    None => write_str(out, &display(&keys, entry)?)?,
                }
                out.push(b':');
                if values.is_null(entry) {
                    out.extend_from_slice(b"null");
                } else {
                    write_value(out, &values, entry)?;
                }
            }
            out.push(b'}');
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::ListView(_) => {
            let items = match column.data_type() {
                DataType::List(_) => column.as_list::<i32>().value(row),
                DataType::LargeList(_) => column.as_list::<i64>().value(row),
                _ => column.as_list_view::<i32>().value(row),
            };
            let items = plain(&items)?;
            out.push(b'[');
            for i in 0..items.len() {
                if i > 0 {
                    out.push(b',');
                }
                if items.is_null(i) {
                    out.extend_from_slice(b"null");
                } else {
                    write_value(out, &items, i)?;
                }
            }
            out.push(b']');
        }
        _ => write_str(out, &display(column, row)?)?,
    }
    Ok(())
}

/// Any other value as its display text.
fn display(column: &dyn Array, row: usize) -> Result<String, ArrowError> {
    let formatter = ArrayFormatter::try_new(column, &FormatOptions::default())?;
    Ok(formatter.value(row).to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{MapBuilder, StringBuilder};
    use arrow_array::{Int64Array, StringArray, StructArray};
    use arrow_schema::{Field, Fields};

    use super::*;

    fn text(batch: &RecordBatch) -> String {
        String::from_utf8(to_jsonl(std::slice::from_ref(batch)).unwrap()).unwrap()
    }

    #[test]
    fn scalars_nulls_and_json_text() {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "id",
                Arc::new(StringArray::from(vec![Some("a\"b"), None])) as ArrayRef,
            ),
            ("n", Arc::new(Int64Array::from(vec![Some(-3), Some(4)]))),
            (
                "defined_tags",
                Arc::new(StringArray::from(vec![
                    Some("{\"Ops\":\n{\"Role\": \"web\"}}"),
                    None,
                ])),
            ),
        ])
        .unwrap();
        assert_eq!(
            text(&batch),
            "{\"id\":\"a\\\"b\",\"n\":-3,\"defined_tags\":{\"Ops\":\t{\"Role\": \"web\"}}}\n{\"n\":4}\n"
        );
    }

    #[test]
    fn structs_and_maps_are_objects() {
        let role = StructArray::from(vec![(
            Arc::new(Field::new("Role", DataType::Utf8, true)),
            Arc::new(StringArray::from(vec![Some("web")])) as ArrayRef,
        )]);
        let tags = StructArray::new(
            Fields::from(vec![Field::new("Ops", role.data_type().clone(), true)]),
            vec![Arc::new(role) as ArrayRef],
            None,
        );
        let mut map = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        map.keys().append_value("k");
        map.values().append_value("v");
        map.append(true).unwrap();
        let batch = RecordBatch::try_from_iter(vec![
            ("defined-tags", Arc::new(tags) as ArrayRef),
            ("m", Arc::new(map.finish()) as ArrayRef),
        ])
        .unwrap();
        assert_eq!(
            text(&batch),
            "{\"defined-tags\":{\"Ops\":{\"Role\":\"web\"}},\"m\":{\"k\":\"v\"}}\n"
        );
    }
}
