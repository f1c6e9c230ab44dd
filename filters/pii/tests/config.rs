//! Configuration: custom entities work; every invalid field is reported by its path.

use parapet_pii::{CustomEntityConfig, Detector, DetectorConfig, EntityType};

fn custom(name: &str, pattern: &str) -> CustomEntityConfig {
    CustomEntityConfig {
        name: name.into(),
        pattern: pattern.into(),
        validator: None,
        context: vec![],
        context_window: 64,
        score: 0.9,
    }
}

fn err(cfg: DetectorConfig) -> String {
    Detector::new(&cfg).unwrap_err().to_string()
}

#[test]
fn json_config_with_custom_entity_detects_it() {
    let cfg: DetectorConfig = serde_json::from_str(
        r#"{"entities":["EMAIL"],"custom":[{"name":"EMPLOYEE_ID","pattern":"\\bEMP-[0-9]{6}\\b","context":["employee"]}]}"#,
    )
    .unwrap();
    let d = Detector::new(&cfg).unwrap();
    let text = "employee EMP-123456 mailed a@b.io; card 4111111111111111; and, much later in the text, EMP-654321";
    let f = d.find(text);
    let got: Vec<(String, &str)> = f
        .iter()
        .map(|x| (x.entity.name().to_owned(), x.value(text)))
        .collect();
    // Only enabled types; the second id has no context word nearby.
    assert_eq!(
        got,
        vec![
            ("EMPLOYEE_ID".to_owned(), "EMP-123456"),
            ("EMAIL".to_owned(), "a@b.io")
        ]
    );
    assert_eq!(
        d.custom_entity("EMPLOYEE_ID"),
        Some(EntityType::Custom("EMPLOYEE_ID".into()))
    );
}

#[test]
fn custom_validator_filters_matches() {
    let mut c = custom("LOYALTY_CARD", r"\bLC[0-9]{10}\b");
    c.validator = Some("luhn".into());
    let d = Detector::new(&DetectorConfig {
        custom: vec![c],
        entities: Some(vec![]),
        ..Default::default()
    })
    .unwrap();
    // 7992739871 + check digit 3 is Luhn-valid; 4 is not.
    assert_eq!(
        d.find("LC79927398713").len(),
        0,
        "11 digits do not match the pattern"
    );
    assert_eq!(d.find("LC7992739871").len(), 0);
    assert_eq!(d.find("id LC1234567897").len(), 1); // Luhn-valid
    assert_eq!(d.find("id LC1234567890").len(), 0); // Luhn-invalid
}

#[test]
fn allow_values_and_min_score() {
    let cfg = DetectorConfig {
        allow_values: vec!["support@example.com".into()],
        ..Default::default()
    };
    let d = Detector::new(&cfg).unwrap();
    assert_eq!(
        d.find("write to support@example.com or jane@example.com")
            .len(),
        1
    );
    let strict = Detector::new(&DetectorConfig {
        min_score: 0.99,
        ..Default::default()
    })
    .unwrap();
    assert!(strict.find("phone: 020 7946 0958").is_empty());
    assert_eq!(strict.find("card 4111111111111111").len(), 1);
}

#[test]
fn errors_name_the_field() {
    let e = err(DetectorConfig {
        entities: Some(vec!["EMAIL".into(), "EMIAL".into()]),
        ..Default::default()
    });
    assert!(
        e.starts_with("entities[1]: unknown entity type \"EMIAL\""),
        "{e}"
    );
    let e = err(DetectorConfig {
        custom: vec![custom("X", "a"), custom("bad name", "a")],
        ..Default::default()
    });
    assert!(e.starts_with("custom[1].name:"), "{e}");
    let e = err(DetectorConfig {
        custom: vec![custom("EMAIL", "a")],
        ..Default::default()
    });
    assert!(
        e.starts_with("custom[0].name: \"EMAIL\" is a built-in"),
        "{e}"
    );
    let e = err(DetectorConfig {
        custom: vec![custom("A", "a"), custom("A", "b")],
        ..Default::default()
    });
    assert!(e.starts_with("custom[1].name: duplicate"), "{e}");
    let e = err(DetectorConfig {
        custom: vec![custom("A", "(unclosed")],
        ..Default::default()
    });
    assert!(e.starts_with("custom[0].pattern: invalid regex"), "{e}");
    let e = err(DetectorConfig {
        custom: vec![custom("A", "(?=look)ahead")],
        ..Default::default()
    });
    assert!(e.starts_with("custom[0].pattern: invalid regex"), "{e}");
    let mut c = custom("A", "a");
    c.validator = Some("crc".into());
    let e = err(DetectorConfig {
        custom: vec![c],
        ..Default::default()
    });
    assert!(
        e.starts_with("custom[0].validator: unknown validator \"crc\""),
        "{e}"
    );
    let mut c = custom("A", "a");
    c.score = 1.5;
    let e = err(DetectorConfig {
        custom: vec![c],
        ..Default::default()
    });
    assert!(e.starts_with("custom[0].score:"), "{e}");
    let e = err(DetectorConfig {
        min_score: -1.0,
        ..Default::default()
    });
    assert!(e.starts_with("min_score:"), "{e}");
    let huge = "a".repeat(5000);
    let e = err(DetectorConfig {
        custom: vec![custom("A", &huge)],
        ..Default::default()
    });
    assert!(e.starts_with("custom[0].pattern:"), "{e}");
}

#[test]
fn unknown_json_fields_are_rejected() {
    let r: Result<DetectorConfig, _> = serde_json::from_str(r#"{"entites":["EMAIL"]}"#);
    assert!(r
        .unwrap_err()
        .to_string()
        .contains("unknown field `entites`"));
}

#[test]
fn hostile_inputs_do_not_panic() {
    let d = Detector::new(&DetectorConfig::default()).unwrap();
    let inputs = [
        "@".repeat(10_000),
        "<".repeat(10_000),
        "1-".repeat(10_000),
        "a.".repeat(10_000),
        "eyJ".repeat(5_000),
        "-----BEGIN PRIVATE KEY-----".repeat(500),
        ":".repeat(10_000),
        "password=".repeat(2_000),
        "é@é.é ".repeat(2_000),
        "4111 ".repeat(5_000),
        "+1 (".repeat(5_000),
    ];
    for i in &inputs {
        let _ = d.find(i);
    }
}
