//! The principal records, column by column: 5 bytes per principal where a struct of
//! three symbols took 12.
//!
//! Ordinals are clustered by tenancy then compartment, so a compartment is a run of
//! consecutive ordinals: the compartments are kept as runs, not per principal. The
//! resource types are a few dozen, so a principal keeps its type's number in a byte
//! (widened to 4 bytes should an inventory have more than 256 types).

use crate::ids::PrincipalId;
use crate::intern::Sym;
use hashbrown::HashMap;

/// A principal's strings, interned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PrincipalRecord {
    pub(crate) id: Sym,
    pub(crate) compartment: Sym,
    pub(crate) resource_type: Sym,
}

/// Each principal's resource type, as its number in [`Records::types`].
#[derive(Clone, Debug)]
enum TypeNumbers {
    Narrow(Vec<u8>),
    Wide(Vec<u32>),
}

/// Every principal's record, in ordinal order.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    ids: Vec<Sym>,
    /// Runs of consecutive ordinals in one compartment: the first ordinal of each run
    /// and its compartment, ascending.
    runs: Vec<(u32, Sym)>,
    types: Vec<Sym>,
    type_numbers: TypeNumbers,
}

impl Records {
    /// The records of principals `0..records.len()`.
    pub(crate) fn new(records: &[PrincipalRecord]) -> Records {
        let mut ids = Vec::with_capacity(records.len());
        let mut runs: Vec<(u32, Sym)> = Vec::new();
        let mut types = Vec::new();
        let mut numbers: HashMap<Sym, u32> = HashMap::new();
        let mut narrow = Vec::with_capacity(records.len());
        let mut wide: Vec<u32> = Vec::new();
        for (ordinal, r) in records.iter().enumerate() {
            ids.push(r.id);
            if runs.last().is_none_or(|&(_, c)| c != r.compartment) {
                runs.push((ordinal as u32, r.compartment));
            }
            let number = *numbers.entry(r.resource_type).or_insert_with(|| {
                types.push(r.resource_type);
                (types.len() - 1) as u32
            });
            match u8::try_from(number) {
                Ok(n) if wide.is_empty() => narrow.push(n),
                _ => {
                    if wide.is_empty() {
                        wide = narrow.drain(..).map(u32::from).collect();
                    }
                    wide.push(number);
                }
            }
        }
        runs.shrink_to_fit();
        types.shrink_to_fit();
        let type_numbers = if wide.is_empty() {
            narrow.shrink_to_fit();
            TypeNumbers::Narrow(narrow)
        } else {
            TypeNumbers::Wide(wide)
        };
        Records {
            ids,
            runs,
            types,
            type_numbers,
        }
    }

    /// How many principals there are.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Principal `p`'s OCID.
    pub(crate) fn id(&self, p: PrincipalId) -> Sym {
        self.ids[p.index()]
    }

    /// Principal `p`'s resource type.
    pub(crate) fn resource_type(&self, p: PrincipalId) -> Sym {
        let number = match &self.type_numbers {
            TypeNumbers::Narrow(n) => u32::from(n[p.index()]),
            TypeNumbers::Wide(n) => n[p.index()],
        };
        self.types[number as usize]
    }

    /// Principal `p`'s compartment.
    pub(crate) fn compartment(&self, p: PrincipalId) -> Sym {
        assert!(p.index() < self.ids.len(), "{p:?} is not indexed");
        let run = self.runs.partition_point(|&(first, _)| first <= p.0);
        self.runs[run - 1].1
    }

    /// Principal `p`'s record.
    pub(crate) fn get(&self, p: PrincipalId) -> PrincipalRecord {
        PrincipalRecord {
            id: self.id(p),
            compartment: self.compartment(p),
            resource_type: self.resource_type(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_give_back_the_records() {
        let records: Vec<PrincipalRecord> = (0..1000u32)
            .map(|i| PrincipalRecord {
                id: Sym(10_000 + i),
                compartment: Sym(i / 7 % 50),
                // More than 256 types: the numbers widen part way.
                resource_type: Sym(i % 300),
            })
            .collect();
        let table = Records::new(&records);
        assert_eq!(table.len(), records.len());
        for (p, r) in records.iter().enumerate() {
            assert_eq!(table.get(PrincipalId(p as u32)), *r);
        }
        let few = Records::new(&records[..10]);
        assert!(matches!(few.type_numbers, TypeNumbers::Narrow(_)));
        assert_eq!(few.get(PrincipalId(9)), records[9]);
    }
}
