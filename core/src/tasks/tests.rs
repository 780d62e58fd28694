use std::collections::HashSet;
use std::sync::Arc;

use super::*;
use crate::data::{uci_digits, Dataset, LoadOptions};
use crate::rng::SeededRng;

fn digits() -> Arc<Dataset> {
    Arc::new(uci_digits(&mut LoadOptions::default()).unwrap())
}

fn source(name: &str, data: Arc<Dataset>, train: f64, val: f64, weight: f64) -> TaskSource {
    TaskSource {
        name: name.into(),
        split: ClassSplit::new(
            data.num_classes(),
            SplitSpec {
                train,
                val,
                seed: 1,
            },
        ),
        dataset: data,
        weight,
    }
}

#[test]
fn class_splits_are_disjoint_and_cover_all_classes() {
    let split = ClassSplit::new(
        242,
        SplitSpec {
            train: 0.6,
            val: 0.2,
            seed: 3,
        },
    );
    assert_eq!(
        (split.train.len(), split.val.len(), split.test.len()),
        (145, 48, 49)
    );
    let all: HashSet<usize> = split
        .train
        .iter()
        .chain(&split.val)
        .chain(&split.test)
        .copied()
        .collect();
    assert_eq!(all.len(), 242);
    assert_eq!(
        ClassSplit::new(
            242,
            SplitSpec {
                train: 0.6,
                val: 0.2,
                seed: 3
            }
        ),
        split
    );
    assert_ne!(
        ClassSplit::new(
            242,
            SplitSpec {
                train: 0.6,
                val: 0.2,
                seed: 4
            }
        ),
        split
    );
    let json = serde_json::to_string(&split).unwrap();
    assert_eq!(serde_json::from_str::<ClassSplit>(&json).unwrap(), split);
}

#[test]
fn episodes_have_the_right_shapes_labels_and_examples() {
    let data = digits();
    let spec = EpisodeSpec {
        ways: 5,
        shots: 3,
        queries: 4,
    };
    let tasks =
        FewShotTasks::new(vec![source("digits", data.clone(), 0.5, 0.0, 1.0)], spec).unwrap();
    let mut rng = SeededRng::new(11);
    for split in [Split::Train, Split::Test] {
        for _ in 0..50 {
            let e = tasks.sample(split, &mut rng).unwrap();
            assert_eq!(e.input_shape, vec![1, 8, 8]);
            assert_eq!(e.support.len(), 15);
            assert_eq!(e.query.len(), 20);
            assert_eq!(e.support.inputs.len(), 15 * 64);
            let allowed = tasks.sources()[0].split.classes(split);
            assert!(e.classes.iter().all(|c| allowed.contains(c)));
            assert_eq!(e.classes.iter().collect::<HashSet<_>>().len(), 5);
            let Targets::Classes(sy) = &e.support.targets else {
                panic!()
            };
            let Targets::Classes(qy) = &e.query.targets else {
                panic!()
            };
            for label in 0..5 {
                assert_eq!(sy.iter().filter(|&&l| l == label).count(), 3);
                assert_eq!(qy.iter().filter(|&&l| l == label).count(), 4);
            }
            // Remapped labels point at the drawn classes; inputs are the dataset's samples.
            for (k, &id) in e.support.sample_ids.iter().enumerate() {
                assert_eq!(data.labels[id], e.classes[sy[k]]);
                assert_eq!(
                    &e.support.inputs[k * 64..(k + 1) * 64],
                    data.samples.sample(id)
                );
            }
            for (k, &id) in e.query.sample_ids.iter().enumerate() {
                assert_eq!(data.labels[id], e.classes[qy[k]]);
            }
            let support: HashSet<_> = e.support.sample_ids.iter().collect();
            assert!(
                e.query.sample_ids.iter().all(|id| !support.contains(id)),
                "an example in both sets"
            );
        }
    }
}

#[test]
fn same_seed_same_tasks_pinned() {
    let tasks = FewShotTasks::new(
        vec![source("digits", digits(), 0.5, 0.0, 1.0)],
        EpisodeSpec::default(),
    )
    .unwrap();
    let a = tasks
        .sample(Split::Train, &mut SeededRng::new(2026))
        .unwrap();
    let b = tasks
        .sample(Split::Train, &mut SeededRng::new(2026))
        .unwrap();
    assert_eq!(a, b);
    // Pinned so that a change in the sampler or the RNG stream (on any machine) is noticed.
    assert_eq!(tasks.sources()[0].split.train, vec![2, 4, 6, 8, 9]);
    assert_eq!(a.classes, vec![4, 6, 9, 8, 2]);
    assert_eq!(a.support.sample_ids, vec![356, 1701, 415, 1637, 1600]);
    assert_eq!(a.query.sample_ids[..5], [1628, 486, 1012, 1301, 1161]);
}

#[test]
fn class_choice_is_uniform() {
    let data = digits();
    // 5-way tasks from the 6 training classes: each class is in a task with probability 5/6,
    // and is label 0 with probability 1/6.
    let tasks = FewShotTasks::new(
        vec![source("digits", data, 0.6, 0.0, 1.0)],
        EpisodeSpec::default(),
    )
    .unwrap();
    let train = tasks.sources()[0].split.train.clone();
    assert_eq!(train.len(), 6);
    let n = 6000;
    let mut present = [0usize; 10];
    let mut first = [0usize; 10];
    let mut rng = SeededRng::new(5);
    for _ in 0..n {
        let e = tasks.sample(Split::Train, &mut rng).unwrap();
        e.classes.iter().for_each(|&c| present[c] += 1);
        first[e.classes[0]] += 1;
    }
    for &c in &train {
        // Binomial standard deviations: 28.9 and 28.9; allow 5 of them.
        assert!(
            (present[c] as f64 - n as f64 * 5.0 / 6.0).abs() < 150.0,
            "class {c}: {}",
            present[c]
        );
        assert!(
            (first[c] as f64 - n as f64 / 6.0).abs() < 150.0,
            "class {c} first: {}",
            first[c]
        );
    }
}

#[test]
fn multi_source_tasks_follow_the_weights_and_carry_their_source() {
    let data = digits();
    let mut opts = LoadOptions {
        image: Some(crate::data::ImageSpec {
            channels: 1,
            height: 16,
            width: 16,
        }),
        ..LoadOptions::default()
    };
    let big = Arc::new(uci_digits(&mut opts).unwrap());
    let tasks = FewShotTasks::new(
        vec![
            source("digits8", data, 0.5, 0.0, 3.0),
            source("digits16", big, 0.5, 0.0, 1.0),
        ],
        EpisodeSpec::default(),
    )
    .unwrap();
    let mut rng = SeededRng::new(8);
    let n = 4000;
    let mut from_first = 0;
    for _ in 0..n {
        let e = tasks.sample(Split::Train, &mut rng).unwrap();
        match e.source {
            0 => {
                from_first += 1;
                assert_eq!(
                    (e.source_name.as_str(), e.input_shape.clone()),
                    ("digits8", vec![1, 8, 8])
                );
            }
            _ => assert_eq!(
                (e.source_name.as_str(), e.input_shape.clone()),
                ("digits16", vec![1, 16, 16])
            ),
        }
    }
    // Weight 3:1; binomial standard deviation 27 tasks.
    assert!(
        (from_first as f64 - 0.75 * n as f64).abs() < 140.0,
        "{from_first}"
    );
}

#[test]
fn unsuitable_datasets_are_explained() {
    let data = digits();
    let err = FewShotTasks::new(
        vec![source("digits", data.clone(), 0.3, 0.0, 1.0)],
        EpisodeSpec::default(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "uci-digits (input `digits`): the train split has 3 classes; 5-way tasks need at least 5"
    );
    let spec = EpisodeSpec {
        ways: 2,
        shots: 100,
        queries: 100,
    };
    let err = FewShotTasks::new(vec![source("digits", data.clone(), 0.5, 0.0, 1.0)], spec)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "uci-digits (input `digits`): class `2` has 177 examples; 100-shot tasks with 100 queries need 200 per class"
    );
    let tasks = FewShotTasks::new(
        vec![source("digits", data.clone(), 0.5, 0.0, 1.0)],
        EpisodeSpec::default(),
    )
    .unwrap();
    let err = tasks
        .sample(Split::Val, &mut SeededRng::new(0))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "uci-digits (input `digits`): no dataset has classes in the val split; 5-way tasks need at least 5"
    );
    let err = FewShotTasks::new(
        vec![source("digits", data, 0.5, 0.0, -1.0)],
        EpisodeSpec::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("source weight -1 must be a positive number"),
        "{err}"
    );
}

#[test]
fn whole_dataset_tasks() {
    let data = digits();
    let s = vec![source("digits", data.clone(), 1.0, 0.0, 1.0)];
    let spec = WholeTaskSpec {
        classes: 4,
        val_fraction: 0.25,
        batch_size: 50,
    };
    let t = sample_whole_task(&s, spec, Split::Train, &mut SeededRng::new(1)).unwrap();
    assert_eq!(t.classes.len(), 4);
    let counts: usize = t
        .classes
        .iter()
        .map(|&c| data.indices_by_class()[c].len())
        .sum();
    let train: usize = t.train.iter().map(Batch::len).sum();
    let val: usize = t.val.iter().map(Batch::len).sum();
    assert_eq!(train + val, counts);
    assert!(((val as f64) - 0.25 * counts as f64).abs() <= 4.0);
    assert!(t.train.iter().all(|b| b.len() <= 50) && t.train[0].len() == 50);
    let train_ids: HashSet<usize> = t.train.iter().flat_map(|b| b.sample_ids.clone()).collect();
    assert!(t
        .val
        .iter()
        .flat_map(|b| &b.sample_ids)
        .all(|id| !train_ids.contains(id)));
    for b in &t.train {
        let Targets::Classes(y) = &b.targets else {
            panic!()
        };
        for (k, &id) in b.sample_ids.iter().enumerate() {
            assert_eq!(data.labels[id], t.classes[y[k]]);
        }
    }
    let err = sample_whole_task(
        &s,
        WholeTaskSpec {
            classes: 11,
            ..spec
        },
        Split::Train,
        &mut SeededRng::new(1),
    )
    .unwrap_err();
    assert!(err.to_string().contains("11-class tasks need at least 11"));
}

#[test]
fn regression_functions_have_known_values() {
    use std::f64::consts::PI;
    let f = |family, params: &[f64]| Function {
        family,
        params: params.to_vec(),
    };
    assert!((f(Family::Sinusoid, &[2.0, 1.0, 0.5]).eval(PI / 2.0) - 2.5).abs() < 1e-12);
    assert!((f(Family::Linear, &[-1.5, 2.0]).eval(4.0) + 4.0).abs() < 1e-12);
    assert!((f(Family::Quadratic, &[0.1, -1.0, 3.0]).eval(2.0) - 1.4).abs() < 1e-12);
    // 1·sin(π/2 + 0) + 2·sin(π + π/2) = 1 − 2.
    assert!(
        (f(Family::Harmonics, &[1.0, 2.0, 0.0, PI / 2.0, 1.0]).eval(PI / 2.0) + 1.0).abs() < 1e-12
    );
}

#[test]
fn regression_tasks_follow_the_paper_ranges() {
    let tasks = RegressionTasks::default();
    let mut rng = SeededRng::new(3);
    let mut seen = HashSet::new();
    let mut centred = Vec::new();
    for _ in 0..2000 {
        let e = tasks.sample(&mut rng);
        let (name, params) = e.function.clone().unwrap();
        let family = Family::ALL[e.source];
        assert_eq!(name, family.name());
        seen.insert(family);
        for (p, [lo, hi]) in params.iter().zip(family.ranges()) {
            assert!(*p >= lo && *p <= hi, "{name}: {p} outside [{lo}, {hi}]");
        }
        assert_eq!(
            (e.support.len(), e.query.len(), e.input_shape.clone()),
            (10, 100, vec![1])
        );
        assert_eq!((e.query.inputs[0], e.query.inputs[99]), (-5.0, 5.0));
        let f = Function { family, params };
        let Targets::Values(y) = &e.support.targets else {
            panic!()
        };
        for (x, y) in e.support.inputs.iter().zip(y) {
            assert!((f.eval(*x as f64) as f32 - y).abs() < 1e-4);
        }
        let mean = e.support.inputs.iter().map(|&x| x as f64).sum::<f64>() / 10.0;
        centred.extend(e.support.inputs.iter().map(|&x| x as f64 - mean));
    }
    assert_eq!(seen.len(), 4);
    // Around their task's mean the inputs have variance 2 · (K−1)/K = 1.8.
    let var = centred.iter().map(|d| d * d).sum::<f64>() / centred.len() as f64;
    assert!((var - 1.8).abs() < 0.08, "{var}");
    let a = tasks.sample(&mut SeededRng::new(9));
    assert_eq!(a, tasks.sample(&mut SeededRng::new(9)));
}

#[test]
fn query_points_like_support_lie_where_the_support_does() {
    let tasks = RegressionTasks {
        query_points: QueryPoints::LikeSupport,
        ..RegressionTasks::default()
    };
    let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
    let (mut gap_sq, mut spread, mut count) = (0.0, 0.0, 0.0);
    for seed in 0..500 {
        let e = tasks.sample(&mut SeededRng::new(seed));
        assert_eq!((e.support.len(), e.query.len()), (10, 100));
        let (name, params) = e.function.clone().unwrap();
        let f = Function {
            family: Family::ALL[e.source],
            params,
        };
        assert_eq!(name, f.family.name());
        let Targets::Values(y) = &e.query.targets else {
            panic!()
        };
        for (x, y) in e.query.inputs.iter().zip(y) {
            assert!((f.eval(f64::from(*x)) as f32 - y).abs() < 1e-4);
        }
        let (ms, mq) = (mean(&e.support.inputs), mean(&e.query.inputs));
        gap_sq += (ms - mq) * (ms - mq);
        spread += e
            .query
            .inputs
            .iter()
            .map(|&x| (f64::from(x) - mq).powi(2))
            .sum::<f64>();
        count += 100.0;
    }
    // Both sets are drawn from N(u, 2) with the task's u: their means differ by variance
    // 2/10 + 2/100 = 0.22, and the queries spread around their mean with variance
    // 2 · 99/100 = 1.98.
    let gap = gap_sq / 500.0;
    assert!((gap - 0.22).abs() < 0.04, "{gap}");
    let var = spread / count;
    assert!((var - 1.98).abs() < 0.08, "{var}");
    // The grid stays the default.
    let grid = RegressionTasks::default().sample(&mut SeededRng::new(0));
    assert_eq!((grid.query.inputs[0], grid.query.inputs[99]), (-5.0, 5.0));
}

#[test]
fn a_uniform_support_covers_the_grid_with_the_same_functions() {
    let uniform = RegressionTasks {
        support_points: SupportPoints::Uniform,
        ..RegressionTasks::default()
    };
    let (mut sum, mut sum_sq, mut n) = (0.0, 0.0, 0.0);
    for seed in 0..400 {
        let e = uniform.sample(&mut SeededRng::new(seed));
        // The same seed draws the same function as the concentrated default.
        let c = RegressionTasks::default().sample(&mut SeededRng::new(seed));
        assert_eq!(e.function, c.function);
        assert_eq!(e.query, c.query, "the grid does not depend on the support");
        for &x in &e.support.inputs {
            let x = f64::from(x);
            assert!((-5.0..=5.0).contains(&x), "{x}");
            sum += x;
            sum_sq += x * x;
            n += 1.0;
        }
    }
    // U[-5, 5]: mean 0, variance 10² / 12 = 8.33 (4000 draws: standard errors 0.05 and 0.12).
    let mean = sum / n;
    let var = sum_sq / n - mean * mean;
    assert!(mean.abs() < 0.2, "{mean}");
    assert!((var - 100.0 / 12.0).abs() < 0.5, "{var}");
}

#[test]
fn a_source_without_classes_in_a_split_is_left_out_of_its_draws() {
    let spec = EpisodeSpec {
        ways: 5,
        shots: 1,
        queries: 2,
    };
    // "a" splits its ten classes 5 / 5 / 0; "b" gives all ten to meta-training.
    let a = source("a", digits(), 0.5, 0.5, 1.0);
    let b = source("b", digits(), 1.0, 0.0, 3.0);
    let tasks = FewShotTasks::new(vec![a, b], spec).unwrap();
    let mut rng = SeededRng::new(5);
    let val: HashSet<usize> = (0..40)
        .map(|_| tasks.sample(Split::Val, &mut rng).unwrap().source)
        .collect();
    assert_eq!(val, HashSet::from([0]), "validation tasks all come from a");
    let train: HashSet<usize> = (0..40)
        .map(|_| tasks.sample(Split::Train, &mut rng).unwrap().source)
        .collect();
    assert_eq!(train, HashSet::from([0, 1]), "both meta-train");
    // No source with test classes: refused, naming the split.
    let err = tasks.check(Split::Test).unwrap_err().to_string();
    assert!(
        err.contains("no dataset has classes in the test split"),
        "{err}"
    );
    // Some classes, but fewer than the ways: an error as before, not left out.
    let few = source("few", digits(), 0.7, 0.2, 1.0);
    let tasks = FewShotTasks::new(vec![source("a", digits(), 0.5, 0.5, 1.0), few], spec).unwrap();
    let err = tasks.check(Split::Val).unwrap_err().to_string();
    assert!(err.contains("the val split has 2 classes"), "{err}");
}
