//! The ready-made starting points of the workbench: the example configs shipped in `assets/`,
//! compiled into the binary so that `metanas` opens on a real default with no file around it.

use std::path::Path;

use super::error::WorkbenchError;
use metanas_core::data::is_bundled;
use metanas_core::run::{RunConfig, TaskConfig};

/// A built-in run config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// What the menu shows.
    pub name: &'static str,
    /// One line on what it is and what it needs.
    pub description: &'static str,
    /// The file it was compiled from (for error messages).
    pub file: &'static str,
    config: &'static str,
}

/// A space file compiled from `assets/spaces/<file>`, under the name configs refer to it by.
macro_rules! space {
    ($file:literal) => {
        (
            concat!("../spaces/", $file),
            include_str!(concat!("../../../assets/spaces/", $file)),
        )
    };
}

/// The search spaces the preset configs refer to with `space = { file = "../spaces/..." }`.
const SPACES: &[(&str, &str)] = &[
    space!("mnas_regression.toml"),
    space!("base_image.toml"),
    space!("multi_size.toml"),
    space!("darts8_search.toml"),
];

/// A preset compiled from `assets/configs/<file>`.
macro_rules! preset {
    ($name:literal, $file:literal, $description:literal) => {
        Preset {
            name: $name,
            description: $description,
            file: concat!("assets/configs/", $file),
            config: include_str!(concat!("../../../assets/configs/", $file)),
        }
    };
}

/// Every preset; the first is what the workbench opens on.
pub const PRESETS: &[Preset] = &[
    preset!(
        "Omniglot + digits, built in · M-NAS",
        "image_default.toml",
        "M-NAS on the Omniglot drawings and digits built into metanas; 300 meta-steps, about half an hour on 2 cores"
    ),
    preset!(
        "Omniglot 20-way 1-shot, built in · M-NAS",
        "omniglot_20way.toml",
        "M-NAS from prototype heads on the built-in Omniglot background sets, 20-way 1-shot (Lake et al.'s one-shot runs); 300 meta-steps, 88 minutes on 2 shared cores"
    ),
    preset!(
        "Regression families · BASE",
        "base_regression.toml",
        "BASE on the M-NAS toy regression families; minutes on a CPU"
    ),
    preset!(
        "Regression families · M-NAS",
        "mnas_regression.toml",
        "M-NAS with the paper's settings on the toy regression families"
    ),
    preset!(
        "Regression families · MAML",
        "maml_regression.toml",
        "Second-order MAML on the supernet at the uniform mixture of ops (baseline)"
    ),
    preset!(
        "Regression families · Reptile",
        "reptile_regression.toml",
        "Reptile on the supernet at the uniform mixture of ops (baseline)"
    ),
    preset!(
        "Bundled digits 5-way 1-shot · BASE",
        "digits_5way_1shot.toml",
        "BASE on the UCI digits shipped with metanas; test tasks use unseen digit classes"
    ),
    preset!(
        "Omniglot 5-way 1-shot · BASE",
        "omniglot_5way_1shot.toml",
        "BASE's image space on Omniglot 28x28; needs Omniglot (asks where it is); meant for a GPU"
    ),
    preset!(
        "Omniglot + digits, two image sizes · BASE",
        "mixture_two_sizes.toml",
        "One architecture over tasks of two datasets and sizes (BASE 5.1); needs Omniglot"
    ),
    preset!(
        "Bench: reference meta-step",
        "bench_reference.toml",
        "The meta-step `metanas bench` times (docs/speed.md); bundled digits at 28x28"
    ),
    preset!(
        "Bench: Omniglot real size",
        "bench_omniglot.toml",
        "16 channels, 3 cells, 5 inner steps on Omniglot 28x28; needs Omniglot"
    ),
];

/// Where the shipped configs are in a checkout: relative dataset paths of a preset resolve
/// against it, as they do when the CLI reads the file (elsewhere they name no file, and the
/// workbench asks where the dataset is).
const CONFIG_FOLDER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/configs");

impl Preset {
    /// The preset's config, with its space file read from the compiled-in copy.
    pub fn load(&self) -> Result<RunConfig, WorkbenchError> {
        let bad = |message: String| WorkbenchError::Preset {
            file: self.file,
            message,
        };
        let mut table: toml::Table =
            toml::from_str(self.config).map_err(|e| bad(e.message().to_string()))?;
        if let Some(toml::Value::Table(space)) = table.get("space") {
            if let Some(file) = space.get("file").and_then(toml::Value::as_str) {
                let text = SPACES
                    .iter()
                    .find(|(name, _)| *name == file)
                    .map(|(_, text)| *text)
                    .ok_or_else(|| bad(format!("space file {file} is not built in")))?;
                let inline: toml::Table =
                    toml::from_str(text).map_err(|e| bad(format!("{file}: {}", e.message())))?;
                table.insert("space".into(), toml::Value::Table(inline));
            }
        }
        let text = toml::to_string(&table).map_err(|e| bad(e.to_string()))?;
        RunConfig::parse(&text, Path::new(self.file), Path::new(CONFIG_FOLDER))
            .map_err(|e| bad(e.to_string()))
    }
}

/// The datasets of `config` (index, path) whose files are not on this machine.
pub fn missing_datasets(config: &RunConfig) -> Vec<(usize, String)> {
    let TaskConfig::FewShot(f) = &config.tasks else {
        return Vec::new();
    };
    f.datasets
        .iter()
        .enumerate()
        .flat_map(|(i, d)| d.path.paths().iter().map(move |p| (i, p)))
        .filter(|(_, p)| !is_bundled(p) && !Path::new(p.as_str()).exists())
        .map(|(i, p)| (i, p.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every preset parses, and equals the asset file read from disk the way the CLI reads it.
    #[test]
    fn presets_equal_their_asset_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for p in PRESETS {
            let built_in = p.load().unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let from_disk = RunConfig::load(&root.join(p.file)).unwrap();
            assert_eq!(built_in, from_disk, "{}", p.name);
        }
    }

    /// Every config shipped in assets/configs is in the menu.
    #[test]
    fn every_shipped_config_is_a_preset() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/configs");
        let mut shipped: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| {
                format!(
                    "assets/configs/{}",
                    e.unwrap().file_name().to_string_lossy()
                )
            })
            .filter(|f| f.ends_with(".toml"))
            .collect();
        shipped.sort();
        let mut listed: Vec<String> = PRESETS.iter().map(|p| p.file.to_string()).collect();
        listed.sort();
        assert_eq!(listed, shipped);
    }

    #[test]
    fn datasets_that_are_not_here_are_named() {
        let mut config = PRESETS[0].load().unwrap();
        assert!(
            missing_datasets(&config).is_empty(),
            "the bundled Omniglot drawings and digits are built in"
        );
        let TaskConfig::FewShot(f) = &mut config.tasks else {
            panic!("the default preset is few-shot")
        };
        f.datasets[0].path = metanas_core::run::DatasetPath::one("/no/such/omniglot.zip");
        assert_eq!(
            missing_datasets(&config),
            [(0, "/no/such/omniglot.zip".to_string())]
        );
    }
}
