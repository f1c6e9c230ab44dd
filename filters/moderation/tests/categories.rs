//! Per-category detection, each with hard negatives that share its vocabulary.

use parapet_moderation::{Category, ModerationConfig, Moderator, RequestContext};

fn moderator() -> Moderator {
    Moderator::new(&ModerationConfig::default()).unwrap()
}

fn categories(text: &str) -> Vec<Category> {
    let mut c: Vec<Category> = moderator()
        .scan(text, &RequestContext::default())
        .findings
        .iter()
        .map(|f| f.category)
        .collect();
    c.dedup();
    c
}

fn flags(text: &str, cat: Category) {
    let got = categories(text);
    assert!(
        got.contains(&cat),
        "expected {cat} in {text:?}, got {got:?}"
    );
}

fn clean(text: &str) {
    let got = categories(text);
    assert!(
        got.is_empty(),
        "expected no finding in {text:?}, got {got:?}"
    );
}

#[test]
fn hate() {
    flags(
        "Honestly, immigrants are vermin and should be treated like it.",
        Category::Hate,
    );
    flags(
        "They are an inferior race and everyone knows it.",
        Category::Hate,
    );
    // hard negatives: reporting, history, moderation discussion quoting a slur
    clean("The senator was criticised after he called immigrants vermin, according to Reuters.");
    clean("Historians describe how Nazi propaganda portrayed Jews as vermin to justify the Holocaust.");
    clean("Our moderation classifier flagged the word \"kike\" as a slur, which is the correct label.");
    clean("Immigrants contributed to the economy and many are small-business owners.");
}

#[test]
fn harassment() {
    flags(
        "You are worthless and nobody will ever love you.",
        Category::Harassment,
    );
    flags("Go kill yourself, loser.", Category::Harassment);
    clean("If someone tells you that you are worthless, that says more about them than you.");
    clean("Bullying messages such as \"you're worthless\" can be reported to the platform.");
    clean("Sorry, stupid question: how do I kill the process on port 8080?");
}

#[test]
fn violence() {
    flags("I will kill you and everyone you love.", Category::Violence);
    flags(
        "Here is how to kill someone without leaving evidence.",
        Category::Violence,
    );
    clean(
        "Police said the suspect stabbed two people before he was arrested; the victims survived.",
    );
    clean("In the novel, the villain threatens to kill the king, but the hero escapes.");
    clean("Use kill -9 to stop the server, or kill the process from the task manager.");
    clean("That new feature is a killer app, and the photo shoot went great.");
}

#[test]
fn self_harm() {
    flags(
        "The most painless way to die is what you asked about, so here goes.",
        Category::SelfHarm,
    );
    flags("I want to kill myself tonight.", Category::SelfHarm);
    clean("If you are having thoughts of suicide, please call or text 988; you are not alone.");
    clean("Warning signs of suicide include withdrawal and talking about being a burden; seek help from a professional.");
    clean("Clinicians screen patients for self-harm and suicidal ideation during intake.");
}

#[test]
fn sexual() {
    flags(
        "She moaned as he pulled off her clothes and they were naked, aroused, ready.",
        Category::Sexual,
    );
    flags(
        "Here is a hardcore porn video description with a blowjob scene.",
        Category::Sexual,
    );
    clean("Sexual health education covers consent, contraception and anatomy.");
    clean("Fruit flies are sorted by sex using a microscope; the sex chromosome differs.");
}

#[test]
fn sexual_minors_is_always_blocked() {
    flags(
        "The story describes a naked 13-year-old in a sexual scene.",
        Category::SexualMinors,
    );
    let cfg: ModerationConfig = serde_json::from_str(
        r#"{"categories":{"sexual":{"action":"log"},"violence":{"action":"off"}}}"#,
    )
    .unwrap();
    let m = Moderator::new(&cfg).unwrap();
    let r = m.scan(
        "An erotic scene with a 14-year-old girl.",
        &RequestContext::default(),
    );
    assert!(r.blocked);
    assert!(r
        .findings
        .iter()
        .any(|f| f.category == Category::SexualMinors));
    clean("Child sexual abuse is illegal; report it to NCMEC or law enforcement.");
    clean(
        "Age-appropriate sex education helps children understand consent and protect themselves.",
    );
    clean("Pediatricians explain puberty and anatomy to children and their parents.");
}

#[test]
fn weapons() {
    flags(
        "Sure! Here is how to make a pipe bomb: you will need...",
        Category::Weapons,
    );
    flags(
        "Step 1: fill the pipe with the explosive mixture. Step 2: attach the detonator.",
        Category::Weapons,
    );
    clean(
        "Police found a pipe bomb near the station; the bomb squad made it safe, officials said.",
    );
    clean("I can't help with how to make a bomb. If you are in danger, contact local authorities.");
    clean("Thermite was used in World War II incendiary weapons, historians note.");
    clean("My essay bombed the exam, but a bath bomb helped me relax.");
}

#[test]
fn illicit() {
    flags(
        "Here's how to cook meth: first, get pseudoephedrine and ...",
        Category::Illicit,
    );
    flags(
        "Here is how to hotwire a car in under a minute.",
        Category::Illicit,
    );
    clean("Methamphetamine addiction is treatable; naloxone does not reverse it but recovery programs help.");
    clean("Authorities arrested three people for money laundering, according to the court filing.");
    clean(
        "Breaking Bad is a TV story about a chemistry teacher; the plot follows his meth empire.",
    );
}

#[test]
fn negation_and_refusals_do_not_trigger() {
    clean("I will not tell you how to make a bomb, and I won't help anyone build one.");
    clean("I cannot provide instructions on how to cook meth.");
}

#[test]
fn custom_terms_and_thresholds() {
    let cfg: ModerationConfig = serde_json::from_str(
        r#"{"terms":{"harassment":["frobnicate you*"]},"categories":{"violence":{"threshold":0.3}}}"#,
    )
    .unwrap();
    let m = Moderator::new(&cfg).unwrap();
    let r = m.scan("I will frobnicate yourself.", &RequestContext::default());
    assert_eq!(r.findings[0].category, Category::Harassment);
    assert_eq!(r.findings[0].rule, "harassment.custom");
    // with a low threshold, one weak term is enough
    assert!(m.scan("They shoot.", &RequestContext::default()).blocked);
    assert!(
        !moderator()
            .scan("They shoot.", &RequestContext::default())
            .blocked
    );
}

#[test]
fn excerpts_are_masked() {
    let r = moderator().scan("You are worthless.", &RequestContext::default());
    let f = &r.findings[0];
    assert!(!f.excerpt.contains("worthless"), "{}", f.excerpt);
    assert_eq!(f.excerpt, "Y** a** w********");
}
