#!/usr/bin/env python3
"""Generates Parapet's labelled PII/secrets development corpus (tests/corpus/pii/*.jsonl).

Each line: {"id", "kind", "text", "entities": [{"type", "start", "end", "value"}]} where
start/end are UTF-8 BYTE offsets into text (what the Rust detector reports).

Values are real-shaped and valid (Faker for names, addresses, e-mails, IBANs, SSNs and card
numbers; our own generators for phone numbers, wallets with real checksums, and fake
credentials with random bodies). Rows of kind "negative" hold confusable look-alikes that must
NOT be reported: order numbers, UUIDs, timestamps, version strings, 16-digit non-Luhn numbers,
hashes, prices, dates without a birth cue, capitalised titles.

Deterministic: fixed seeds. Usage (from the repo root, with the eval venv):
  python3 -m venv .venv/eval && .venv/eval/bin/pip install faker pycryptodome
  .venv/eval/bin/python tests/corpus/pii/generate.py
writes dev.jsonl (seed 1, the set the detector was tuned on) and fresh.jsonl (seed 2, same
generator, never looked at while tuning).
"""

import base64
import hashlib
import ipaddress
import json
import os
import random
import string

from Crypto.Hash import keccak
from faker import Faker

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = 2500


# ---------------------------------------------------------------- value generators

def luhn_ok(digits):
    s = 0
    for i, d in enumerate(reversed(digits)):
        d = int(d)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return s % 10 == 0


def group(num, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(num[i:i + s])
        i += s
    return sep.join(out)


def luhn_complete(prefix, length, rng):
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return next(body + d for d in string.digits if luhn_ok(body + d))


def card(fk, rng):
    kind = rng.choice(["visa16", "visa13", "visa19", "mastercard", "amex", "discover", "jcb16", "diners"])
    if kind == "jcb16":
        # Faker's JCB numbers start 35xx outside the real 3528-3589 IIN range; use real ones.
        num = luhn_complete(str(rng.randint(3528, 3589)), 16, rng)
    else:
        num = fk.credit_card_number(card_type=kind)
    style = rng.random()
    if style < 0.35:
        return num
    sep = rng.choice([" ", "-"])
    if kind == "amex":
        return group(num, [4, 6, 5], sep)
    if kind == "diners" and len(num) == 14:
        return group(num, [4, 6, 4], sep)
    sizes = [4] * (len(num) // 4) + ([len(num) % 4] if len(num) % 4 else [])
    return group(num, sizes, sep)


def nanp(rng):
    npa = f"{rng.randint(2, 9)}{rng.randint(0, 8)}{rng.randint(0, 9)}"
    while True:
        nxx = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        if nxx[1:] != "11":
            break
    line = f"{rng.randint(0, 9999):04d}"
    return npa, nxx, line


INTL = [  # (cc, national number length, grouping)
    ("44", 10, [2, 4, 4]), ("44", 10, [4, 6]), ("49", 10, [3, 7]), ("49", 11, [4, 7]),
    ("33", 9, [1, 2, 2, 2, 2]), ("34", 9, [3, 3, 3]), ("39", 10, [3, 3, 4]), ("31", 9, [2, 3, 4]),
    ("61", 9, [1, 4, 4]), ("81", 10, [2, 4, 4]), ("91", 10, [5, 5]), ("86", 11, [3, 4, 4]),
    ("55", 11, [2, 5, 4]), ("52", 10, [2, 4, 4]), ("46", 9, [2, 3, 2, 2]), ("41", 9, [2, 3, 2, 2]),
    ("353", 9, [2, 3, 4]), ("351", 9, [3, 3, 3]), ("972", 9, [2, 3, 4]), ("971", 9, [2, 3, 4]),
]


def phone(rng):
    """Returns (text, needs_cue)."""
    r = rng.random()
    if r < 0.55:
        a, b, c = nanp(rng)
        fmt = rng.choice([
            "({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a} {b} {c}", "+1 {a} {b} {c}",
            "+1-{a}-{b}-{c}", "1-{a}-{b}-{c}", "+1 ({a}) {b}-{c}", "({a}){b}-{c}", "+1{a}{b}{c}",
            "001-{a}-{b}-{c}",
        ])
        s = fmt.format(a=a, b=b, c=c)
        if rng.random() < 0.1:
            s += rng.choice([" x", " ext. ", "x"]) + str(rng.randint(1, 9999))
        return s, False
    if r < 0.9:
        cc, n, grouping = rng.choice(INTL)
        nsn = str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(n - 1))
        sep = rng.choice([" ", " ", "-", ""])
        body = group(nsn, grouping, sep) if sep else nsn
        if cc == "44" and sep == " " and rng.random() < 0.3:
            return f"+44 (0){body}", False
        return f"+{cc}{' ' if sep else ''}{body}", False
    # National with trunk 0 (needs a phone cue nearby).
    nsn = "0" + str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(8))
    return group(nsn, rng.choice([[3, 4, 3], [2, 2, 2, 2, 2], [4, 6], [5, 5]]), " "), True


def ssn(fk, rng):
    s = fk.ssn()
    r = rng.random()
    if r < 0.75:
        return s, False
    if r < 0.85:
        return s.replace("-", " "), False
    return s.replace("-", ""), True


IBAN_LOCALES = ["de_DE", "fr_FR", "en_GB", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "fi_FI", "no_NO"]


def iban(fakers, rng):
    fk = fakers[rng.choice(IBAN_LOCALES)]
    v = fk.iban()
    if rng.random() < 0.5:
        v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
    return v


def ip(fk, rng):
    if rng.random() < 0.6:
        return fk.ipv4_public() if rng.random() < 0.7 else fk.ipv4_private()
    addr = ipaddress.IPv6Address(fk.ipv6())
    return addr.compressed if rng.random() < 0.6 else addr.exploded


def mac(fk, rng):
    m = fk.mac_address()
    r = rng.random()
    if r < 0.4:
        return m
    if r < 0.7:
        return m.upper().replace(":", "-")
    h = m.replace(":", "")
    return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58check(payload):
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32(ver, prog):
    def polymod(values):
        gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
        chk = 1
        for v in values:
            b = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if ((b >> i) & 1) else 0
        return chk

    acc = bits = 0
    data = [ver]
    for v in prog:
        acc = (acc << 8) | v
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = 1 if ver == 0 else 0x2BC830A3
    hrp = [ord("b") >> 5, ord("c") >> 5, 0, ord("b") & 31, ord("c") & 31]
    pm = polymod(hrp + data + [0] * 6) ^ const
    return "bc1" + "".join(BECH[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


def eth(rng):
    h = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    if rng.random() < 0.2:
        return "0x" + h
    k = keccak.new(digest_bits=256)
    k.update(h.encode())
    d = k.hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(d[i], 16) >= 8 else c for i, c in enumerate(h))


def wallet(rng):
    r = rng.random()
    if r < 0.3:
        return b58check(bytes([rng.choice([0, 5])]) + rng.randbytes(20))
    if r < 0.55:
        return bech32(0, rng.randbytes(rng.choice([20, 32])))
    if r < 0.65:
        return bech32(1, rng.randbytes(32))
    return eth(rng)


def dob(fk, rng):
    d = fk.date_of_birth(minimum_age=18, maximum_age=90)
    fmt = rng.choice(["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%d %B %Y", "%b %d %Y"])
    return d.strftime(fmt)


def rand_str(rng, n, alphabet=string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64u(obj):
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()


def secret(fk, rng):
    """Returns (type, value, template) — the template has {v} and gives the context."""
    kind = rng.choice([
        "aws_id", "aws_secret", "gh", "gh_pat", "gitlab", "slack", "stripe", "google", "openai",
        "openai_legacy", "anthropic", "jwt", "pem", "password", "api_key",
    ])
    if kind == "aws_id":
        v = rng.choice(["AKIA", "ASIA"]) + rand_str(rng, 16, string.ascii_uppercase + "234567")
        return "AWS_ACCESS_KEY", v, rng.choice(["aws_access_key_id = {v}", "export AWS_ACCESS_KEY_ID={v}", "my key id is {v}, can you check IAM?"])
    if kind == "aws_secret":
        v = rand_str(rng, 40, string.ascii_letters + string.digits + "/+")
        return "AWS_SECRET_KEY", v, rng.choice(["aws_secret_access_key = {v}", "AWS_SECRET_ACCESS_KEY={v}", "the aws secret access key: {v}"])
    if kind == "gh":
        v = rng.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + rand_str(rng, 36)
        return "GITHUB_TOKEN", v, rng.choice(["git clone with token {v}", "GITHUB_TOKEN={v}", "Authorization: token {v}"])
    if kind == "gh_pat":
        v = "github_pat_" + rand_str(rng, 22) + "_" + rand_str(rng, 59)
        return "GITHUB_TOKEN", v, "use this PAT: {v}"
    if kind == "gitlab":
        v = "glpat-" + rand_str(rng, 20, string.ascii_letters + string.digits + "_-")
        return "GITLAB_TOKEN", v, rng.choice(["CI_JOB_TOKEN? no, {v}", "private-token: {v}"])
    if kind == "slack":
        v = rng.choice(["xoxb-", "xoxp-"]) + f"{rng.randint(10**11, 10**12)}-{rng.randint(10**12, 10**13)}-" + rand_str(rng, 24)
        return "SLACK_TOKEN", v, rng.choice(["SLACK_BOT_TOKEN={v}", "the bot uses {v} to post"])
    if kind == "stripe":
        v = rng.choice(["sk_live_", "rk_live_"]) + rand_str(rng, rng.choice([24, 99]))
        return "STRIPE_KEY", v, rng.choice(["stripe.api_key = '{v}'", "Stripe key {v} stopped working"])
    if kind == "google":
        v = "AIza" + rand_str(rng, 35, string.ascii_letters + string.digits + "_-")
        return "GOOGLE_API_KEY", v, rng.choice(["https://maps.googleapis.com/maps/api/js?key={v}", "GOOGLE_API_KEY={v}"])
    if kind == "openai":
        v = "sk-proj-" + rand_str(rng, rng.choice([48, 74, 156]), string.ascii_letters + string.digits + "_-")
        return "OPENAI_KEY", v, rng.choice(["OPENAI_API_KEY={v}", "client = OpenAI(api_key=\"{v}\")"])
    if kind == "openai_legacy":
        v = "sk-" + rand_str(rng, 20) + "T3BlbkFJ" + rand_str(rng, 20)
        return "OPENAI_KEY", v, "old key {v} still in the repo"
    if kind == "anthropic":
        v = "sk-ant-api03-" + rand_str(rng, 93, string.ascii_letters + string.digits + "_-") + "AA"
        return "ANTHROPIC_KEY", v, rng.choice(["ANTHROPIC_API_KEY={v}", "x-api-key: {v}"])
    if kind == "jwt":
        header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
        payload = {"sub": str(rng.randint(1, 10**9)), "name": fk.name(), "iat": rng.randint(1.6e9, 1.8e9)}
        v = b64u(header) + "." + b64u(payload) + "." + rand_str(rng, 43, string.ascii_letters + string.digits + "_-")
        return "JWT", v, rng.choice(["Authorization: Bearer {v}", "my session token is {v} — why is it rejected?"])
    if kind == "pem":
        label = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
        lines = [rand_str(rng, 64, string.ascii_letters + string.digits + "+/") for _ in range(rng.randint(3, 8))]
        v = f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"
        return "PRIVATE_KEY", v, "here is the deploy key:\n{v}\nwhy does ssh say invalid format?"
    if kind == "password":
        v = rand_str(rng, rng.randint(8, 16), string.ascii_letters + string.digits + "!#%&*?@")
        return "GENERIC_SECRET", v, rng.choice(["DB_PASSWORD={v}", "password: \"{v}\"", "my password is {v} and it fails", "\"passwd\": \"{v}\","])
    v = rand_str(rng, rng.choice([24, 32, 40]), string.ascii_lowercase + string.digits)
    return "GENERIC_SECRET", v, rng.choice(["api_key = \"{v}\"", "X-Api-Key: {v}", "{{\"apiKey\": \"{v}\"}}", "client_secret={v}"])


# ---------------------------------------------------------------- confusables

def non_luhn16(rng):
    while True:
        n = rng.choice("3456") + "".join(rng.choice(string.digits) for _ in range(15))
        if not luhn_ok(n):
            return n


def negative(fk, rng):
    options = [
        lambda: f"Order #{rng.randint(10**7, 10**12)} shipped on {fk.date()} to the warehouse.",
        lambda: f"Your tracking number is 1Z{rand_str(rng, 16, string.ascii_uppercase + string.digits)}.",
        lambda: f"Request id {fk.uuid4()} failed at {fk.iso8601()}.",
        lambda: f"Upgrade to version {rng.randint(1, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}.{rng.randint(0, 9999)} before Friday.",
        lambda: f"Released v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 40)} with {rng.randint(2, 90)} fixes.",
        lambda: f"The reference {non_luhn16(rng)} is not a card, just an internal id.",
        lambda: f"Checksum {hashlib.sha256(rng.randbytes(8)).hexdigest()} and commit {hashlib.sha1(rng.randbytes(8)).hexdigest()}.",
        lambda: f"Total due: ${rng.randint(1, 99)},{rng.randint(100, 999)}.{rng.randint(10, 99)} by {fk.date(pattern='%m/%d/%Y')}.",
        lambda: f"The meeting runs from {rng.randint(8, 11)}:{rng.randint(10, 59)}:00 to {rng.randint(12, 17)}:{rng.randint(10, 59)}:30.",
        lambda: f"Invoice dated {fk.date(pattern='%Y-%m-%d')} lists {rng.randint(2, 40)} items at {rng.randint(1, 9)}.{rng.randint(10, 99)} each.",
        lambda: f"ISBN 978-{rng.randint(0, 9)}-{rng.randint(10, 99)}-{rng.randint(100000, 999999)}-{rng.randint(0, 9)} is out of print.",
        lambda: f"Read {fk.catch_phrase().title()} in The {fk.word().title()} Review.",
        lambda: f"Epoch {rng.randint(1_600_000_000, 1_800_000_000)} equals {fk.iso8601()}.",
        lambda: f"Set max_tokens: {rng.randint(100, 8000)} and temperature={rng.randint(0, 10) / 10}.",
        lambda: f"Port {rng.randint(1024, 65535)} on localhost, pid {rng.randint(100, 99999)}.",
        lambda: f"Account ref {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)} is closed.",
        lambda: f"The password field must be at least {rng.randint(8, 16)} characters; api_key is required.",
        lambda: f"Call Vec::new() then std::mem::take; the ratio was {rng.randint(1, 9)}:{rng.randint(1, 9)}.",
        lambda: f"Zip code {rng.randint(10000, 99999)} covers {rng.randint(1000, 90000)} residents.",
        lambda: f"OID 1.3.6.1.4.1.{rng.randint(1000, 99999)}.1 identifies the vendor.",
    ]
    return rng.choice(options)()


# ---------------------------------------------------------------- rows

class Row:
    def __init__(self):
        self.text = ""
        self.entities = []

    def add(self, s):
        self.text += s

    def ent(self, typ, value):
        start = len(self.text.encode())
        self.text += value
        self.entities.append({"type": typ, "start": start, "end": start + len(value.encode()), "value": value})


def positive(fk, fakers, rng):
    """One row: a sentence around one to three entities."""
    row = Row()
    n = rng.choice([1, 1, 2, 3])
    for k in range(n):
        if k:
            row.add(rng.choice([" ", " Also, ", "\n", " — "]))
        t = rng.choice([
            "EMAIL", "PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "IP_ADDRESS", "MAC_ADDRESS",
            "URL_CREDENTIALS", "CRYPTO_WALLET", "DATE_OF_BIRTH", "PERSON", "STREET_ADDRESS", "SECRET", "SECRET",
        ])
        if t == "EMAIL":
            row.add(rng.choice(["Please email ", "Contact: ", "cc ", "Send the report to ", "My address is "]))
            row.ent("EMAIL", rng.choice([fk.email(), fk.free_email(), fk.company_email(), fk.user_name() + "+llm@" + fk.domain_name()]))
            row.add(rng.choice([".", " today.", ", thanks", ""]))
        elif t == "PHONE":
            v, cue = phone(rng)
            row.add(rng.choice(["Call me at ", "Phone: ", "my mobile is ", "Reach the front desk on ", "tel "]) if cue or rng.random() < 0.6 else "The number ")
            row.ent("PHONE", v)
            row.add(rng.choice([".", " after 5pm.", ", ask for billing.", ""]))
        elif t == "CREDIT_CARD":
            row.add(rng.choice(["Charge my card ", "Visa ", "card number: ", "I paid with ", "CC "]))
            row.ent("CREDIT_CARD", card(fk, rng))
            row.add(rng.choice([f" exp {rng.randint(1, 12):02d}/{rng.randint(26, 31)}.", ".", " yesterday.", ""]))
        elif t == "US_SSN":
            v, cue = ssn(fk, rng)
            row.add("My SSN is " if cue or rng.random() < 0.5 else rng.choice(["Applicant ", "Ref: "]))
            row.ent("US_SSN", v)
            row.add(rng.choice([".", " for the tax form.", ""]))
        elif t == "IBAN":
            row.add(rng.choice(["Wire it to ", "IBAN: ", "Account ", "pay into "]))
            row.ent("IBAN", iban(fakers, rng))
            row.add(rng.choice([".", " by Monday.", ""]))
        elif t == "IP_ADDRESS":
            row.add(rng.choice(["The server at ", "Blocked ", "ssh admin@", "client ip=", "Connecting to "]))
            row.ent("IP_ADDRESS", ip(fk, rng))
            row.add(rng.choice([" is down.", " timed out", ".", " (prod)"]))
        elif t == "MAC_ADDRESS":
            row.add(rng.choice(["Device MAC ", "hwaddr ", "whitelist "]))
            row.ent("MAC_ADDRESS", mac(fk, rng))
            row.add(rng.choice([" on vlan 10.", ".", ""]))
        elif t == "URL_CREDENTIALS":
            scheme = rng.choice(["postgres", "mysql", "https", "redis", "mongodb+srv", "ftp", "amqp"])
            v = f"{scheme}://{fk.user_name()}:{rand_str(rng, rng.randint(8, 20), string.ascii_letters + string.digits + '!*_-')}@{fk.domain_name()}"
            if rng.random() < 0.6:
                v += rng.choice([":5432", ":3306", ""]) + "/" + fk.word()
            row.add(rng.choice(["DATABASE_URL=", "connect with ", "the DSN is "]))
            row.ent("URL_CREDENTIALS", v)
            row.add(rng.choice(["", ".", " but it fails"]))
        elif t == "CRYPTO_WALLET":
            row.add(rng.choice(["Send the BTC to ", "wallet: ", "My ETH address is ", "refund to "]))
            row.ent("CRYPTO_WALLET", wallet(rng))
            row.add(rng.choice([".", " please.", ""]))
        elif t == "DATE_OF_BIRTH":
            row.add(rng.choice(["DOB: ", "Date of birth: ", "She was born on ", "birthday ", "born "]))
            row.ent("DATE_OF_BIRTH", dob(fk, rng))
            row.add(rng.choice([".", " in Ohio.", ""]))
        elif t == "PERSON":
            name = rng.choice([fk.name(), f"{fk.first_name()} {fk.last_name()}", f"{fk.first_name()} {fk.last_name()}"])
            # Faker names can carry prefixes/suffixes ("Dr. ", " MD"); keep the plain name.
            parts = [p for p in name.split() if p.rstrip(".") not in ("Mr", "Mrs", "Ms", "Miss", "Dr", "MD", "DDS", "PhD", "DVM", "Jr", "II", "III", "IV", "V")]
            name = " ".join(parts)
            cue = rng.choice(["My name is ", "Dear ", "Patient: ", "Dr. ", "Ms. ", "Please ask ", "I spoke with ", "", "Signed, "])
            row.add(cue)
            row.ent("PERSON", name)
            row.add(rng.choice([".", ", thanks", " will follow up.", " wrote:"]))
        elif t == "STREET_ADDRESS":
            v = fk.street_address()
            if rng.random() < 0.4:
                v += f", {fk.city()}, {fk.state_abbr()} {fk.postcode()}"
            row.add(rng.choice(["Ship to ", "I live at ", "Address: ", "Our office moved to "]))
            row.ent("STREET_ADDRESS", v)
            row.add(rng.choice([".", " next week.", ""]))
        else:
            typ, v, template = secret(fk, rng)
            pre, post = template.split("{v}")
            row.add(pre.replace("{{", "{").replace("}}", "}"))
            row.ent(typ, v)
            row.add(post.replace("{{", "{").replace("}}", "}"))
    return row


def build(seed, path):
    rng = random.Random(seed)
    Faker.seed(seed)
    fk = Faker("en_US")
    fakers = {loc: Faker(loc) for loc in IBAN_LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 100 + i)
    fk.seed_instance(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(ROWS):
            if rng.random() < 0.3:
                row = Row()
                row.add(negative(fk, rng))
                kind = "negative"
            else:
                row = positive(fk, fakers, rng)
                kind = "positive"
            out.write(json.dumps({"id": f"s{seed}-{i}", "kind": kind, "text": row.text, "entities": row.entities}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    build(1, os.path.join(HERE, "dev.jsonl"))
    build(2, os.path.join(HERE, "fresh.jsonl"))
