//! The `path` of a dataset entry in a run config: one file or folder, or a list of image
//! folders / `.zip` archives loaded together as one dataset.
//!
//! In TOML either `path = "omniglot/images_background_small1.zip"` or
//! `path = ["images_background_small1.zip", "images_background_small2.zip"]`. A list is one
//! dataset with one class split: folders of the same name are the same class, so classes that
//! several roots hold (Omniglot's two small background sets share Greek and Latin) are one
//! class and fall on one side of the split. Two `[[tasks.datasets]]` entries are two sources
//! with two splits instead, and a class in both could be meta-trained on through one and tested
//! through the other.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One path, or several image roots loaded as one dataset (never empty once checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetPath(Vec<String>);

impl DatasetPath {
    /// A single file or folder (or `bundled:uci-digits`).
    pub fn one(path: impl Into<String>) -> Self {
        Self(vec![path.into()])
    }

    /// The paths, in the order given.
    pub fn paths(&self) -> &[String] {
        &self.0
    }

    /// The paths, to rewrite (making them absolute).
    pub fn paths_mut(&mut self) -> &mut [String] {
        &mut self.0
    }

    /// The path when there is exactly one.
    pub fn single(&self) -> Option<&str> {
        match self.0.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Whether this is exactly the one path `path`.
    pub fn is(&self, path: &str) -> bool {
        self.single() == Some(path)
    }
}

impl fmt::Display for DatasetPath {
    /// The paths joined by ` + ` (the label of a merged dataset).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" + "))
    }
}

impl Serialize for DatasetPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.single() {
            Some(one) => s.serialize_str(one),
            None => self.0.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for DatasetPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PathVisitor;
        impl<'de> Visitor<'de> for PathVisitor {
            type Value = DatasetPath;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path, or a list of paths of image folders / .zip archives")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<DatasetPath, E> {
                Ok(DatasetPath::one(v))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DatasetPath, A::Error> {
                let mut paths = Vec::new();
                while let Some(p) = seq.next_element::<String>()? {
                    paths.push(p);
                }
                Ok(DatasetPath(paths))
            }
        }
        d.deserialize_any(PathVisitor)
    }
}
