//! Where a snapshot's bytes live: a read-only memory map of the file, or an aligned
//! copy in memory.

use crate::error::Error;
use crate::layout::ALIGN;
use memmap2::{Mmap, MmapOptions};
use std::fs::File;
use std::path::Path;

/// The bytes of an opened snapshot. Never written after the snapshot is validated.
pub(crate) enum Storage {
    /// The file, mapped read-only.
    Mapped(Mmap),
    /// A copy, aligned for rkyv.
    Owned(rkyv::util::AlignedVec<ALIGN>),
}

impl Storage {
    /// Maps a file read-only.
    ///
    /// The file must not be modified or truncated while the map lives (see
    /// [`Snapshot::open`](crate::Snapshot::open)).
    #[allow(unsafe_code)]
    pub(crate) fn map(path: &Path) -> Result<Storage, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len == 0 {
            // Mapping zero bytes is an error on some systems; an empty file is simply
            // not a snapshot, which the checks on the bytes will say.
            return Ok(Storage::Owned(rkyv::util::AlignedVec::new()));
        }
        // SAFETY: a memory map is sound only while no one modifies or truncates the
        // file; that is the documented contract of `Snapshot::open`, which callers
        // uphold by treating snapshot files as immutable. dyngroup itself never writes a
        // snapshot in place: it writes a new file and renames it over the old one, so a
        // reader keeps the old file's bytes until it drops the map. The map is
        // read-only; a file changed under it breaks the contract (the validated bytes
        // could change behind later unchecked reads), and one truncated under it raises
        // SIGBUS.
        let map = unsafe { MmapOptions::new().populate().map(&file) };
        map.map(Storage::Mapped).map_err(|e| Error::io(path, e))
    }

    /// Copies bytes into an aligned buffer.
    pub(crate) fn copy(bytes: &[u8]) -> Storage {
        let mut owned = rkyv::util::AlignedVec::with_capacity(bytes.len());
        owned.extend_from_slice(bytes);
        Storage::Owned(owned)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Storage::Mapped(map) => map,
            Storage::Owned(vec) => vec,
        }
    }

    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Storage::Mapped(_))
    }
}
