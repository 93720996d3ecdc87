//! The Protobuf categories, as `buf breaking` names them, and their
//! spellings in Treaty.

/// How strict a Protobuf check is, weakest first, as `buf breaking` names
/// its categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// The binary encoding keeps working.
    Wire,
    /// The binary and the JSON encodings keep working (the default).
    WireJson,
    /// Generated code keeps compiling, package by package.
    Package,
    /// Generated code keeps compiling, file by file.
    File,
}

impl Category {
    /// Every category, weakest first.
    pub const ALL: [Category; 4] = [
        Category::Wire,
        Category::WireJson,
        Category::Package,
        Category::File,
    ];

    /// The name Treaty uses (`wire`, `wire_json`, `package`, `file`), in
    /// `proto_category:`, the broker API and `--proto-category`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Wire => "wire",
            Category::WireJson => "wire_json",
            Category::Package => "package",
            Category::File => "file",
        }
    }

    /// The name `buf` uses (`WIRE_JSON`), shown in change messages.
    pub fn label(self) -> &'static str {
        match self {
            Category::Wire => "WIRE",
            Category::WireJson => "WIRE_JSON",
            Category::Package => "PACKAGE",
            Category::File => "FILE",
        }
    }

    /// The accepted names as a phrase for messages:
    /// `wire, wire_json, package or file`.
    pub fn expected() -> String {
        crate::format::or_list(&Category::ALL.map(Category::as_str))
    }
}

impl Default for Category {
    /// `wire_json`: what an interface is checked under when it says nothing.
    fn default() -> Category {
        Category::WireJson
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Category {
    type Err = String;

    /// Parses a category in any case, with `-` or `_` (`WIRE_JSON`,
    /// `wire-json`), as `buf` and Treaty write them.
    fn from_str(s: &str) -> Result<Category, String> {
        let wanted = s.to_ascii_lowercase().replace('-', "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| format!("unknown category `{s}`: expected {}", Category::expected()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_parses_from_its_name() {
        for c in Category::ALL {
            assert_eq!(c.to_string().parse::<Category>(), Ok(c));
            assert_eq!(c.label().parse::<Category>(), Ok(c));
        }
        assert_eq!("wire-json".parse::<Category>(), Ok(Category::WireJson));
        assert_eq!(Category::default(), Category::WireJson);
        assert_eq!(
            "loose".parse::<Category>(),
            Err("unknown category `loose`: expected wire, wire_json, package or file".to_owned())
        );
    }
}
