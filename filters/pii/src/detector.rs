//! The detector: runs the enabled scanners and resolves overlapping candidates into a
//! deterministic, non-overlapping list of findings.

use crate::config::{valid_entity_name, ConfigError, DetectorConfig};
use crate::entity::{EntityType, Finding};
use crate::scan::cues::CueAutomaton;
use crate::scan::custom::CustomScanner;
use crate::scan::{self, Candidate};
use crate::validate::ValidatorKind;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Longest custom pattern accepted (bytes).
const MAX_PATTERN_LEN: usize = 4096;
/// Compiled-size limit for custom patterns, so a config cannot make the proxy allocate wildly.
const MAX_REGEX_SIZE: usize = 1 << 20;

/// A configured PII and secrets detector. Build once (at configure time), use for every body.
pub struct Detector {
    enabled: HashSet<EntityType>,
    /// `enabled` as bits of [`EntityType::builtin_index`]: checked per scanner and candidate.
    enabled_bits: u32,
    custom: Vec<CustomScanner>,
    min_score: f32,
    allow_values: HashSet<String>,
    cues: CueAutomaton,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("enabled", &self.enabled)
            .field("custom", &self.custom.len())
            .field("min_score", &self.min_score)
            .finish_non_exhaustive()
    }
}

impl Detector {
    /// Validates the configuration and compiles it. Every error names its field.
    pub fn new(config: &DetectorConfig) -> Result<Detector, ConfigError> {
        let mut enabled: HashSet<EntityType> = HashSet::new();
        match &config.entities {
            None => enabled.extend(EntityType::BUILT_IN),
            Some(names) => {
                for (i, name) in names.iter().enumerate() {
                    let e = EntityType::from_builtin_name(name).ok_or_else(|| {
                        ConfigError::new(
                            format!("entities[{i}]"),
                            format!(
                                "unknown entity type {name:?}; expected one of {}",
                                builtin_names()
                            ),
                        )
                    })?;
                    enabled.insert(e);
                }
            }
        }
        if !(0.0..=1.0).contains(&config.min_score) {
            return Err(ConfigError::new("min_score", "must be between 0.0 and 1.0"));
        }
        let mut custom = Vec::new();
        let mut seen = HashSet::new();
        for (i, c) in config.custom.iter().enumerate() {
            let path = |f: &str| format!("custom[{i}].{f}");
            if !valid_entity_name(&c.name) {
                return Err(ConfigError::new(
                    path("name"),
                    "must match [A-Z][A-Z0-9_]* and be at most 40 characters",
                ));
            }
            if EntityType::from_builtin_name(&c.name).is_some() {
                return Err(ConfigError::new(
                    path("name"),
                    format!("{:?} is a built-in entity type", c.name),
                ));
            }
            if !seen.insert(c.name.clone()) {
                return Err(ConfigError::new(
                    path("name"),
                    format!("duplicate custom entity {:?}", c.name),
                ));
            }
            if c.pattern.is_empty() || c.pattern.len() > MAX_PATTERN_LEN {
                return Err(ConfigError::new(
                    path("pattern"),
                    format!("must be 1 to {MAX_PATTERN_LEN} bytes"),
                ));
            }
            let regex = regex_lite::RegexBuilder::new(&c.pattern)
                .size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(|e| ConfigError::new(path("pattern"), format!("invalid regex: {e}")))?;
            let validator = match &c.validator {
                None => None,
                Some(v) => Some(ValidatorKind::from_name(v).ok_or_else(|| {
                    ConfigError::new(
                        path("validator"),
                        format!(
                            "unknown validator {v:?}; expected one of {}",
                            ValidatorKind::NAMES
                        ),
                    )
                })?),
            };
            if c.context_window > 1024 {
                return Err(ConfigError::new(
                    path("context_window"),
                    "must be at most 1024",
                ));
            }
            if !(0.0..=1.0).contains(&c.score) {
                return Err(ConfigError::new(
                    path("score"),
                    "must be between 0.0 and 1.0",
                ));
            }
            if let Some(j) = c.context.iter().position(|w| w.trim().is_empty()) {
                return Err(ConfigError::new(
                    format!("custom[{i}].context[{j}]"),
                    "must not be empty",
                ));
            }
            let entity = EntityType::Custom(Arc::from(c.name.as_str()));
            custom.push(CustomScanner {
                entity,
                regex,
                validator,
                context: c.context.iter().map(|w| w.to_ascii_lowercase()).collect(),
                context_window: c.context_window,
                score: c.score,
            });
        }
        let cues = CueAutomaton::new()
            .map_err(|e| ConfigError::new("", format!("internal automaton: {e}")))?;
        Ok(Detector {
            enabled_bits: enabled
                .iter()
                .filter_map(EntityType::builtin_index)
                .fold(0, |bits, i| bits | 1 << i),
            enabled,
            custom,
            min_score: config.min_score,
            allow_values: config.allow_values.iter().cloned().collect(),
            cues,
        })
    }

    /// True when this detector reports `entity`.
    pub fn detects(&self, entity: &EntityType) -> bool {
        match entity {
            EntityType::Custom(name) => self.custom.iter().any(|c| c.entity.name() == &**name),
            e => self.enabled.contains(e),
        }
    }

    /// The custom entity type with this name, if configured.
    pub fn custom_entity(&self, name: &str) -> Option<EntityType> {
        self.custom
            .iter()
            .find(|c| c.entity.name() == name)
            .map(|c| c.entity.clone())
    }

    /// Every entity type this detector can report.
    pub fn entity_types(&self) -> Vec<EntityType> {
        let mut v: Vec<EntityType> = EntityType::BUILT_IN
            .into_iter()
            .filter(|e| self.enabled.contains(e))
            .collect();
        v.extend(self.custom.iter().map(|c| c.entity.clone()));
        v
    }

    /// True when the built-in `entity` is enabled (false for custom types).
    fn is_enabled(&self, entity: &EntityType) -> bool {
        entity
            .builtin_index()
            .is_some_and(|i| self.enabled_bits & (1 << i) != 0)
    }

    /// How many bytes at the end of `text` (a stream's not yet released text) must stay
    /// pending: the length of a suffix, starting on a char boundary, such that with
    /// `s = text.len() - tail` and for **every** continuation `c` of the stream:
    ///
    /// 1. no finding of `find(text + c)` starts before `s` and ends after it, and the findings
    ///    of `find(text + c)` that start before `s` are exactly those of `find(text)` that
    ///    start before `s` (same span, entity and score): they can be acted on now;
    /// 2. the findings of `find(&text[s..] + c)`, shifted by `s`, are exactly those of
    ///    `find(text + c)` that start at or after `s`: `text[..s]` can be released and dropped,
    ///    since no later finding depends on it (cue words such as `SSN`, `DOB`, `password`,
    ///    `order` or `my name is` before a value are kept in the tail while they matter).
    ///
    /// A longer tail is always safe (`text.len()` holds everything); this one is as short as
    /// cheap rules allow. The cut is placed just after a blank (space, tab, newline, carriage
    /// return), so the tail is at least the last partial word, and moved back while an
    /// enabled type could join text across it or still read its context there:
    ///
    /// - EMAIL, URL_CREDENTIALS, IP_ADDRESS, MAC_ADDRESS, CRYPTO_WALLET, the provider tokens
    ///   and JWT contain no blank: the last partial word suffices (but see IP_ADDRESS below).
    /// - CREDIT_CARD, US_SSN, PHONE: digit groups joined by a space (or `) `, ` ext. `) may
    ///   run across the cut unless the tail's first byte rules it out; a number ending within
    ///   24 bytes of the end keeps the text from its start (cue words after it count); a cue
    ///   word of these types (`order`, `card`, `ssn`, `call`, … — anywhere, even inside a
    ///   word, since their context windows may start mid-word) within 43 bytes before the
    ///   first possible number start at or after the cut keeps the cut before it.
    ///   IP_ADDRESS: the same for version cues (`v`, `ver`, …) that end a word, 23 bytes.
    /// - IBAN: a run of space-separated groups of four back to a country code.
    /// - STREET_ADDRESS: a house number within the last 14 blank-separated tokens of
    ///   address characters.
    /// - PERSON: a name cue or honorific just before the cut; a capitalised name word or
    ///   initial just before a space, when the tail may go on with a capital or a verb
    ///   (`wrote`, `said`, …); a multi-word cue spanning the cut.
    /// - DATE_OF_BIRTH: a birth cue in the 70 bytes before the cut.
    /// - GENERIC_SECRET, AWS_SECRET_KEY: a key name (in the 280 bytes before the cut) whose
    ///   value after `=`, `:`, `is `, `Bearer `… reaches the cut or is not yet decided, or an
    ///   AWS secret cue whose 64-byte look-ahead has not found its key before the cut.
    /// - PRIVATE_KEY: everything from the first `-----BEGIN ` on.
    /// - Custom entities: a regex may match across anything and read any context, so with
    ///   any custom entity configured the whole text is held.
    ///
    /// Cost: a few hundred byte comparisons per blank the cut moves back over, looking only
    /// at the end of the text (except the PRIVATE_KEY search); beyond 1 KB of tail it gives up
    /// and holds everything.
    pub fn undecided_tail(&self, text: &str) -> usize {
        crate::tail::undecided_tail(text, |e| self.is_enabled(&e), !self.custom.is_empty())
    }

    /// Finds sensitive values in `text`: non-overlapping, sorted by start, deterministic.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let mut c: Vec<Candidate> = Vec::new();
        let on = |e: EntityType| self.is_enabled(&e);
        // One pass over the text finds where every scanner that starts next to a rare byte can
        // start: digit runs, capitals, `:`, `@`, MAC separators.
        let map = crate::text::ByteMap::new(text.as_bytes());
        let digits = &scan::DigitStarts::new(map.digit_starts());
        if on(EntityType::CreditCard) || on(EntityType::UsSsn) {
            let runs = scan::digit_runs(text, digits);
            if on(EntityType::CreditCard) {
                scan::card::scan(text, &runs, &mut c);
            }
            if on(EntityType::UsSsn) {
                scan::ssn_iban::scan_ssn(text, &runs, &mut c);
            }
        }
        if on(EntityType::Email) {
            scan::email::scan(text, map.ats(), &mut c);
        }
        if on(EntityType::Phone) {
            scan::phone::scan(text, digits, &mut c);
        }
        if on(EntityType::Iban) {
            scan::ssn_iban::scan_iban(text, digits, &mut c);
        }
        if on(EntityType::IpAddress) {
            scan::ip::scan_v4(text, digits, &mut c);
            scan::ip::scan_v6(text, map.colons(), &mut c);
        }
        if on(EntityType::MacAddress) {
            scan::mac::scan(text, map.mac_seps(), &mut c);
        }
        if on(EntityType::UrlCredentials) {
            scan::url::scan(text, map.colons(), map.ats(), &mut c);
        }
        if on(EntityType::CryptoWallet) {
            scan::crypto::scan(text, digits, &mut c);
        }
        let secrets_on = EntityType::BUILT_IN
            .iter()
            .any(|e| e.category() == crate::Category::Secret && self.is_enabled(e));
        // One pass finds the cue words of the DOB, PERSON and secret-key scanners and the
        // secret token prefixes.
        let cues = if on(EntityType::DateOfBirth) || on(EntityType::Person) || secrets_on {
            self.cues.find(text)
        } else {
            scan::cues::CueMatches::default()
        };
        if on(EntityType::DateOfBirth) {
            scan::dob::scan(text, &cues.dob, &mut c);
        }
        if on(EntityType::Person) {
            scan::person::scan(text, &cues.person, map.capitals(), &mut c);
        }
        if on(EntityType::StreetAddress) {
            scan::address::scan(text, digits, &mut c);
        }
        if secrets_on {
            scan::secrets::scan(text, &cues.secret_prefixes, &cues.secret_keys, &mut c);
        }
        for custom in &self.custom {
            custom.scan(text, &mut c);
        }
        c.retain(|x| {
            (self.is_enabled(&x.entity) || matches!(x.entity, EntityType::Custom(_)))
                && x.score >= self.min_score
                && text.is_char_boundary(x.start)
                && text.is_char_boundary(x.end)
                && (self.allow_values.is_empty()
                    || !self.allow_values.contains(&text[x.start..x.end]))
        });
        resolve_overlaps(c)
            .into_iter()
            .map(|x| Finding::new(x.entity, x.start..x.end, x.score, &text[x.start..x.end]))
            .collect()
    }
}

fn builtin_names() -> String {
    EntityType::BUILT_IN
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Greedy selection: higher priority first, then higher score, longer span, earlier start.
/// The order is total, so the result does not depend on scanner order.
fn resolve_overlaps(mut c: Vec<Candidate>) -> Vec<Candidate> {
    c.sort_by(|a, b| {
        b.entity
            .priority()
            .cmp(&a.entity.priority())
            .then(b.score.total_cmp(&a.score))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.entity.cmp(&b.entity))
    });
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for x in c {
        if x.start >= x.end {
            continue;
        }
        let clash = taken
            .range(..x.end)
            .next_back()
            .is_some_and(|(_, end)| *end > x.start);
        if !clash {
            taken.insert(x.start, x.end);
            out.push(x);
        }
    }
    out.sort_by_key(|x| x.start);
    out
}
