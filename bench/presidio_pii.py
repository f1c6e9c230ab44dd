"""Part 5: Microsoft Presidio's analyzer on the same labelled PII corpus, next to Parapet.

Usage: presidio_pii.py CORPUS.jsonl PARAPET.json [MAX_ROWS]

Presidio normally loads a spaCy NER model (en_core_web_lg) that it downloads; no model can be
downloaded here. So the analyzer runs with only its regex/checksum-based predefined
recognizers: the NLP engine is a SpacyNlpEngine whose pipeline is `spacy.blank("en")` (a
tokenizer, no NER, no lemmas), set directly so Presidio never tries to load or download a
model, and the NER-based SpacyRecognizer is removed from the registry. Context-word boosting
has no lemmas to work with, and score_threshold is 0, so every regex match counts: this is
Presidio's most generous recall on these types and its fastest configuration.

A gold entity is found when a result of the mapped type overlaps it (the same rule as
parapet-bench pii). Throughput is bytes of text per second, each row analysed on its own.
"""
import json
import sys
import time

import spacy
import tldextract

# Presidio's e-mail/URL recognizers call tldextract, which would fetch the public-suffix list
# from the network on every call here (no network): use its bundled snapshot, offline.
tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine

# Parapet corpus type -> Presidio entity.
MAPPING = {
    "EMAIL": "EMAIL_ADDRESS",
    "PHONE": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "US_SSN": "US_SSN",
    "IBAN": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "CRYPTO_WALLET": "CRYPTO",
    "MAC_ADDRESS": "MAC_ADDRESS",
}
# Types both tools validate with a checksum (Luhn, mod-97, base58/bech32).
VALIDATED = ["CREDIT_CARD", "IBAN", "CRYPTO_WALLET"]


def build_analyzer():
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank-en"}])
    engine.nlp = {"en": spacy.blank("en")}
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    for r in list(registry.recognizers):
        if type(r).__name__ in ("SpacyRecognizer", "StanzaRecognizer", "TransformersRecognizer", "GLiNERRecognizer"):
            registry.remove_recognizer(r.name)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def main():
    corpus, parapet_path = sys.argv[1], sys.argv[2]
    max_rows = int(sys.argv[3]) if len(sys.argv) > 3 else None
    rows = [json.loads(l) for l in open(corpus) if l.strip()]
    if max_rows:
        rows = rows[:max_rows]
    analyzer = build_analyzer()
    supported = set(analyzer.get_supported_entities(language="en"))
    entities = sorted(e for e in MAPPING.values() if e in supported)
    analyzer.analyze(text="warm up 4111 1111 1111 1111 mail a.b@example.com", language="en", entities=entities)
    found, total = {}, {}
    nbytes = 0
    t0 = time.perf_counter()
    results = [analyzer.analyze(text=r["text"], language="en", entities=entities) for r in rows]
    secs = time.perf_counter() - t0
    for r, res in zip(rows, results):
        text = r["text"]
        nbytes += len(text.encode("utf-8"))
        for g in r["entities"]:
            t = g["type"]
            if t not in MAPPING:
                continue
            # Presidio offsets are in characters; the corpus' are bytes? Compare in characters.
            s = len(text.encode("utf-8")[: g["start"]].decode("utf-8", "ignore"))
            e = len(text.encode("utf-8")[: g["end"]].decode("utf-8", "ignore"))
            total[t] = total.get(t, 0) + 1
            if any(x.entity_type == MAPPING[t] and x.start < e and s < x.end for x in res):
                found[t] = found.get(t, 0) + 1
    presidio_mbps = nbytes / secs / 1e6
    p = json.load(open(parapet_path))
    parapet_mbps = p["bytes"] / p["seconds"] / 1e6
    ratio = parapet_mbps / presidio_mbps
    print(f"Presidio analyzer (regex/checksum recognizers only, {len(entities)} entity types: {', '.join(entities)}) on {len(rows)} rows, {nbytes} bytes; Parapet on {p['rows']} rows, {p['bytes']} bytes.\n")
    print("| | Parapet core (parapet-pii) | Presidio analyzer | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| throughput | {parapet_mbps:.2f} MB/s | {presidio_mbps:.4f} MB/s | {ratio:.0f}× |")
    print("\n| type | Parapet recall | Presidio recall | validated (checksum) |")
    print("|---|---:|---:|---|")
    recall_ok = True
    for t in MAPPING:
        pr = p["recall"].get(t)
        if pr is None or t not in total:
            continue
        par = pr["found"] / pr["total"]
        if MAPPING[t] not in supported:
            pres_s = "not supported"
        else:
            pres = found.get(t, 0) / total[t]
            pres_s = f"{pres:.3f} ({found.get(t, 0)}/{total[t]})"
            if t in VALIDATED and par < pres:
                recall_ok = False
        print(f"| {t} | {par:.3f} ({pr['found']}/{pr['total']}) | {pres_s} | {'yes' if t in VALIDATED else 'no'} |")
    verdict = "met" if ratio >= 100 and recall_ok else "NOT MET"
    print(f"\nTARGET PII detection >= 100× Presidio's throughput at equal or better recall on validated types: {verdict} — {ratio:.0f}× ({parapet_mbps:.2f} vs {presidio_mbps:.4f} MB/s), recall {'equal or better on every validated type' if recall_ok else 'WORSE on some validated type'}")


if __name__ == "__main__":
    main()
