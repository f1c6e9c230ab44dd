//! Dialects: which JSON Schema draft a schema resource is written in, and which vocabularies
//! (groups of keywords) are switched on for it.

/// A JSON Schema draft. The draft decides the keyword set and a few meanings (`items` as an
/// array, `$ref` siblings, `exclusiveMaximum` as a boolean, `id` vs `$id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Draft {
    Draft4,
    Draft6,
    Draft7,
    Draft2019_09,
    #[default]
    Draft2020_12,
}

impl Draft {
    /// Parses a draft as written in configuration: `"2020-12"`, `"draft-07"`, `"draft7"`, `"7"`,
    /// or a `$schema` URI.
    pub fn parse(name: &str) -> Option<Draft> {
        let short = name
            .trim()
            .trim_start_matches("draft")
            .trim_start_matches(['-', '_']);
        match short {
            "2020-12" | "2020_12" => Some(Draft::Draft2020_12),
            "2019-09" | "2019_09" => Some(Draft::Draft2019_09),
            "07" | "7" => Some(Draft::Draft7),
            "06" | "6" => Some(Draft::Draft6),
            "04" | "4" => Some(Draft::Draft4),
            _ => Draft::from_uri(name),
        }
    }

    /// The draft a `$schema` URI names, if it is one of the five standard meta-schemas
    /// (`http`/`https`, with or without the empty fragment).
    pub fn from_uri(uri: &str) -> Option<Draft> {
        let rest = uri
            .trim()
            .trim_end_matches('#')
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        match rest {
            "json-schema.org/draft-04/schema" => Some(Draft::Draft4),
            "json-schema.org/draft-06/schema" => Some(Draft::Draft6),
            "json-schema.org/draft-07/schema" => Some(Draft::Draft7),
            "json-schema.org/draft/2019-09/schema" => Some(Draft::Draft2019_09),
            "json-schema.org/draft/2020-12/schema" => Some(Draft::Draft2020_12),
            _ => None,
        }
    }

    /// The canonical `$schema` URI of this draft.
    pub fn uri(self) -> &'static str {
        match self {
            Draft::Draft4 => "http://json-schema.org/draft-04/schema#",
            Draft::Draft6 => "http://json-schema.org/draft-06/schema#",
            Draft::Draft7 => "http://json-schema.org/draft-07/schema#",
            Draft::Draft2019_09 => "https://json-schema.org/draft/2019-09/schema",
            Draft::Draft2020_12 => "https://json-schema.org/draft/2020-12/schema",
        }
    }

    /// The keyword that gives a schema resource its URI.
    pub(crate) fn id_keyword(self) -> &'static str {
        if self == Draft::Draft4 {
            "id"
        } else {
            "$id"
        }
    }

    /// Up to draft-07 a `$ref` replaces its whole schema object: siblings are ignored.
    pub(crate) fn ref_overrides_siblings(self) -> bool {
        self <= Draft::Draft7
    }

    /// Whether `format` asserts when the caller does not say: yes up to draft-07.
    pub(crate) fn asserts_formats(self) -> bool {
        self <= Draft::Draft7
    }
}

/// The short name: `draft-04`, `draft-06`, `draft-07`, `2019-09`, `2020-12`.
impl std::fmt::Display for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Draft::Draft4 => "draft-04",
            Draft::Draft6 => "draft-06",
            Draft::Draft7 => "draft-07",
            Draft::Draft2019_09 => "2019-09",
            Draft::Draft2020_12 => "2020-12",
        })
    }
}

/// Groups of keywords (2019-09 and later split the meta-schema into vocabularies; a custom
/// meta-schema may leave some out with `$vocabulary`). Older drafts have all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Vocabularies(u8);

impl Vocabularies {
    pub(crate) const APPLICATOR: u8 = 1;
    pub(crate) const UNEVALUATED: u8 = 2;
    pub(crate) const VALIDATION: u8 = 4;
    pub(crate) const FORMAT_ASSERTION: u8 = 8;
    pub(crate) const ALL_BUT_FORMAT_ASSERTION: Vocabularies =
        Vocabularies(Self::APPLICATOR | Self::UNEVALUATED | Self::VALIDATION);

    pub(crate) fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// The vocabularies a `$vocabulary` object switches on (unknown URIs are ignored: they
    /// only carry annotations as far as this validator is concerned).
    pub(crate) fn from_declaration(
        declaration: &serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let mut bits = 0;
        for uri in declaration.keys() {
            let name = uri
                .trim_start_matches("https://json-schema.org/draft/2020-12/vocab/")
                .trim_start_matches("https://json-schema.org/draft/2019-09/vocab/");
            bits |= match name {
                // 2019-09 keeps the unevaluated keywords in its applicator vocabulary.
                "applicator" if uri.contains("2019-09") => Self::APPLICATOR | Self::UNEVALUATED,
                "applicator" => Self::APPLICATOR,
                "unevaluated" => Self::UNEVALUATED,
                "validation" => Self::VALIDATION,
                "format-assertion" => Self::FORMAT_ASSERTION,
                _ => 0,
            };
        }
        Vocabularies(bits)
    }
}

/// What one schema resource is compiled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Dialect {
    pub(crate) draft: Draft,
    pub(crate) vocabularies: Vocabularies,
    pub(crate) assert_formats: bool,
}

impl Dialect {
    pub(crate) fn standard(draft: Draft, validate_formats: Option<bool>) -> Dialect {
        Dialect {
            draft,
            vocabularies: Vocabularies::ALL_BUT_FORMAT_ASSERTION,
            assert_formats: validate_formats.unwrap_or(draft.asserts_formats()),
        }
    }

    pub(crate) fn applicators(self) -> bool {
        self.vocabularies.has(Vocabularies::APPLICATOR)
    }

    pub(crate) fn validation(self) -> bool {
        self.vocabularies.has(Vocabularies::VALIDATION)
    }

    pub(crate) fn unevaluated(self) -> bool {
        self.vocabularies.has(Vocabularies::UNEVALUATED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_names_uris_and_display_name_the_same_draft() {
        let all = [
            Draft::Draft4,
            Draft::Draft6,
            Draft::Draft7,
            Draft::Draft2019_09,
            Draft::Draft2020_12,
        ];
        for d in all {
            assert_eq!(Draft::parse(&d.to_string()), Some(d));
            assert_eq!(Draft::parse(d.uri()), Some(d));
        }
        for (name, d) in [
            ("7", Draft::Draft7),
            ("draft7", Draft::Draft7),
            ("2019_09", Draft::Draft2019_09),
        ] {
            assert_eq!(Draft::parse(name), Some(d));
        }
        for bad in ["", "draft-05", "2021-01", "http://example.com/schema"] {
            assert_eq!(Draft::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn standard_uris_with_and_without_fragment_and_scheme_variants() {
        assert_eq!(
            Draft::from_uri("http://json-schema.org/draft-07/schema#"),
            Some(Draft::Draft7)
        );
        assert_eq!(
            Draft::from_uri("https://json-schema.org/draft-07/schema"),
            Some(Draft::Draft7)
        );
        assert_eq!(
            Draft::from_uri("https://json-schema.org/draft/2020-12/schema"),
            Some(Draft::Draft2020_12)
        );
        assert_eq!(
            Draft::from_uri("http://json-schema.org/draft-03/schema#"),
            None
        );
        for d in [
            Draft::Draft4,
            Draft::Draft6,
            Draft::Draft7,
            Draft::Draft2019_09,
            Draft::Draft2020_12,
        ] {
            assert_eq!(Draft::from_uri(d.uri()), Some(d));
        }
    }
}
