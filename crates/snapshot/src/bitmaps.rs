//! Bitmap-list sections (`postings`, `members`): a count, an offset table, then the
//! bitmaps in the standard Roaring portable format, back to back.
//!
//! ```text
//! count(u32) | reserved(u32) = 0 | offsets([u64; count + 1]) | data
//! ```

use crate::error::Error;
use crate::layout::{Kind, u64_at};
use roaring::RoaringBitmap;

/// Encodes bitmaps as a bitmap list.
pub(crate) fn encode<'a>(
    kind: Kind,
    bitmaps: impl ExactSizeIterator<Item = &'a RoaringBitmap>,
) -> Result<Vec<u8>, Error> {
    let count = u32::try_from(bitmaps.len())
        .map_err(|_| Error::Unwritable(format!("too many bitmaps for \"{}\"", kind.name())))?;
    let table = 8 + 8 * (count as usize + 1);
    let mut out = vec![0u8; table];
    out[..4].copy_from_slice(&count.to_le_bytes());
    let mut at = 8;
    out[at..at + 8].copy_from_slice(&0u64.to_le_bytes());
    for bitmap in bitmaps {
        bitmap
            .serialize_into(&mut out)
            .expect("writing to a Vec does not fail");
        at += 8;
        let offset = (out.len() - table) as u64;
        out[at..at + 8].copy_from_slice(&offset.to_le_bytes());
    }
    Ok(out)
}

/// A validated bitmap list inside a section's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BitmapList<'a> {
    kind: Kind,
    count: usize,
    bytes: &'a [u8],
}

impl<'a> BitmapList<'a> {
    /// Checks the frame of a bitmap list: the count against `expected`, the offset
    /// table (starts at 0, ascending, ends at the data's end). The bitmaps themselves
    /// are decoded only on use.
    pub(crate) fn parse(kind: Kind, bytes: &'a [u8], expected: usize) -> Result<Self, Error> {
        let bad = |problem: String| Error::section(kind.name(), problem);
        if bytes.len() < 8 {
            return Err(bad(format!(
                "is {} bytes, too short for a count",
                bytes.len()
            )));
        }
        let count = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")) as usize;
        if count != expected {
            return Err(bad(format!(
                "holds {count} bitmaps where {expected} are expected"
            )));
        }
        if bytes[4..8] != [0; 4] {
            return Err(bad("reserved field is not zero".into()));
        }
        let table = count
            .checked_add(1)
            .and_then(|n| n.checked_mul(8))
            .and_then(|n| n.checked_add(8))
            .filter(|&t| t <= bytes.len())
            .ok_or_else(|| bad(format!("is too short for {count} offsets")))?;
        let data = (bytes.len() - table) as u64;
        let mut previous = 0u64;
        for i in 0..=count {
            let offset = u64_at(bytes, 8 + 8 * i);
            let ok = if i == 0 {
                offset == 0
            } else if i == count {
                offset == data && offset >= previous
            } else {
                offset >= previous && offset <= data
            };
            if !ok {
                return Err(bad(format!(
                    "offset {i} ({offset}) is out of order or bounds"
                )));
            }
            previous = offset;
        }
        Ok(BitmapList { kind, count, bytes })
    }

    /// A bitmap list [`parse`](BitmapList::parse) accepted before, without checking
    /// its offsets again (every read is still bounds-checked).
    pub(crate) fn trusted(kind: Kind, bytes: &'a [u8], count: usize) -> Self {
        BitmapList { kind, count, bytes }
    }

    /// How many bitmaps.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The serialized bytes of bitmap `i`.
    fn slot(&self, i: usize) -> Result<&'a [u8], Error> {
        let table = 8 + 8 * (self.count + 1);
        let bounds = (i < self.count).then(|| {
            let at = |j: usize| {
                usize::try_from(u64_at(self.bytes, 8 + 8 * j))
                    .ok()
                    .and_then(|o| o.checked_add(table))
            };
            Some(at(i)?..at(i + 1)?)
        });
        bounds
            .flatten()
            .and_then(|r| self.bytes.get(r))
            .ok_or_else(|| Error::section(self.kind.name(), format!("has no bitmap {i}")))
    }

    /// Bitmap `i`, decoded with roaring's checked loader (containers sorted, sizes
    /// consistent). Its slot must hold exactly one bitmap.
    ///
    /// Not `deserialize_unchecked_from`, although the section's checksum was verified:
    /// a checksum stops accidents, not a file crafted with valid checksums, and on
    /// such a file roaring's unchecked loader panics (debug builds) or builds bitmaps
    /// that break roaring's invariants (release builds). The checks cost one pass
    /// over each container, next to the copy the loader makes anyway.
    pub(crate) fn get(&self, i: usize) -> Result<RoaringBitmap, Error> {
        let mut slot = self.slot(i)?;
        let bitmap = RoaringBitmap::deserialize_from(&mut slot);
        self.finish(i, bitmap, slot)
    }

    fn finish(
        &self,
        i: usize,
        bitmap: std::io::Result<RoaringBitmap>,
        rest: &[u8],
    ) -> Result<RoaringBitmap, Error> {
        let bitmap = bitmap.map_err(|e| {
            Error::section(self.kind.name(), format!("bitmap {i} is not valid: {e}"))
        })?;
        if !rest.is_empty() {
            return Err(Error::section(
                self.kind.name(),
                format!("bitmap {i} is followed by {} stray bytes", rest.len()),
            ));
        }
        Ok(bitmap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_checks() {
        let bitmaps = [
            RoaringBitmap::new(),
            (0..100_000).collect::<RoaringBitmap>(),
            [7u32, 1 << 20].into_iter().collect(),
        ];
        let bytes = encode(Kind::Postings, bitmaps.iter()).unwrap();
        let list = BitmapList::parse(Kind::Postings, &bytes, 3).unwrap();
        assert_eq!(list.len(), 3);
        for (i, b) in bitmaps.iter().enumerate() {
            assert_eq!(&list.get(i).unwrap(), b);
        }
        assert!(list.get(3).is_err());
        let e = BitmapList::parse(Kind::Postings, &bytes, 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "snapshot: section \"postings\" holds 3 bitmaps where 2 are expected"
        );
        assert!(BitmapList::parse(Kind::Postings, &bytes[..bytes.len() - 1], 3).is_err());
        let mut shuffled = bytes.clone();
        shuffled[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(BitmapList::parse(Kind::Postings, &shuffled, 3).is_err());
        let empty = encode(Kind::Members, [].iter()).unwrap();
        assert_eq!(
            BitmapList::parse(Kind::Members, &empty, 0).unwrap().len(),
            0
        );
    }
}
