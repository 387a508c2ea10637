use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let s = dyngroup_snapshot::Snapshot::open(&path).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let (index, m) = s.verified_index().unwrap();
        eprintln!("verified_index {:?}", t.elapsed());
        drop((index, m));
    }
}
