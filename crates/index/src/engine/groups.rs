//! Group changes: create, update (rule, description), upsert, delete — with the
//! lifecycle rules of docs/semantics.md §3. Every check runs before anything is touched, so a
//! refused change changes nothing.

use super::atoms::Atom;
use super::change::GroupUpdate;
use super::delta::{DeltaBuilder, GroupKey};
use super::errors::ChangeError;
use super::eval::{Postings, members};
use super::state::{GroupLoc, GroupView};
use super::{Engine, tenancy_view_mut};
use crate::groups::{ParsedRule, check_description, check_group_definition, parse_group_rule};
use crate::ids::GroupId;
use crate::model::DynamicGroup;
use dyngroup_rules::ParseError;
use roaring::RoaringBitmap;
use std::sync::Arc;

type ParsedOrError = Result<ParsedRule, ParseError>;

impl Engine {
    pub(super) fn create_group(
        &mut self,
        g: DynamicGroup,
        live: Live,
        delta: &mut DeltaBuilder,
    ) -> Result<(), ChangeError> {
        check_group_definition(&g.name, &g.description)?;
        let limit = self.options.limits.max_groups_per_tenancy;
        let existing = self
            .state
            .tenancies
            .get(g.tenancy_id.as_str())
            .map_or(&[][..], |t| &t.groups[..]);
        if existing
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(&g.name))
        {
            return Err(ChangeError::DuplicateGroupName {
                name: g.name,
                tenancy_id: g.tenancy_id,
            });
        }
        if !g.id.is_empty() && self.state.groups.contains_key(g.id.as_str()) {
            return Err(ChangeError::DuplicateGroupId { id: g.id });
        }
        if existing.len() >= limit {
            return Err(ChangeError::TenancyGroupLimit {
                tenancy_id: g.tenancy_id,
                limit,
            });
        }
        // A group keeps exactly the domain scope it comes with, as in batch
        // evaluation (an update keeps the group's own: see `update_group`).
        let domain = g.domain.map(Arc::new);
        let outside = domain
            .as_ref()
            .and_then(|d| d.outside_within(&g.tenancy_id));
        let rule = self.parse(&g.matching_rule, outside);
        if let (Live::Change, Err(error)) = (live, &rule) {
            return Err(ChangeError::InvalidRule {
                name: g.name,
                error: error.clone(),
            });
        }

        // Accepted: from here on the change happens.
        let ocid = if g.id.is_empty() {
            self.fresh_group_id(&g.tenancy_id, &g.name)
        } else {
            g.id
        };
        let tenancy = self.atoms.intern(&g.tenancy_id);
        self.touch_tenancy(&tenancy);
        let members = self.evaluate(&tenancy, &rule);
        let id = GroupId(self.group_ids.alloc());
        let index = self.tenancies.get_mut(&tenancy).expect("ensured");
        let joined = index.set_members(&members, id, true, !delta.is_off());
        let view = GroupView {
            id,
            ocid: Atom::new(&ocid),
            tenancy: tenancy.clone(),
            name: g.name.into(),
            description: g.description.into(),
            matching_rule: g.matching_rule.into(),
            domain,
            rule: Arc::new(rule),
            members,
        };
        delta.moved(key(&view), true, joined);
        let tv = tenancy_view_mut(&mut self.state, &tenancy);
        delta.created(key(&view));
        let at = tv.groups.partition_point(|v| v.id < id);
        let ocid = view.ocid.clone();
        tv.groups.insert(at, Arc::new(view));
        self.state.groups.insert_mut(ocid, GroupLoc { tenancy, id });
        self.dirty = true;
        Ok(())
    }

    pub(super) fn update_group(
        &mut self,
        u: GroupUpdate,
        delta: &mut DeltaBuilder,
    ) -> Result<(), ChangeError> {
        let (loc, k) = self.find_group(&u.id)?;
        let old = self.state.tenancies[&loc.tenancy].groups[k].clone();
        if let Some(d) = &u.description {
            check_description(&old.name, d)?;
        }
        let description = u.description.filter(|d| **d != *old.description);
        let rule_text = u.matching_rule.filter(|r| **r != *old.matching_rule);
        if description.is_none() && rule_text.is_none() {
            return Ok(());
        }
        let outside = old
            .domain
            .as_ref()
            .and_then(|d| d.outside_within(&old.tenancy));
        let rule = match rule_text {
            Some(text) => match self.parse(&text, outside) {
                Ok(parsed) => Some((text, parsed)),
                Err(error) => {
                    return Err(ChangeError::InvalidRule {
                        name: old.name.to_string(),
                        error,
                    });
                }
            },
            None => None,
        };

        let mut view = old.clone_without_members();
        if let Some(d) = description {
            view.description = d.into();
        }
        match rule {
            Some((text, parsed)) => {
                let rule = Ok(parsed);
                self.touch_tenancy(&loc.tenancy);
                view.members = self.evaluate(&loc.tenancy, &rule);
                view.rule = Arc::new(rule);
                view.matching_rule = text.into();
                let (joined, left) = (&view.members - &old.members, &old.members - &view.members);
                let index = self
                    .tenancies
                    .get_mut(&loc.tenancy)
                    .expect("a live tenancy");
                let record = !delta.is_off();
                let joined = index.set_members(&joined, loc.id, true, record);
                let left = index.set_members(&left, loc.id, false, record);
                delta.moved(key(&view), true, joined);
                delta.moved(key(&view), false, left);
            }
            None => view.members = old.members.clone(),
        }
        delta.updated(key(&view));
        tenancy_view_mut(&mut self.state, &loc.tenancy).groups[k] = Arc::new(view);
        self.dirty = true;
        Ok(())
    }

    pub(super) fn upsert_group(
        &mut self,
        g: DynamicGroup,
        delta: &mut DeltaBuilder,
    ) -> Result<(), ChangeError> {
        let target = if g.id.is_empty() {
            self.state
                .tenancies
                .get(g.tenancy_id.as_str())
                .and_then(|t| {
                    t.groups
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case(&g.name))
                })
                .map(|x| x.ocid.to_string())
        } else if let Some(loc) = self.state.groups.get(g.id.as_str()) {
            let tv = &self.state.tenancies[&loc.tenancy];
            let old = &tv.groups[tv.group_index(loc.id).expect("indexed")];
            if *old.tenancy != *g.tenancy_id {
                return Err(ChangeError::GroupTenancyChange {
                    id: g.id,
                    tenancy_id: old.tenancy.to_string(),
                    requested: g.tenancy_id,
                });
            }
            if !old.name.eq_ignore_ascii_case(&g.name) {
                return Err(ChangeError::GroupRename {
                    id: g.id,
                    name: old.name.to_string(),
                    requested: g.name,
                });
            }
            Some(g.id.clone())
        } else {
            None
        };
        match target {
            Some(id) => self.update_group(
                GroupUpdate {
                    id,
                    description: Some(g.description),
                    matching_rule: Some(g.matching_rule),
                },
                delta,
            ),
            None => self.create_group(g, Live::Change, delta),
        }
    }

    pub(super) fn delete_group(
        &mut self,
        id: &str,
        force: bool,
        delta: &mut DeltaBuilder,
    ) -> Result<(), ChangeError> {
        let (loc, k) = self.find_group(id)?;
        let tv = &self.state.tenancies[&loc.tenancy];
        let old = tv.groups[k].clone();
        if !old.members.is_empty() && !force {
            return Err(ChangeError::GroupHasMembers {
                id: id.to_owned(),
                members: old.members.len(),
            });
        }
        self.touch_tenancy(&loc.tenancy);
        let index = self
            .tenancies
            .get_mut(&loc.tenancy)
            .expect("a live tenancy");
        let left = index.set_members(&old.members, loc.id, false, !delta.is_off());
        delta.moved(key(&old), false, left);
        delta.deleted(key(&old));
        tenancy_view_mut(&mut self.state, &loc.tenancy)
            .groups
            .remove(k);
        self.state.groups.remove_mut(id);
        self.group_ids.release(loc.id.0);
        self.drop_tenancy_if_empty(&loc.tenancy);
        self.dirty = true;
        Ok(())
    }

    /// The group with this OCID: where it is, and its position in its tenancy.
    fn find_group(&self, id: &str) -> Result<(GroupLoc, usize), ChangeError> {
        let unknown = || ChangeError::UnknownGroup { id: id.to_owned() };
        let loc = self.state.groups.get(id).ok_or_else(unknown)?;
        let k = self.state.tenancies[&loc.tenancy]
            .group_index(loc.id)
            .ok_or_else(unknown)?;
        Ok((loc.clone(), k))
    }

    fn parse(&self, text: &str, outside: Option<&[String]>) -> ParsedOrError {
        parse_group_rule(text, outside, &self.options.parse)
    }

    /// A rule's members over the tenancy's postings; none for a rule that did not
    /// parse (fail closed).
    fn evaluate(&self, tenancy: &Atom, rule: &ParsedOrError) -> RoaringBitmap {
        let Ok(parsed) = rule else {
            return RoaringBitmap::new();
        };
        let ctx = Postings {
            tenancy,
            index: &self.tenancies[tenancy],
            atoms: &self.atoms,
            state: &self.state,
        };
        members(&parsed.rule, &ctx)
    }

    /// A fresh OCID for a group created without one: derived from the tenancy, the
    /// name and how many ids this engine has made, so the same changes give the same
    /// ids, and a name deleted and created again gets a new one.
    fn fresh_group_id(&mut self, tenancy: &str, name: &str) -> String {
        loop {
            self.generated_ids += 1;
            let id = derived_group_id(tenancy, name, self.generated_ids);
            if !self.state.groups.contains_key(id.as_str()) {
                return id;
            }
        }
    }
}

impl GroupView {
    /// A copy with an empty member set (the caller fills it: no bitmap is copied only
    /// to be replaced).
    fn clone_without_members(&self) -> GroupView {
        GroupView {
            id: self.id,
            ocid: self.ocid.clone(),
            tenancy: self.tenancy.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            matching_rule: self.matching_rule.clone(),
            domain: self.domain.clone(),
            rule: self.rule.clone(),
            members: RoaringBitmap::new(),
        }
    }
}

/// Whether a group arrives as a live change (a rule that does not parse is refused,
/// as the OCI API refuses it) or with the inventory an engine is built from (kept,
/// with no members: fail closed, as in batch evaluation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Live {
    Change,
    Load,
}

fn key(view: &GroupView) -> GroupKey<'_> {
    GroupKey {
        id: &view.ocid,
        tenancy: &view.tenancy,
        name: &view.name,
    }
}

/// `ocid1.dynamicgroup.oc1..aaaaaaaa` + 26 base32 characters of a 128-bit hash of
/// (tenancy, name, sequence number).
pub(super) fn derived_group_id(tenancy: &str, name: &str, seq: u64) -> String {
    let seq = seq.to_le_bytes();
    let hash = |seed: u64| {
        let bytes = tenancy
            .bytes()
            .chain([0])
            .chain(name.bytes())
            .chain([0])
            .chain(seq);
        let h = bytes.fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    };
    let bits =
        (u128::from(hash(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(hash(0x6c62_272e_07bb_0142));
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut id = String::from("ocid1.dynamicgroup.oc1..aaaaaaaa");
    id.extend((0..26).map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize])));
    id
}
