//! Writing many records fast: formatted in parallel, written in order.
//!
//! Records are formatted in batches of [`BATCH`] on rayon's pool — each piece of
//! [`PIECE`] records into its own buffer, by the same [`Core`] the one-by-one writers
//! use, told how many records come before the piece (which decides the JSON array's
//! `[`/`,` and the CSV header) — and the buffers are written to the output in order
//! on the calling thread while the next batch is formatted. The bytes are exactly the
//! one-by-one writers' bytes; at most two batches of text are held at once.

use std::io::{self, Write};

use rayon::prelude::*;

use super::{Core, Format, GroupMembersRecord, PrincipalGroupsRecord, Record};

/// Records formatted into one buffer by one task.
const PIECE: usize = 64;
/// Records formatted while the previous batch is written.
const BATCH: usize = 32 * PIECE;

/// Writes `count` group records to `out` in `format`, record `i` being `record(i)`,
/// formatted in parallel; the bytes are those of [`GroupMembersWriter`](crate::GroupMembersWriter) given the
/// records in order. `record` runs on rayon's threads (so, for example, each group's
/// members are gathered in parallel too).
///
/// ```
/// use dyngroup_io::{Format, GroupMembersRecord, write_group_members_parallel};
///
/// let names = ["a", "b", "c"];
/// let out = write_group_members_parallel(Vec::new(), Format::Json, names.len(), |i| {
///     GroupMembersRecord { tenancy_id: "t", group_id: names[i], name: names[i], members: vec![] }
/// })?;
/// assert!(String::from_utf8(out).unwrap().starts_with("[\n{\"tenancy-id\":\"t\",\"group-id\":\"a\""));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_group_members_parallel<'a, W: Write>(
    out: W,
    format: Format,
    count: usize,
    record: impl Fn(usize) -> GroupMembersRecord<'a> + Sync,
) -> io::Result<W> {
    write_parallel(out, format, count, record)
}

/// Writes `count` principal records to `out` in `format`, record `i` being
/// `record(i)`, formatted in parallel; the bytes are those of
/// [`PrincipalGroupsWriter`](crate::PrincipalGroupsWriter) given the records in order.
pub fn write_principal_groups_parallel<'a, W: Write>(
    out: W,
    format: Format,
    count: usize,
    record: impl Fn(usize) -> PrincipalGroupsRecord<'a> + Sync,
) -> io::Result<W> {
    write_parallel(out, format, count, record)
}

fn write_parallel<R: Record, W: Write>(
    mut out: W,
    format: Format,
    count: usize,
    record: impl Fn(usize) -> R + Sync,
) -> io::Result<W> {
    let format_batch = |start: usize| -> io::Result<Vec<Vec<u8>>> {
        let end = (start + BATCH).min(count);
        (start..end)
            .step_by(PIECE)
            .collect::<Vec<usize>>()
            .into_par_iter()
            .map(|from| {
                let mut piece = Core {
                    out: Vec::new(),
                    format,
                    written: from,
                };
                for i in from..(from + PIECE).min(end) {
                    piece.write(&record(i))?;
                }
                Ok(piece.out)
            })
            .collect()
    };
    let mut batch = format_batch(0)?;
    let mut next_start = BATCH;
    loop {
        let mut next = None;
        let written = rayon::in_place_scope(|scope| {
            if next_start < count {
                scope.spawn(|_| next = Some(format_batch(next_start)));
            }
            batch.iter().try_for_each(|piece| out.write_all(piece))
        });
        written?;
        match next {
            Some(formatted) => batch = formatted?,
            None => break,
        }
        next_start += BATCH;
    }
    let end = Core {
        out,
        format,
        written: count,
    };
    end.finish::<R>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::{write_group_members, write_principal_groups};

    fn group(i: usize, members: &[String]) -> GroupMembersRecord<'_> {
        GroupMembersRecord {
            tenancy_id: "ocid1.tenancy.oc1..t",
            group_id: &members[i % members.len()],
            name: if i.is_multiple_of(5) {
                "web, \"front\""
            } else {
                "é"
            },
            members: members[..i % 7].iter().map(String::as_str).collect(),
        }
    }

    #[test]
    fn the_bytes_are_the_one_by_one_writers_at_every_batch_edge() {
        let members: Vec<String> = (0..7).map(|i| format!("ocid1.instance.oc1..{i}")).collect();
        for format in [Format::Jsonl, Format::Json, Format::Csv] {
            for count in [
                0,
                1,
                2,
                PIECE - 1,
                PIECE,
                PIECE + 1,
                BATCH,
                BATCH + 1,
                2 * BATCH + PIECE + 3,
            ] {
                let expected =
                    write_group_members(Vec::new(), format, (0..count).map(|i| group(i, &members)))
                        .unwrap();
                let parallel =
                    write_group_members_parallel(Vec::new(), format, count, |i| group(i, &members))
                        .unwrap();
                assert!(parallel == expected, "{format} {count}");
            }
        }
    }

    #[test]
    fn principal_records_too() {
        let names = ["g1", "g,2", "\"g3\""];
        let principal = |i: usize| PrincipalGroupsRecord {
            id: names[i % 3],
            tenancy_id: "t",
            groups: names[..i % 4].to_vec(),
        };
        for format in [Format::Jsonl, Format::Json, Format::Csv] {
            for count in [0, 1, BATCH - 1, BATCH, 3 * BATCH + 5] {
                let expected =
                    write_principal_groups(Vec::new(), format, (0..count).map(principal)).unwrap();
                let parallel =
                    write_principal_groups_parallel(Vec::new(), format, count, principal).unwrap();
                assert!(parallel == expected, "{format} {count}");
            }
        }
    }
}
