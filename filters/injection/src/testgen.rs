//! Reproducible generated inputs for the differential tests (no dependency, same sequence on
//! every run and platform).

/// Marsaglia's xorshift64: varied enough to mix test pieces, and cheap.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let x = &mut self.0;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }
}

/// `rounds` texts; text `r` joins `r % period` pieces drawn with `x % pieces.len()`.
pub fn texts<'a>(
    pieces: &'a [&'a str],
    seed: u64,
    rounds: usize,
    period: usize,
) -> impl Iterator<Item = String> + 'a {
    let mut rng = XorShift(seed);
    (0..rounds).map(move |round| {
        (0..round % period)
            .map(|_| pieces[(rng.next() % pieces.len() as u64) as usize])
            .collect()
    })
}
