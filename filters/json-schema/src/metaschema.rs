//! The standard meta-schemas, embedded (22 KB minified) so that `$schema` validation and
//! `$ref`s to a meta-schema work offline.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

const EMBEDDED: &[(&str, &str)] = &[
    (
        "http://json-schema.org/draft-04/schema",
        include_str!("../metaschemas/draft4.json"),
    ),
    (
        "http://json-schema.org/draft-06/schema",
        include_str!("../metaschemas/draft6.json"),
    ),
    (
        "http://json-schema.org/draft-07/schema",
        include_str!("../metaschemas/draft7.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/schema",
        include_str!("../metaschemas/draft2019-09-schema.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/meta/core",
        include_str!("../metaschemas/draft2019-09-meta-core.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/meta/applicator",
        include_str!("../metaschemas/draft2019-09-meta-applicator.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/meta/validation",
        include_str!("../metaschemas/draft2019-09-meta-validation.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/meta/meta-data",
        include_str!("../metaschemas/draft2019-09-meta-meta-data.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/meta/format",
        include_str!("../metaschemas/draft2019-09-meta-format.json"),
    ),
    (
        "https://json-schema.org/draft/2019-09/meta/content",
        include_str!("../metaschemas/draft2019-09-meta-content.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/schema",
        include_str!("../metaschemas/draft2020-12-schema.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/core",
        include_str!("../metaschemas/draft2020-12-meta-core.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/applicator",
        include_str!("../metaschemas/draft2020-12-meta-applicator.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/unevaluated",
        include_str!("../metaschemas/draft2020-12-meta-unevaluated.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/validation",
        include_str!("../metaschemas/draft2020-12-meta-validation.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/meta-data",
        include_str!("../metaschemas/draft2020-12-meta-meta-data.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/format-annotation",
        include_str!("../metaschemas/draft2020-12-meta-format-annotation.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/format-assertion",
        include_str!("../metaschemas/draft2020-12-meta-format-assertion.json"),
    ),
    (
        "https://json-schema.org/draft/2020-12/meta/content",
        include_str!("../metaschemas/draft2020-12-meta-content.json"),
    ),
];

fn parsed() -> &'static [Option<Arc<Value>>] {
    static PARSED: OnceLock<Vec<Option<Arc<Value>>>> = OnceLock::new();
    PARSED.get_or_init(|| {
        EMBEDDED
            .iter()
            .map(|(_, text)| serde_json::from_str(text).ok().map(Arc::new))
            .collect()
    })
}

/// The embedded meta-schema at `uri` (without fragment; `http` and `https` both match).
pub(crate) fn document(uri: &str) -> Option<Arc<Value>> {
    let uri = uri.trim_end_matches('#');
    let tail = |u: &str| -> String {
        u.trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_string()
    };
    let wanted = tail(uri);
    let index = EMBEDDED.iter().position(|(u, _)| tail(u) == wanted)?;
    parsed().get(index).cloned().flatten()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_meta_schema_parses() {
        for (uri, _) in super::EMBEDDED {
            assert!(super::document(uri).is_some(), "{uri}");
        }
    }
}
