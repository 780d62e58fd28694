//! Sums over `f32` slices in eight lanes, and weighted sums of slices, for the CPU loops.
//!
//! A loop `sum += a[i] * b[i]` runs one addition after another (the compiler may not reorder
//! floating-point additions), so it cannot use vector instructions. These helpers keep eight
//! partial sums, one per lane, and add the lanes in a fixed order at the end: the compiler
//! turns the lane loop into vector instructions, and the result is the same on every run.

const LANES: usize = 8;

#[inline(always)]
fn fold(acc: [f32; LANES]) -> f32 {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// `Σ a[i]·b[i]` over the shorter of the two slices.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // b − 0 is b, bit for bit.
    dot_centred(a, b, 0.0)
}

/// `Σ a[i]`.
#[inline(always)]
pub fn sum(a: &[f32]) -> f32 {
    let chunks = a.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    let mut acc = [0.0f32; LANES];
    for x in chunks {
        for k in 0..LANES {
            acc[k] += x[k];
        }
    }
    fold(acc) + tail
}

/// `Σ (a[i] − m)²`.
#[inline(always)]
pub fn sum_sq_dev(a: &[f32], m: f32) -> f32 {
    let chunks = a.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|x| (x - m) * (x - m)).sum();
    let mut acc = [0.0f32; LANES];
    for x in chunks {
        for k in 0..LANES {
            let d = x[k] - m;
            acc[k] += d * d;
        }
    }
    fold(acc) + tail
}

/// Independent sets of [`LANES`] partial sums a dot product keeps: one set would wait on
/// one chain of additions (an addition's latency per eight values); four overlap.
const CHAINS: usize = 4;

/// `Σ a[i]·(b[i] − m)` over the shorter of the two slices: blocks of `CHAINS · LANES` values
/// into `CHAINS` sets of lanes, the rest in blocks of `LANES` into the first set, then one
/// value at a time; the sets and lanes added in a fixed order.
#[inline(always)]
pub fn dot_centred(a: &[f32], b: &[f32], m: f32) -> f32 {
    const WIDE: usize = CHAINS * LANES;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (wa, wb) = (a.chunks_exact(WIDE), b.chunks_exact(WIDE));
    let (ra, rb) = (wa.remainder(), wb.remainder());
    let mut acc = [[0.0f32; LANES]; CHAINS];
    for (x, y) in wa.zip(wb) {
        let x: &[f32; WIDE] = x.try_into().expect("a block");
        let y: &[f32; WIDE] = y.try_into().expect("a block");
        for (j, set) in acc.iter_mut().enumerate() {
            for k in 0..LANES {
                set[k] += x[j * LANES + k] * (y[j * LANES + k] - m);
            }
        }
    }
    let (ca, cb) = (ra.chunks_exact(LANES), rb.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * (y - m))
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[0][k] += x[k] * (y[k] - m);
        }
    }
    const _: () = assert!(CHAINS == 4, "the sets are added as two pairs");
    let mut total = [0.0f32; LANES];
    for k in 0..LANES {
        total[k] = (acc[0][k] + acc[1][k]) + (acc[2][k] + acc[3][k]);
    }
    fold(total) + tail
}

/// Runs one pass of [`dots`] takes at a time: with their lanes, the shared slice's block and
/// one run's block, they fit in the sixteen vector registers of AVX2.
const GROUP: usize = 9;

/// `acc[t] += Σ a[i]·run(t)[i]` for every `t < acc.len()`, every run at least as long as
/// `a`: the dot products of one slice with several, each in `LANES` (eight) partial sums added in
/// a fixed order at the end (`fold`), the values past the last full block one at a time.
///
/// Runs are taken `GROUP` (nine) at a time in one pass over `a`, so each block of `a` is loaded
/// once per group rather than once per run, and the group's sums are independent chains of
/// additions. A last group that is not full repeats its first run for the missing ones and
/// drops their sums.
#[inline(always)]
pub fn dots<'a>(acc: &mut [f32], a: &[f32], run: impl Fn(usize) -> &'a [f32]) {
    let n = a.len();
    let full = n - n % LANES;
    for (g, out) in acc.chunks_mut(GROUP).enumerate() {
        let first = g * GROUP;
        let runs: [&[f32]; GROUP] =
            std::array::from_fn(|j| &run(first + if j < out.len() { j } else { 0 })[..n]);
        let mut lanes = [[0.0f32; LANES]; GROUP];
        for (b, x) in a[..full].chunks_exact(LANES).enumerate() {
            let at = b * LANES;
            for (set, r) in lanes.iter_mut().zip(&runs) {
                let r: &[f32; LANES] = r[at..at + LANES].try_into().expect("a block");
                for k in 0..LANES {
                    set[k] += x[k] * r[k];
                }
            }
        }
        for ((o, set), r) in out.iter_mut().zip(lanes).zip(&runs) {
            let tail: f32 = a[full..].iter().zip(&r[full..]).map(|(x, y)| x * y).sum();
            *o += fold(set) + tail;
        }
    }
}

/// Values of `acc` one [`accumulate`] block keeps in registers: eight AVX2 vectors.
const BLOCK: usize = 64;

/// `acc[k] += w_0·x_0[k]`, then `+= w_1·x_1[k]`, ... for the `terms` pairs `(w_t, x_t)` that
/// `term(t)` gives, every `x_t` at least as long as `acc`.
///
/// The same sums in the same order as one [`super::phases::axpy`] per term, so the same bits,
/// but each block of `acc` is loaded and stored once instead of once per term: the loop reads
/// one value per multiply-add instead of two and writes none.
#[inline(always)]
pub fn accumulate<'a>(acc: &mut [f32], terms: usize, term: impl Fn(usize) -> (f32, &'a [f32])) {
    let n = acc.len();
    let mut chunks = acc.chunks_exact_mut(BLOCK);
    for (b, block) in chunks.by_ref().enumerate() {
        let at = b * BLOCK;
        let mut r = [0.0f32; BLOCK];
        r.copy_from_slice(block);
        for t in 0..terms {
            let (w, x) = term(t);
            let x: &[f32; BLOCK] = x[at..at + BLOCK].try_into().expect("a block");
            for k in 0..BLOCK {
                r[k] += w * x[k];
            }
        }
        block.copy_from_slice(&r);
    }
    let rest = chunks.into_remainder();
    let at = n - rest.len();
    for t in 0..terms {
        let (w, x) = term(t);
        for (a, v) in rest.iter_mut().zip(&x[at..n]) {
            *a += w * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_products_of_every_length_match_a_sum_in_f64() {
        for n in [0usize, 1, 7, 8, 9, 31, 32, 33, 41, 49, 196, 784, 1001] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n + 3).map(|i| (i as f32 * 0.11).cos() * 2.0).collect();
            for m in [0.0f32, 0.25] {
                let want: f64 = a
                    .iter()
                    .zip(&b)
                    .map(|(&x, &y)| f64::from(x) * (f64::from(y) - f64::from(m)))
                    .sum();
                let got = f64::from(dot_centred(&a, &b, m));
                assert!(
                    (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "n {n} m {m}: {got} vs {want}"
                );
            }
            // dot is the product with nothing subtracted.
            assert_eq!(dot(&a, &b).to_bits(), dot_centred(&a, &b, 0.0).to_bits());
        }
    }

    #[test]
    fn dots_match_sums_in_f64_for_every_count_of_runs() {
        // Run counts below, at and past a group (3x3 and 5x5 kernels' taps among them);
        // lengths around the lane count.
        for runs in [1usize, 8, 9, 10, 25] {
            for n in [0usize, 1, 7, 8, 9, 33, 900] {
                let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
                let rs: Vec<Vec<f32>> = (0..runs)
                    .map(|t| {
                        (0..n + t)
                            .map(|i| ((i + 3 * t) as f32 * 0.11).cos())
                            .collect()
                    })
                    .collect();
                let start: Vec<f32> = (0..runs).map(|t| t as f32 * 0.5).collect();
                let mut acc = start.clone();
                dots(&mut acc, &a, |t| &rs[t]);
                for t in 0..runs {
                    let want = f64::from(start[t])
                        + a.iter()
                            .zip(&rs[t])
                            .map(|(&x, &y)| f64::from(x) * f64::from(y))
                            .sum::<f64>();
                    let got = f64::from(acc[t]);
                    assert!(
                        (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                        "{runs} runs, n {n}, run {t}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn accumulate_gives_the_bits_of_one_axpy_per_term() {
        // Lengths around the block size; values whose products and sums round, so that a
        // different order would show in the bits.
        for n in [0usize, 1, 63, 64, 65, 130, 784] {
            let acc0: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let xs: Vec<Vec<f32>> = (0..5)
                .map(|t| {
                    (0..n + t)
                        .map(|i| ((i * (t + 2)) as f32 * 0.11).cos() / 3.0)
                        .collect()
                })
                .collect();
            let ws = [0.1f32, -1.7, 3.3, 0.07, -0.9];
            let mut one_by_one = acc0.clone();
            for (&w, x) in ws.iter().zip(&xs) {
                super::super::phases::axpy(&mut one_by_one, w, x);
            }
            let mut blocked = acc0.clone();
            accumulate(&mut blocked, ws.len(), |t| (ws[t], &xs[t][..]));
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&blocked), bits(&one_by_one), "n = {n}");
        }
    }

    #[test]
    fn lane_sums_match_plain_sums() {
        // Lengths below, at and above a multiple of the lane count; small integers so that
        // every sum is exact in f32 whatever the order.
        for n in [0usize, 1, 7, 8, 9, 16, 29] {
            let a: Vec<f32> = (0..n).map(|i| (i % 5) as f32 - 2.0).collect();
            let b: Vec<f32> = (0..n).map(|i| (i % 3) as f32).collect();
            let plain_dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_eq!(dot(&a, &b), plain_dot, "dot, n = {n}");
            assert_eq!(dot(&a, &b[..n.saturating_sub(1)]), {
                let m = n.saturating_sub(1);
                a[..m].iter().zip(&b[..m]).map(|(x, y)| x * y).sum::<f32>()
            });
            assert_eq!(sum(&a), a.iter().sum::<f32>(), "sum, n = {n}");
            let dev: f32 = a.iter().map(|x| (x - 1.0) * (x - 1.0)).sum();
            assert_eq!(sum_sq_dev(&a, 1.0), dev, "deviations, n = {n}");
            let centred: f32 = a.iter().zip(&b).map(|(x, y)| x * (y - 1.0)).sum();
            assert_eq!(dot_centred(&a, &b, 1.0), centred, "centred dot, n = {n}");
        }
    }
}
