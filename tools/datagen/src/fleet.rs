//! Tenancies and their principals.
//!
//! A [`Tenancy`] is set up once from its own PRNG stream (compartments, regions,
//! people, tag vocabulary), then writes its principals one JSON line at a time. While
//! it does, it fills an [`Observed`] summary — which compartments hold which types,
//! a sample of instance ids — that the group generator uses to write rules that
//! really match something. Nothing else about a principal is kept, so memory does not
//! grow with the fleet.

use crate::json::Obj;
use crate::ocid::{self, REGIONS, Region};
use crate::plan;
use crate::rng::Rng;
use crate::tags::{self, Namespace};
use crate::vocab::{self, title};
use crate::zipf::Zipf;

/// Resource types, instances first; the rest are the non-instance principals OCI
/// supports as resource principals.
pub const TYPES: &[&str] = &[
    "instance",
    "fnfunc",
    "computecontainerinstance",
    "apigateway",
    "datasciencenotebooksession",
    "datasciencemodeldeployment",
    "datasciencejobrun",
    "devopsbuildpipeline",
    "devopsdeploypipeline",
    "cluster",
];

/// Relative frequency of the non-instance types (`TYPES[1..]`).
const OTHER_TYPE_WEIGHTS: &[u32] = &[27, 13, 10, 10, 7, 13, 7, 7, 6];

/// How many instance ids of a tenancy are kept for rules (long `ANY` lists need
/// hundreds).
const KEEP_INSTANCE_IDS: usize = 400;
/// Instance ids kept per compartment (for exclusions).
const KEEP_PER_COMPARTMENT: usize = 4;
/// Non-instance ids kept per tenancy (for `resource.id` rules).
const KEEP_OTHER_IDS: usize = 32;

/// What a tenancy's principals turned out to be, as far as rules need to know.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Principals per compartment.
    pub per_compartment: Vec<u32>,
    /// Bit `i` set when compartment holds a principal of `TYPES[i]`.
    pub types_in_compartment: Vec<u16>,
    /// Up to a few instance ids per compartment.
    pub instances_in_compartment: Vec<Vec<String>>,
    /// The first instance ids written (in random order already).
    pub instance_ids: Vec<String>,
    /// The first non-instance ids written.
    pub other_ids: Vec<String>,
    /// Principals per type.
    pub per_type: [u64; TYPES.len()],
    /// Principals written as TERMINATED or TERMINATING.
    pub terminated: u64,
}

/// A tenancy: its fixed structure, set up from `(seed, index)` alone.
#[derive(Clone, Debug)]
pub struct Tenancy {
    /// Rank in the size plan (0 is the largest).
    pub index: u32,
    /// Principals it will have.
    pub size: u64,
    /// Its OCID (also the id of its root compartment).
    pub ocid: String,
    /// Short organisation name (`acme17`).
    pub org: String,
    /// Compartment OCIDs, most populated first; may include the root (tenancy OCID).
    pub compartments: Vec<String>,
    /// Popularity of `compartments`.
    pub compartment_zipf: Zipf,
    /// Defined-tag namespaces besides `Oracle-Tags`.
    pub namespaces: Vec<Namespace>,
    /// `Oracle-Tags.CreatedBy` values, most frequent first.
    pub creators: Vec<String>,
    /// Popularity of `creators`.
    pub creator_zipf: Zipf,
    /// People (`first.last`).
    pub people: Vec<String>,
    /// Applications the tenancy runs (names, display names).
    pub apps: Vec<&'static str>,
    regions: Vec<&'static Region>,
    region_zipf: Zipf,
    instance_per_mille: u32,
}

impl Tenancy {
    /// Sets up tenancy `index` of `size` principals.
    pub fn new(seed: u64, index: u32, size: u64) -> Self {
        let mut rng = Rng::stream(seed, &[0x7365_7475, u64::from(index)]);
        let ocid = ocid::tenancy(seed, index);
        let org = format!("{}{}", rng.pick(vocab::ORGS), index);
        let domain = format!("{org}.example.com");

        let mut compartments: Vec<String> = (0..plan::compartment_count(size))
            .map(|c| ocid::compartment(seed, index, c))
            .collect();
        // A third of tenancies also run things in the root compartment, whose id is
        // the tenancy OCID itself.
        if rng.per_mille(350) {
            let at = rng.index(compartments.len().min(3) + 1);
            compartments.insert(at, ocid.clone());
        }
        let compartment_zipf = Zipf::new(compartments.len(), 4);

        let region_count = [1, 1, 1, 2, 2, 3][rng.index(6)];
        let mut regions: Vec<&'static Region> = Vec::new();
        let region_popularity = Zipf::new(REGIONS.len(), 4);
        while regions.len() < region_count {
            let r = &REGIONS[region_popularity.sample(&mut rng)];
            if !regions.iter().any(|x| x.code == r.code) {
                regions.push(r);
            }
        }
        let region_zipf = Zipf::new(regions.len(), 8);

        let people: Vec<String> = (0..2 + (size.isqrt() / 2).min(40))
            .map(|_| format!("{}.{}", rng.pick(vocab::FIRST), rng.pick(vocab::LAST)))
            .collect();
        let idp = if rng.per_mille(600) {
            "oracleidentitycloudservice"
        } else {
            "default"
        };
        let mut creators: Vec<String> = people
            .iter()
            .map(|p| format!("{idp}/{p}@{domain}"))
            .collect();
        if rng.per_mille(300) {
            // Automation creating most resources is common.
            creators.insert(0, format!("{idp}/terraform-ci@{domain}"));
        }
        let creator_zipf = Zipf::new(creators.len(), 4);

        let namespaces = tags::namespaces(size, compartments.len(), &people, &domain, &mut rng);
        let mut apps = vocab::APPS.to_vec();
        rng.shuffle(&mut apps);
        apps.truncate(2 + (size.isqrt() / 10).min(10) as usize);
        let instance_per_mille = *rng.pick(&[900, 870, 850, 850, 830, 800]);

        Tenancy {
            index,
            size,
            ocid,
            org,
            compartments,
            compartment_zipf,
            namespaces,
            creators,
            creator_zipf,
            people,
            apps,
            regions,
            region_zipf,
            instance_per_mille,
        }
    }

    /// An empty [`Observed`] sized for this tenancy.
    pub fn observed(&self) -> Observed {
        let n = self.compartments.len();
        Observed {
            per_compartment: vec![0; n],
            types_in_compartment: vec![0; n],
            instances_in_compartment: vec![Vec::new(); n],
            ..Observed::default()
        }
    }

    /// The home region (for stale OCIDs that look like this tenancy's).
    pub fn home_region(&self) -> &'static Region {
        self.regions[0]
    }

    /// Appends one principal as a JSON line to `line` and records it in `obs`.
    pub fn write_principal(&self, rng: &mut Rng, obs: &mut Observed, line: &mut Vec<u8>) {
        let ty = if rng.per_mille(self.instance_per_mille) {
            0
        } else {
            1 + rng.weighted(OTHER_TYPE_WEIGHTS)
        };
        let c = self.compartment_zipf.sample(rng);
        let region = self.regions[self.region_zipf.sample(rng)];
        let id = ocid::regional(TYPES[ty], region, rng);
        let state = lifecycle_state(ty, rng);

        let mut o = Obj::new(line);
        o.string("id", &id);
        // The optional explicit type, on a small share, so readers exercise it.
        if rng.per_mille(15) {
            o.string("resource-type", TYPES[ty]);
        }
        o.string("compartment-id", &self.compartments[c]);
        o.string("tenancy-id", &self.ocid);
        o.string("display-name", &self.display_name(ty, rng));
        o.string("lifecycle-state", state);
        self.write_defined_tags(&mut o, c, rng);
        self.write_freeform_tags(&mut o, rng);
        o.end();
        line.push(b'\n');

        obs.per_compartment[c] += 1;
        obs.types_in_compartment[c] |= 1 << ty;
        obs.per_type[ty] += 1;
        if matches!(state, "TERMINATED" | "TERMINATING") {
            obs.terminated += 1;
        }
        if ty == 0 {
            if obs.instances_in_compartment[c].len() < KEEP_PER_COMPARTMENT {
                obs.instances_in_compartment[c].push(id.clone());
            }
            if obs.instance_ids.len() < KEEP_INSTANCE_IDS {
                obs.instance_ids.push(id);
            }
        } else if obs.other_ids.len() < KEEP_OTHER_IDS {
            obs.other_ids.push(id);
        }
    }

    fn write_defined_tags(&self, o: &mut Obj<'_>, c: usize, rng: &mut Rng) {
        let mut tags = o.object("defined-tags");
        // Oracle's default tags are on most resources (tenancies may switch them off).
        if rng.per_mille(900) {
            let mut ot = tags.object("Oracle-Tags");
            ot.string("CreatedBy", &self.creators[self.creator_zipf.sample(rng)]);
            ot.string("CreatedOn", &timestamp(rng, true));
            ot.end();
        }
        // At most six tags of the tenancy's own, so at most eight in all.
        let mut budget = 6;
        for ns in &self.namespaces {
            // Decide first, so a namespace with no tag on this principal is not written.
            let mut chosen = [None; 4];
            for (slot, key) in chosen.iter_mut().zip(&ns.keys) {
                if budget > 0 && rng.per_mille(key.presence) {
                    budget -= 1;
                    *slot = Some((key.draw(c, rng), rng.per_mille(200)));
                }
            }
            if chosen.iter().all(Option::is_none) {
                continue;
            }
            let mut obj = tags.object(&ns.name);
            for (slot, key) in chosen.iter().zip(&ns.keys) {
                if let Some((value, as_string)) = slot {
                    value.write(&mut obj, &key.name, *as_string);
                }
            }
            obj.end();
        }
        tags.end();
    }

    fn write_freeform_tags(&self, o: &mut Obj<'_>, rng: &mut Rng) {
        let mut ff = o.object("freeform-tags");
        if rng.per_mille(450) {
            let start = rng.index(vocab::FREEFORM_KEYS.len());
            for &k in vocab::FREEFORM_KEYS
                .iter()
                .skip(start)
                .take(rng.range(1, 2) as usize)
            {
                let v = match k {
                    "owner" => rng.pick(&self.people).clone(),
                    "env" => (*rng.pick(vocab::ENVS)).to_owned(),
                    "purpose" => (*rng.pick(vocab::PURPOSES)).to_owned(),
                    _ => format!("OPS-{}", rng.range(100, 9999)),
                };
                ff.string(k, &v);
            }
        }
        ff.end();
    }

    fn display_name(&self, ty: usize, rng: &mut Rng) -> String {
        let app = *rng.pick(&self.apps);
        let env = *rng.pick(&vocab::ENVS[..6]);
        let n = rng.range(1, 40);
        match TYPES[ty] {
            "instance" => match rng.weighted(&[30, 45, 15, 10]) {
                // The console's default name.
                0 => format!("instance-{}", &timestamp(rng, false)),
                1 => format!("{app}-{}-{n:02}", rng.pick(vocab::TIERS)),
                2 => format!("{app}-{env}-{}{n}", rng.pick(vocab::TIERS)),
                _ => format!("oke-{app}-node-{n}"),
            },
            "fnfunc" => {
                let verb = rng.pick(&["handler", "resize", "notify", "sync", "ingest", "webhook"]);
                format!("{app}-{verb}")
            }
            "computecontainerinstance" => format!("{app}-container-{n}"),
            "apigateway" => format!("{app}-api-gw-{env}"),
            "datasciencenotebooksession" => {
                format!("{}-notebook-{n}", rng.pick(&self.people).replace('.', "-"))
            }
            "datasciencemodeldeployment" => format!("{}Model v{n}", title(app)),
            "datasciencejobrun" => format!("jobrun-{}", &timestamp(rng, false)),
            "devopsbuildpipeline" => format!("{app}-build"),
            "devopsdeploypipeline" => format!("{app}-deploy-{env}"),
            _ => format!("{app}-oke-{env}"),
        }
    }
}

/// A lifecycle state for a principal of `TYPES[ty]`: a few percent of instances are
/// TERMINATED (they linger in listings for a while), other types use their own states.
fn lifecycle_state(ty: usize, rng: &mut Rng) -> &'static str {
    const INSTANCE: &[(&str, u32)] = &[
        ("RUNNING", 845),
        ("STOPPED", 90),
        ("TERMINATED", 40),
        ("TERMINATING", 5),
        ("STOPPING", 5),
        ("STARTING", 5),
        ("PROVISIONING", 10),
    ];
    const JOB_RUN: &[(&str, u32)] = &[
        ("SUCCEEDED", 600),
        ("IN_PROGRESS", 250),
        ("FAILED", 100),
        ("ACCEPTED", 50),
    ];
    const OTHER: &[(&str, u32)] = &[
        ("ACTIVE", 950),
        ("INACTIVE", 30),
        ("UPDATING", 10),
        ("FAILED", 10),
    ];
    let table = match TYPES[ty] {
        "instance" => INSTANCE,
        "datasciencejobrun" => JOB_RUN,
        _ => OTHER,
    };
    let weights: Vec<u32> = table.iter().map(|&(_, w)| w).collect();
    table[rng.weighted(&weights)].0
}

/// A time in 2023–2026: `2025-03-14T09:22:51.204Z` when `iso`, else `20250314-0922`
/// (the console's default-name suffix).
fn timestamp(rng: &mut Rng, iso: bool) -> String {
    let year = 2023 + rng.weighted(&[1, 2, 4, 3]);
    // Nothing created after October 2026.
    let month = rng.range(1, if year == 2026 { 10 } else { 12 });
    let day = rng.range(1, 28);
    let (hour, minute) = (rng.below(24), rng.below(60));
    if iso {
        let (second, milli) = (rng.below(60), rng.below(1000));
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
    } else {
        format!("{year}{month:02}{day:02}-{hour:02}{minute:02}")
    }
}
