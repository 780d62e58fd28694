use std::sync::Arc;

use super::*;
use crate::data::{Dataset, DatasetFormat, ImageSpec, Samples};
use crate::tasks::Batch;

fn task(source: usize, support_ids: Vec<usize>, query_ids: Vec<usize>) -> Episode {
    let batch = |ids: Vec<usize>| Batch {
        inputs: ids.iter().flat_map(|&i| [i as f32; 4]).collect(),
        targets: Targets::Classes((0..ids.len()).collect()),
        sample_ids: ids,
    };
    Episode {
        source,
        // Both sources feed one input, so they share its name.
        source_name: "grey".into(),
        input_shape: vec![1, 2, 2],
        classes: vec![0, 1],
        support: batch(support_ids),
        query: batch(query_ids),
        function: None,
    }
}

/// Three 4x4 images whose pixels are 10 x the sample index.
fn native() -> Arc<Dataset> {
    let spec = ImageSpec {
        channels: 1,
        height: 4,
        width: 4,
    };
    Arc::new(Dataset {
        name: "native".into(),
        format: DatasetFormat::ImageFolder,
        class_names: vec!["a".into(), "b".into(), "c".into()],
        labels: vec![0, 1, 2],
        targets: None,
        samples: Samples::Images {
            spec,
            pixels: (0..3).flat_map(|i| [10.0 * i as f32; 16]).collect(),
        },
        files: Vec::new(),
        origins: Vec::new(),
        problems: Vec::new(),
    })
}

/// The native dataset serves the samples the task names, at its own size; a task of another
/// source (of the same name: the input they feed) keeps its own inputs.
#[test]
fn native_pixels_read_the_tasks_samples_at_the_datasets_size() {
    let pixels = Pixels {
        native: vec![(1, native())],
    };
    let t = task(1, vec![2, 0], vec![1]);
    let (s, q) = pixels.of(&t);
    assert_eq!(s.len(), 32);
    assert_eq!(&s[..16], &[20.0; 16]);
    assert_eq!(&s[16..], &[0.0; 16]);
    assert_eq!(q, vec![10.0; 16]);
    assert_eq!(pixels.describe(&t), "4x4 grey");
    let other = task(0, vec![2, 0], vec![1]);
    assert_eq!(pixels.of(&other).0, other.support.inputs);
    assert_eq!(pixels.describe(&other), "2x2 grey");
    assert_eq!(Pixels::default().of(&t).1, t.query.inputs);
}

/// Means and CIs per baseline in report order, whatever order tasks add them in, and the
/// ones that beat a score (higher accuracy, or lower MSE).
#[test]
fn scores_summarise_in_report_order_and_name_who_beats_the_adapted_network() {
    let mut scores = BaselineScores::default();
    scores.push(vec![
        (Baseline::FromScratch, 0.2),
        (Baseline::NearestMeanPixels, 0.6),
    ]);
    scores.push(vec![
        (Baseline::NearestMeanPixels, 0.8),
        (Baseline::FromScratch, 0.4),
    ]);
    let summary = scores.summary();
    assert_eq!(summary.len(), 2);
    assert_eq!(summary[0].0, Baseline::NearestMeanPixels);
    assert!((summary[0].1.mean - 0.7).abs() < 1e-12);
    assert_eq!(summary[0].1.n, 2);
    assert!((summary[1].1.mean - 0.3).abs() < 1e-12);
    let beat: Vec<_> = scores
        .beating(0.5, "accuracy")
        .into_iter()
        .map(|b| b.0)
        .collect();
    assert_eq!(beat, vec![Baseline::NearestMeanPixels]);
    let beat: Vec<_> = scores
        .beating(0.5, "mse")
        .into_iter()
        .map(|b| b.0)
        .collect();
    assert_eq!(beat, vec![Baseline::FromScratch]);
    let keys: Vec<_> = Baseline::ALL.iter().map(|b| b.key()).collect();
    assert_eq!(
        keys,
        [
            "nearest_class_mean_pixels",
            "linear_pixels",
            "support_mean",
            "least_squares_inputs",
            "from_scratch",
            "nearest_class_mean_features"
        ]
    );
}

/// Scores added task by task are also summarised per source (by name, in order of first
/// appearance), each source over its own tasks only; one source gives no breakdown.
#[test]
fn scores_are_summarised_per_source() {
    let named = |name: &str| Episode {
        source_name: name.into(),
        ..task(0, vec![0, 1], vec![0, 1])
    };
    let pixels = Pixels::default();
    let mut scores = BaselineScores::default();
    scores.add(
        &named("linear"),
        &pixels,
        vec![(Baseline::SupportMean, 4.0)],
    );
    assert!(scores.by_source().is_empty(), "one source so far");
    scores.add(
        &named("sinusoid"),
        &pixels,
        vec![(Baseline::SupportMean, 1.0)],
    );
    scores.add(
        &named("linear"),
        &pixels,
        vec![(Baseline::SupportMean, 2.0)],
    );
    let by_source = scores.by_source();
    let names: Vec<&str> = by_source.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["linear", "sinusoid"]);
    let mean = |s: &[(Baseline, MeanCi)]| (s[0].0, s[0].1.mean, s[0].1.n);
    assert_eq!(mean(&by_source[0].1), (Baseline::SupportMean, 3.0, 2));
    assert_eq!(mean(&by_source[1].1), (Baseline::SupportMean, 1.0, 1));
    let all = scores.summary();
    assert!((all[0].1.mean - 7.0 / 3.0).abs() < 1e-12);
    // The support mean (MSE 3.0) beats an adapted 3.5 on the linear tasks only.
    assert_eq!(beating(&by_source[0].1, 3.5, "mse").len(), 1);
    assert!(beating(&by_source[1].1, 0.5, "mse").is_empty());
    assert_eq!(scores.pixels.as_deref(), Some("2x2 grey"));
}
