//! The ready-made starting points of the workbench: the example configs shipped in `assets/`,
//! compiled into the binary so that `metanas` opens on a real default with no file around it.

use std::path::Path;

use super::error::WorkbenchError;
use metanas_core::run::RunConfig;

/// A built-in run config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// What the menu shows.
    pub name: &'static str,
    /// The file it was compiled from (for error messages).
    pub file: &'static str,
    config: &'static str,
}

/// The search spaces the preset configs refer to with `space = { file = "../spaces/..." }`.
const SPACES: &[(&str, &str)] = &[(
    "../spaces/mnas_regression.toml",
    include_str!("../../../assets/spaces/mnas_regression.toml"),
)];

/// A preset compiled from `assets/configs/<file>`.
macro_rules! preset {
    ($name:literal, $file:literal) => {
        Preset {
            name: $name,
            file: concat!("assets/configs/", $file),
            config: include_str!(concat!("../../../assets/configs/", $file)),
        }
    };
}

/// Every preset; the first is what the workbench opens on.
pub const PRESETS: &[Preset] = &[
    preset!("Regression families · BASE", "base_regression.toml"),
    preset!("Regression families · M-NAS", "mnas_regression.toml"),
    preset!("Regression families · MAML", "maml_regression.toml"),
    preset!("Regression families · Reptile", "reptile_regression.toml"),
    preset!(
        "Bundled digits 5-way 1-shot · BASE",
        "digits_5way_1shot.toml"
    ),
];

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
        RunConfig::parse(&text, Path::new(self.file), Path::new("."))
            .map_err(|e| bad(e.to_string()))
    }
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
}
