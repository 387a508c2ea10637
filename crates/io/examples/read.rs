//! Reads inventory files and prints how many principals were accepted and every problem.
//!
//! `cargo run -p dyngroup-io --example read -- [--groups] FILE...`

use std::time::Instant;

use dyngroup_io::{ReadOptions, read_groups, read_inventory};

fn main() -> Result<(), dyngroup_io::Error> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let groups = args.first().is_some_and(|a| a == "--groups");
    if groups {
        args.remove(0);
    }
    let options = ReadOptions {
        tenancy: Some("ocid1.tenancy.oc1..example".to_owned()),
        ..ReadOptions::default()
    };
    let start = Instant::now();
    let (accepted, problems) = if groups {
        let groups = read_groups(&args, &options)?;
        (groups.groups().len(), groups.problems().to_vec())
    } else {
        let inventory = read_inventory(&args, &options)?;
        (inventory.principals().len(), inventory.problems().to_vec())
    };
    for problem in &problems {
        eprintln!("{}: {problem}", problem.severity);
        if let Some(rendered) = &problem.rendered {
            eprintln!("{rendered}");
        }
    }
    eprintln!(
        "{accepted} accepted, {} problems, in {:.2?}",
        problems.len(),
        start.elapsed()
    );
    Ok(())
}
