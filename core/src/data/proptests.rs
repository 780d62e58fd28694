//! Property tests over the binary and text parsers: arbitrary and mutated inputs never panic,
//! and generated valid inputs read back exactly.

use std::path::Path;

use proptest::prelude::*;

use super::*;

fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(data);
    b
}

fn arb_idx() -> impl Strategy<Value = (Vec<u32>, Vec<u8>)> {
    prop::collection::vec(1u32..6, 1..4).prop_flat_map(|dims| {
        let n = dims.iter().product::<u32>() as usize;
        (Just(dims), prop::collection::vec(any::<u8>(), n))
    })
}

proptest! {
    #[test]
    fn idx_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_idx(&bytes, Path::new("fuzz"));
    }

    #[test]
    fn idx_headers_with_any_dimensions_never_panic(ndims in 0u8..6, dims in prop::collection::vec(any::<u32>(), 0..6), tail in prop::collection::vec(any::<u8>(), 0..32)) {
        let mut b = vec![0, 0, 8, ndims];
        for d in dims { b.extend(d.to_be_bytes()); }
        b.extend(tail);
        let _ = parse_idx(&b, Path::new("fuzz"));
    }

    #[test]
    fn idx_valid_arrays_read_back((dims, data) in arb_idx()) {
        let a = parse_idx(&idx_bytes(&dims, &data), Path::new("x")).unwrap();
        prop_assert_eq!(a.dims, dims.iter().map(|&d| d as usize).collect::<Vec<_>>());
        prop_assert_eq!(a.data, data);
    }

    #[test]
    fn idx_mutations_never_panic((dims, data) in arb_idx(), cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), value in any::<u8>()) {
        let mut b = idx_bytes(&dims, &data);
        let i = flip.index(b.len());
        b[i] = value;
        b.truncate(cut.index(b.len() + 1));
        let _ = parse_idx(&b, Path::new("fuzz"));
    }

    #[test]
    fn cifar_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..7000), hundred in any::<bool>()) {
        let kind = if hundred { CifarKind::Cifar100 } else { CifarKind::Cifar10 };
        let _ = parse_cifar(&bytes, kind, Path::new("fuzz"));
    }

    #[test]
    fn cifar_valid_records_read_back(labels in prop::collection::vec(0u8..10, 1..4), pixel in any::<u8>()) {
        let bytes: Vec<u8> = labels.iter().flat_map(|&l| std::iter::once(l).chain(std::iter::repeat_n(pixel, 3072))).collect();
        let records = parse_cifar(&bytes, CifarKind::Cifar10, Path::new("x")).unwrap();
        prop_assert_eq!(records.iter().map(|r| r.0 as u8).collect::<Vec<_>>(), labels);
        prop_assert!(records.iter().all(|r| r.1.len() == 3072 && r.1.iter().all(|&p| p == pixel)));
    }

    #[test]
    fn csv_arbitrary_text_never_panics(text in "[-0-9a-z.,\"\\n\\r ]{0,200}", target in proptest::option::of("[a-z0-9]{1,3}"), kind in 0usize..3) {
        let kind = [CsvKind::Auto, CsvKind::Classification, CsvKind::Regression][kind];
        let _ = parse_csv(&text, Path::new("fuzz.csv"), &CsvOptions { target, kind }, &mut LoadOptions::default());
    }

    #[test]
    fn csv_numeric_tables_read_back(rows in prop::collection::vec((prop::collection::vec(-1000i32..1000, 3), 0u8..4), 1..20)) {
        let mut text = String::from("f0,f1,f2,label\n");
        for (features, label) in &rows {
            let f: Vec<String> = features.iter().map(|v| format!("{}", *v as f32 / 8.0)).collect();
            text.push_str(&format!("{},{label}\n", f.join(",")));
        }
        let d = parse_csv(&text, Path::new("t.csv"), &CsvOptions::default(), &mut LoadOptions::default()).unwrap();
        prop_assert_eq!(d.len(), rows.len());
        for (i, (features, label)) in rows.iter().enumerate() {
            let expect: Vec<f32> = features.iter().map(|v| *v as f32 / 8.0).collect();
            prop_assert_eq!(d.samples.sample(i), expect.as_slice());
            prop_assert_eq!(&d.class_names[d.labels[i]], &label.to_string());
        }
    }
}
