//! The live engine's way in and out: [`Engine::open`](EngineFile::open) makes an
//! [`Engine`] from a snapshot file without the inventory, and
//! [`checkpoint`](EngineFile::checkpoint) writes the engine's current version back as
//! a snapshot, atomically.

use crate::error::Error;
use crate::open::Snapshot;
use crate::policies::PolicyInputs;
use crate::write::{WriteOptions, write_with_policies};
use dyngroup_index::engine::{self, Engine, EngineOptions};
use std::path::Path;

/// Opening an [`Engine`] from a snapshot file and checkpointing it to one.
///
/// ```
/// use dyngroup_index::engine::{Change, Engine, EngineOptions};
/// use dyngroup_index::{DynamicGroup, IndexBuilder, Principal};
/// use dyngroup_snapshot::EngineFile;
///
/// let tenancy = "ocid1.tenancy.oc1..t";
/// let mut builder = IndexBuilder::new();
/// builder
///     .add_group(DynamicGroup {
///         id: "ocid1.dynamicgroup.oc1..fns".into(),
///         name: "functions".into(),
///         matching_rule: "resource.type = 'fnfunc'".into(),
///         tenancy_id: tenancy.into(),
///         ..DynamicGroup::default()
///     })
///     .unwrap();
/// let index = builder.build();
/// let path = std::env::temp_dir().join(format!("engine-doc-{}.dgs", std::process::id()));
/// dyngroup_snapshot::write(&path, &index, &index.evaluate(), &Default::default())?;
///
/// // Open it as a live engine, apply a change, checkpoint.
/// let mut engine = Engine::open(&path, EngineOptions::default())?;
/// let delta = engine
///     .apply_one(Change::UpsertPrincipal(Principal {
///         id: "ocid1.fnfunc.oc1..f1".into(),
///         compartment_id: "ocid1.compartment.oc1..c".into(),
///         tenancy_id: tenancy.into(),
///         ..Principal::default()
///     }))
///     .unwrap();
/// assert_eq!(delta.counts(), (1, 0));
/// engine.checkpoint(&path)?;
///
/// let again = Engine::open(&path, EngineOptions::default())?;
/// assert!(again.snapshot().is_member("ocid1.fnfunc.oc1..f1", "ocid1.dynamicgroup.oc1..fns"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait EngineFile: Sized {
    /// Opens a snapshot file as a live engine: the file is opened, deep-verified
    /// ([`Snapshot::verified_index`]: a crafted file is refused, not believed), and
    /// the engine made from the index it holds ([`Engine::from_evaluated`]), without
    /// replaying an inventory. The groups keep the file's rules and members; `options`
    /// applies to the changes that follow.
    fn open(path: impl AsRef<Path>, options: EngineOptions) -> Result<Self, Error>;

    /// Writes the current published version to `path` atomically (see
    /// [`checkpoint`]); returns the file's size.
    fn checkpoint(&self, path: impl AsRef<Path>) -> Result<u64, Error>;
}

impl EngineFile for Engine {
    fn open(path: impl AsRef<Path>, options: EngineOptions) -> Result<Engine, Error> {
        let snapshot = Snapshot::open(path)?;
        let (index, memberships) = snapshot.verified_index()?;
        drop(snapshot);
        Ok(Engine::from_evaluated(index, &memberships, options))
    }

    fn checkpoint(&self, path: impl AsRef<Path>) -> Result<u64, Error> {
        checkpoint(&self.snapshot(), path)
    }
}

/// Writes one version of an engine to `path` as a snapshot, atomically: a temporary
/// file beside it, synced, renamed over it, the directory synced. A failure part way
/// leaves the old file as it was and removes the temporary file.
///
/// It reads only the immutable `version`: readers go on reading, and the writer may go
/// on applying changes (to later versions) while a checkpoint of this one is written
/// on another thread. The rules are stored with the options they were accepted under
/// ([`rules_parse_options`](engine::Version::rules_parse_options)).
pub fn checkpoint(version: &engine::Version, path: impl AsRef<Path>) -> Result<u64, Error> {
    checkpoint_with_policies(version, path, None)
}

/// [`checkpoint`], keeping the compartment tree and policies of the snapshot the engine
/// was opened from ([`Snapshot::policy_inputs`]): the engine holds no policies, and a
/// checkpoint must not lose what the file held.
pub fn checkpoint_with_policies(
    version: &engine::Version,
    path: impl AsRef<Path>,
    policies: Option<&PolicyInputs>,
) -> Result<u64, Error> {
    let (index, memberships) = version.to_index();
    write_with_policies(
        path,
        &index,
        &memberships,
        &WriteOptions {
            parse_options: version.rules_parse_options(),
        },
        policies,
    )
}
