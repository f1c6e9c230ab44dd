//! Evaluating an instance against the compiled nodes.
//!
//! One interpreter serves both questions: "is it valid?" (stops at the first failure, no
//! paths built) and "what is wrong?" (collects the first N errors in schema order).
//! Instance and schema paths are linked lists on the stack, turned into JSON Pointers only
//! when an error is recorded. Annotations (which properties / items a keyword evaluated) are
//! tracked only under a schema that has `unevaluatedProperties` / `unevaluatedItems`.

use serde_json::Value;

use crate::error::ValidationError;
use crate::node::{by_length_then_bytes, types, Check, Dependency, Keyword, Node, NodeId};
use crate::num;
use crate::uri::escape_token;

/// How many schema nodes may be nested in one evaluation; the evaluation then fails with an
/// error instead of exhausting the stack. A body nests at most 127 levels (schema-guard's
/// `max_depth`) and a recursive schema spends about three nodes per level, so 256 refused
/// valid bodies; in wasm (wasmtime's 512 KiB stack) the heaviest path measured held 768
/// levels and trapped at 896, so 384 keeps half of that in reserve.
pub(crate) const MAX_DEPTH: usize = 384;

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// One step of a JSON Pointer, linked to its parent.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

type P<'a> = Option<&'a Path<'a>>;

fn render(path: P<'_>) -> String {
    let mut segs = Vec::new();
    let mut cur = path;
    while let Some(p) = cur {
        segs.push(p.seg);
        cur = p.parent;
    }
    let mut out = String::new();
    for s in segs.iter().rev() {
        out.push('/');
        match s {
            Seg::Key(k) => escape_token(k, &mut out),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// The schema resources entered so far, innermost first (the dynamic scope).
struct DynScope<'a> {
    parent: Option<&'a DynScope<'a>>,
    resource: u32,
}

/// Which properties (by position in the object) and items an evaluation covered.
#[derive(Default)]
struct Annotations {
    props: Vec<bool>,
    items: Vec<bool>,
}

impl Annotations {
    fn mark(list: &mut Vec<bool>, i: usize, len: usize) {
        if list.len() < len {
            list.resize(len, false);
        }
        if let Some(slot) = list.get_mut(i) {
            *slot = true;
        }
    }

    fn merge(&mut self, other: Annotations) {
        for (mine, theirs) in [
            (&mut self.props, other.props),
            (&mut self.items, other.items),
        ] {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), false);
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m |= t;
            }
        }
    }
}

#[inline]
fn merge_into(target: Option<&mut Annotations>, source: Option<Annotations>) {
    if let (Some(t), Some(s)) = (target, source) {
        t.merge(s);
    }
}

fn type_name(bit: u8) -> &'static str {
    types::NAMES
        .iter()
        .find(|(b, _)| *b == bit)
        .map_or("?", |(_, n)| n)
}

fn type_matches(v: &Value, bits: u8) -> bool {
    let bit = match v {
        Value::Null => types::NULL,
        Value::Bool(_) => types::BOOLEAN,
        Value::Object(_) => types::OBJECT,
        Value::Array(_) => types::ARRAY,
        Value::String(_) => types::STRING,
        Value::Number(n) => {
            if bits & types::NUMBER != 0 {
                return true;
            }
            return bits & types::INTEGER != 0 && num::is_integer(n);
        }
    };
    bits & bit != 0
}

fn schema_text(v: &Value) -> String {
    let text = v.to_string();
    if text.len() <= 120 {
        return text;
    }
    let mut end = 120;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

fn quoted_list(names: &[&str]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let verb = if names.len() == 1 { "was" } else { "were" };
    format!("{} {verb} unexpected", list.join(", "))
}

pub(crate) struct Evaluator<'v> {
    nodes: &'v [Node],
    collect: bool,
    limit: usize,
    pub(crate) errors: Vec<ValidationError>,
    pub(crate) truncated: bool,
    depth: usize,
    /// Set when the depth cap trips: the evaluation fails as a whole.
    aborted: bool,
}

impl<'v> Evaluator<'v> {
    /// `limit` = how many errors to collect (0: only decide validity).
    pub(crate) fn new(nodes: &'v [Node], limit: usize) -> Self {
        Evaluator {
            nodes,
            collect: limit > 0,
            limit,
            errors: Vec::new(),
            truncated: false,
            depth: 0,
            aborted: false,
        }
    }

    pub(crate) fn run(&mut self, root: NodeId, instance: &Value) -> bool {
        let valid = self.eval(root, instance, None, None, None, None);
        if self.aborted {
            // Keep only the error that says why: the others are consequences.
            self.errors.retain(|e| e.message.contains("nested deeper"));
            self.truncated = false;
        }
        valid && !self.aborted
    }

    fn fail(
        &mut self,
        ip: P<'_>,
        sp: P<'_>,
        keyword: &'static str,
        message: impl FnOnce() -> String,
    ) {
        if !self.collect {
            return;
        }
        if self.errors.len() >= self.limit {
            self.truncated = true;
            return;
        }
        self.errors.push(ValidationError {
            instance_path: render(ip),
            schema_path: render(sp),
            keyword,
            message: message(),
        });
    }

    /// Whether to keep going after a failure (collecting more errors).
    fn go_on(&self) -> bool {
        self.collect && !self.truncated && !self.aborted
    }

    /// Runs `f` with error collection off (for `anyOf`, `not`, `if`, ... whose subschema
    /// failures are not themselves errors).
    fn quietly<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.collect;
        self.collect = false;
        let out = f(self);
        self.collect = saved;
        out
    }

    fn eval(
        &mut self,
        id: NodeId,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        scope: Option<&DynScope<'_>>,
        out: Option<&mut Annotations>,
    ) -> bool {
        let nodes = self.nodes;
        let node = match nodes.get(id) {
            Some(Node::Keywords(k)) => k,
            Some(Node::Always(true)) => return true,
            _ => {
                self.fail(ip, sp, "false", || {
                    "False schema does not allow value".into()
                });
                return false;
            }
        };
        if self.aborted {
            return false;
        }
        if self.depth >= MAX_DEPTH {
            // Fatal for the whole evaluation: an enclosing `not` or `anyOf` must not turn it
            // into a verdict, so it is recorded even where errors are not collected.
            self.aborted = true;
            let collect = self.collect;
            self.collect = self.limit > 0;
            self.fail(ip, sp, "$ref", || {
                format!(
                    "schema evaluation nested deeper than {MAX_DEPTH} levels (a $ref cycle \
                     that makes no progress into the instance?)"
                )
            });
            self.collect = collect;
            return false;
        }
        self.depth += 1;
        let frame;
        let scope = if scope.map(|s| s.resource) == Some(node.resource) {
            scope
        } else {
            frame = DynScope {
                parent: scope,
                resource: node.resource,
            };
            Some(&frame)
        };
        let tracks = node.unevaluated_properties.is_some() || node.unevaluated_items.is_some();
        let mut local = (tracks || out.is_some()).then(Annotations::default);
        let mut valid = true;
        for kw in &node.checks {
            if !self.keyword(kw, inst, ip, sp, scope, local.as_mut()) {
                valid = false;
                if !self.go_on() {
                    break;
                }
            }
        }
        if (valid || self.go_on()) && tracks {
            if let Some(ann) = local.as_mut() {
                if let Some(u) = node.unevaluated_properties {
                    valid &= self.unevaluated(u, true, inst, ip, sp, scope, ann);
                }
                if let Some(u) = node.unevaluated_items {
                    if valid || self.go_on() {
                        valid &= self.unevaluated(u, false, inst, ip, sp, scope, ann);
                    }
                }
            }
        }
        self.depth -= 1;
        if valid {
            merge_into(out, local);
        }
        valid
    }

    #[allow(clippy::too_many_arguments)]
    fn unevaluated(
        &mut self,
        node: NodeId,
        properties: bool,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        scope: Option<&DynScope<'_>>,
        ann: &mut Annotations,
    ) -> bool {
        let name = if properties {
            "unevaluatedProperties"
        } else {
            "unevaluatedItems"
        };
        let ksp = Path {
            parent: sp,
            seg: Seg::Key(name),
        };
        let mut rejected: Vec<&str> = Vec::new();
        let mut rejected_items = 0usize;
        match (inst, properties) {
            (Value::Object(obj), true) => {
                let len = obj.len();
                for (i, (k, v)) in obj.iter().enumerate() {
                    if ann.props.get(i).copied().unwrap_or(false) {
                        continue;
                    }
                    let cip = Path {
                        parent: ip,
                        seg: Seg::Key(k),
                    };
                    if !self.quietly(|e| e.eval(node, v, Some(&cip), Some(&ksp), scope, None)) {
                        rejected.push(k);
                        if !self.go_on() {
                            break;
                        }
                    }
                    Annotations::mark(&mut ann.props, i, len);
                }
            }
            (Value::Array(items), false) => {
                let len = items.len();
                for (i, v) in items.iter().enumerate() {
                    if ann.items.get(i).copied().unwrap_or(false) {
                        continue;
                    }
                    let cip = Path {
                        parent: ip,
                        seg: Seg::Index(i),
                    };
                    if !self.quietly(|e| e.eval(node, v, Some(&cip), Some(&ksp), scope, None)) {
                        rejected_items += 1;
                        if !self.go_on() {
                            break;
                        }
                    }
                    Annotations::mark(&mut ann.items, i, len);
                }
            }
            _ => {}
        }
        if rejected.is_empty() && rejected_items == 0 {
            return true;
        }
        self.fail(ip, Some(&ksp), name, || {
            if properties {
                format!(
                    "Unevaluated properties are not allowed ({})",
                    quoted_list(&rejected)
                )
            } else {
                format!("Unevaluated items are not allowed ({rejected_items} items)")
            }
        });
        false
    }

    fn keyword(
        &mut self,
        kw: &'v Keyword,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        scope: Option<&DynScope<'_>>,
        ann: Option<&mut Annotations>,
    ) -> bool {
        let here = Path {
            parent: sp,
            seg: Seg::Key(kw.name),
        };
        let ksp = Some(&here);
        let name = kw.name;
        match &kw.check {
            Check::Ref(target) => self.eval(*target, inst, ip, ksp, scope, ann),
            Check::DynamicRef { target, candidates } => {
                let mut chosen = *target;
                if !candidates.is_empty() {
                    // The outermost resource in the dynamic scope with a matching anchor.
                    let mut cur = scope;
                    while let Some(s) = cur {
                        if let Some((_, node)) = candidates.iter().find(|(r, _)| *r == s.resource) {
                            chosen = *node;
                        }
                        cur = s.parent;
                    }
                }
                self.eval(chosen, inst, ip, ksp, scope, ann)
            }
            Check::Type(bits) => {
                if type_matches(inst, *bits) {
                    return true;
                }
                self.fail(ip, ksp, name, || {
                    let names: Vec<String> = types::NAMES
                        .iter()
                        .filter(|(b, _)| bits & b != 0)
                        .map(|(b, _)| format!("\"{}\"", type_name(*b)))
                        .collect();
                    if names.len() == 1 {
                        format!("value is not of type {}", names[0])
                    } else {
                        format!("value is not of types {}", names.join(", "))
                    }
                });
                false
            }
            Check::Const(expected) => {
                if num::equal(expected, inst) {
                    return true;
                }
                self.fail(ip, ksp, name, || {
                    format!("{} was expected", schema_text(expected))
                });
                false
            }
            Check::Enum(options) => {
                if options.iter().any(|o| num::equal(o, inst)) {
                    return true;
                }
                self.fail(ip, ksp, name, || {
                    format!(
                        "value is not one of {}",
                        schema_text(&Value::Array(options.clone()))
                    )
                });
                false
            }
            Check::MultipleOf(m) => match inst {
                Value::Number(n) if !num::is_multiple_of(n, m) => {
                    self.fail(ip, ksp, name, || format!("value is not a multiple of {m}"));
                    false
                }
                _ => true,
            },
            Check::Maximum(l)
            | Check::ExclusiveMaximum(l)
            | Check::Minimum(l)
            | Check::ExclusiveMinimum(l) => {
                let Value::Number(n) = inst else {
                    return true;
                };
                use std::cmp::Ordering::*;
                let ord = num::compare(n, l);
                let (ok, what) = match &kw.check {
                    Check::Maximum(_) => (ord != Some(Greater), "greater than the maximum of"),
                    Check::ExclusiveMaximum(_) => {
                        (ord == Some(Less), "greater than or equal to the maximum of")
                    }
                    Check::Minimum(_) => (ord != Some(Less), "less than the minimum of"),
                    _ => (ord == Some(Greater), "less than or equal to the minimum of"),
                };
                if !ok {
                    self.fail(ip, ksp, name, || format!("value is {what} {l}"));
                }
                ok
            }
            Check::MaxLength(limit) => match inst {
                Value::String(s)
                    if s.len() as u64 > *limit && s.chars().count() as u64 > *limit =>
                {
                    self.fail(ip, ksp, name, || {
                        format!("value is longer than {limit} characters")
                    });
                    false
                }
                _ => true,
            },
            Check::MinLength(limit) => match inst {
                Value::String(s)
                    if (s.len() as u64) < *limit || (s.chars().count() as u64) < *limit =>
                {
                    self.fail(ip, ksp, name, || {
                        format!("value is shorter than {limit} characters")
                    });
                    false
                }
                _ => true,
            },
            Check::Pattern(re) => match inst {
                Value::String(s) if !re.is_match(s) => {
                    self.fail(ip, ksp, name, || {
                        format!("value does not match \"{}\"", re.as_str())
                    });
                    false
                }
                _ => true,
            },
            Check::Format(f) => match inst {
                Value::String(s) if !f.check(s) => {
                    self.fail(ip, ksp, name, || format!("value is not a \"{}\"", f.name()));
                    false
                }
                _ => true,
            },
            Check::MaxItems(limit) => match inst {
                Value::Array(a) if a.len() as u64 > *limit => {
                    self.fail(ip, ksp, name, || {
                        format!("value has more than {limit} items")
                    });
                    false
                }
                _ => true,
            },
            Check::MinItems(limit) => match inst {
                Value::Array(a) if (a.len() as u64) < *limit => {
                    self.fail(ip, ksp, name, || {
                        format!("value has less than {limit} items")
                    });
                    false
                }
                _ => true,
            },
            Check::UniqueItems => match inst {
                Value::Array(a) if !num::all_unique(a) => {
                    self.fail(ip, ksp, name, || "value has non-unique elements".into());
                    false
                }
                _ => true,
            },
            Check::MaxProperties(limit) => match inst {
                Value::Object(o) if o.len() as u64 > *limit => {
                    self.fail(ip, ksp, name, || {
                        format!("value has more than {limit} properties")
                    });
                    false
                }
                _ => true,
            },
            Check::MinProperties(limit) => match inst {
                Value::Object(o) if (o.len() as u64) < *limit => {
                    self.fail(ip, ksp, name, || {
                        format!("value has less than {limit} properties")
                    });
                    false
                }
                _ => true,
            },
            Check::Required(..) => {
                self.required_keyword(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::DependentRequired(..) => {
                self.dependent_required(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::Dependencies(..) => {
                self.dependencies(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::DependentSchemas(..) => {
                self.dependent_schemas(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::AllOf(..) => self.all_of(&kw.check, inst, ip, sp, ksp, scope, ann, name),
            Check::AnyOf(..) => self.any_of(&kw.check, inst, ip, sp, ksp, scope, ann, name),
            Check::OneOf(..) => self.one_of(&kw.check, inst, ip, sp, ksp, scope, ann, name),
            Check::Not(..) => self.not_keyword(&kw.check, inst, ip, sp, ksp, scope, ann, name),
            Check::IfThenElse { .. } => {
                self.if_then_else(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::Properties(..) => {
                self.properties(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::PatternProperties(..) => {
                self.pattern_properties(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::AdditionalProperties { .. } => {
                self.additional_properties(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::PropertyNames(..) => {
                self.property_names(&kw.check, inst, ip, sp, ksp, scope, ann, name)
            }
            Check::Prefix(..) => self.prefix(&kw.check, inst, ip, sp, ksp, scope, ann, name),
            Check::Items { .. } => self.items(&kw.check, inst, ip, sp, ksp, scope, ann, name),
            Check::Contains { .. } => self.contains(&kw.check, inst, ip, sp, ksp, scope, ann, name),
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn required_keyword(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Required(names) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            self.required(obj, names, ip, ksp, name)
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn dependent_required(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::DependentRequired(deps) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let mut ok = true;
            for (trigger, names) in deps {
                if obj.contains_key(trigger) {
                    let dsp = Path {
                        parent: ksp,
                        seg: Seg::Key(trigger),
                    };
                    ok &= self.required(obj, names, ip, Some(&dsp), name);
                    if !ok && !self.go_on() {
                        break;
                    }
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn dependencies(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Dependencies(deps) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let mut ok = true;
            for (trigger, dep) in deps {
                if !obj.contains_key(trigger) {
                    continue;
                }
                let dsp = Path {
                    parent: ksp,
                    seg: Seg::Key(trigger),
                };
                ok &= match dep {
                    Dependency::Required(names) => self.required(obj, names, ip, Some(&dsp), name),
                    Dependency::Schema(node) => {
                        self.eval(*node, inst, ip, Some(&dsp), scope, ann.as_deref_mut())
                    }
                };
                if !ok && !self.go_on() {
                    break;
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn dependent_schemas(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::DependentSchemas(deps) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let mut ok = true;
            for (trigger, node) in deps {
                if obj.contains_key(trigger) {
                    let dsp = Path {
                        parent: ksp,
                        seg: Seg::Key(trigger),
                    };
                    ok &= self.eval(*node, inst, ip, Some(&dsp), scope, ann.as_deref_mut());
                    if !ok && !self.go_on() {
                        break;
                    }
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn all_of(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::AllOf(ids) = check else {
            return true;
        };
        {
            let mut ok = true;
            for (i, id) in ids.iter().enumerate() {
                let isp = Path {
                    parent: ksp,
                    seg: Seg::Index(i),
                };
                ok &= self.eval(*id, inst, ip, Some(&isp), scope, ann.as_deref_mut());
                if !ok && !self.go_on() {
                    break;
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn any_of(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::AnyOf(ids) = check else {
            return true;
        };
        {
            let tracking = ann.is_some();
            let mut any = false;
            for (i, id) in ids.iter().enumerate() {
                let isp = Path {
                    parent: ksp,
                    seg: Seg::Index(i),
                };
                let mut a = tracking.then(Annotations::default);
                if self.quietly(|e| e.eval(*id, inst, ip, Some(&isp), scope, a.as_mut())) {
                    any = true;
                    merge_into(ann.as_deref_mut(), a);
                    if !tracking {
                        break;
                    }
                }
            }
            if !any {
                self.fail(ip, ksp, name, || {
                    "value is not valid under any of the schemas listed in the 'anyOf' keyword"
                        .into()
                });
            }
            any
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn one_of(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::OneOf(ids) = check else {
            return true;
        };
        {
            let tracking = ann.is_some();
            let mut valid = 0;
            let mut kept = None;
            for (i, id) in ids.iter().enumerate() {
                let isp = Path {
                    parent: ksp,
                    seg: Seg::Index(i),
                };
                let mut a = tracking.then(Annotations::default);
                if self.quietly(|e| e.eval(*id, inst, ip, Some(&isp), scope, a.as_mut())) {
                    valid += 1;
                    kept = a;
                    if valid > 1 {
                        break;
                    }
                }
            }
            match valid {
                1 => {
                    merge_into(ann, kept);
                    true
                }
                0 => {
                    self.fail(ip, ksp, name, || {
                        "value is not valid under any of the schemas listed in the 'oneOf' keyword"
                            .into()
                    });
                    false
                }
                _ => {
                    self.fail(ip, ksp, name, || {
                            "value is valid under more than one of the schemas listed in the 'oneOf' keyword"
                                .into()
                        });
                    false
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn not_keyword(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Not(id) = check else {
            return true;
        };
        {
            if !self.quietly(|e| e.eval(*id, inst, ip, ksp, scope, None)) {
                return true;
            }
            self.fail(ip, ksp, name, || {
                "value is valid under the schema in 'not', which forbids it".into()
            });
            false
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn if_then_else(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::IfThenElse {
            condition,
            then,
            otherwise,
        } = check
        else {
            return true;
        };
        if ann.is_none() && then.is_none() && otherwise.is_none() {
            return true;
        }
        {
            let mut a = ann.is_some().then(Annotations::default);
            let holds = self.quietly(|e| e.eval(*condition, inst, ip, ksp, scope, a.as_mut()));
            let (branch, seg) = if holds {
                merge_into(ann.as_deref_mut(), a);
                (then, "then")
            } else {
                (otherwise, "else")
            };
            match branch {
                Some(node) => {
                    let bsp = Path {
                        parent: sp,
                        seg: Seg::Key(seg),
                    };
                    self.eval(*node, inst, ip, Some(&bsp), scope, ann)
                }
                None => true,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn properties(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Properties(props) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let mut ok = true;
            let len = obj.len();
            for (i, (k, v)) in obj.iter().enumerate() {
                let Ok(j) = props.binary_search_by(|p| by_length_then_bytes(&p.0, k)) else {
                    continue;
                };
                let cip = Path {
                    parent: ip,
                    seg: Seg::Key(k),
                };
                let csp = Path {
                    parent: ksp,
                    seg: Seg::Key(k),
                };
                ok &= self.eval(props[j].1, v, Some(&cip), Some(&csp), scope, None);
                if let Some(a) = ann.as_deref_mut() {
                    Annotations::mark(&mut a.props, i, len);
                }
                if !ok && !self.go_on() {
                    break;
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn pattern_properties(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::PatternProperties(pats) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let mut ok = true;
            let len = obj.len();
            'outer: for (i, (k, v)) in obj.iter().enumerate() {
                for (re, source, node) in pats {
                    if !re.is_match(k) {
                        continue;
                    }
                    let cip = Path {
                        parent: ip,
                        seg: Seg::Key(k),
                    };
                    let csp = Path {
                        parent: ksp,
                        seg: Seg::Key(source),
                    };
                    ok &= self.eval(*node, v, Some(&cip), Some(&csp), scope, None);
                    if let Some(a) = ann.as_deref_mut() {
                        Annotations::mark(&mut a.props, i, len);
                    }
                    if !ok && !self.go_on() {
                        break 'outer;
                    }
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn additional_properties(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::AdditionalProperties {
            node,
            known,
            patterns,
        } = check
        else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let forbidden = matches!(self.nodes.get(*node), Some(Node::Always(false)));
            let mut ok = true;
            let mut unexpected: Vec<&str> = Vec::new();
            let len = obj.len();
            for (i, (k, v)) in obj.iter().enumerate() {
                if known
                    .binary_search_by(|n| by_length_then_bytes(n, k))
                    .is_ok()
                    || patterns.iter().any(|p| p.is_match(k))
                {
                    continue;
                }
                if forbidden {
                    unexpected.push(k);
                    ok = false;
                    if !self.go_on() {
                        break;
                    }
                    continue;
                }
                let cip = Path {
                    parent: ip,
                    seg: Seg::Key(k),
                };
                ok &= self.eval(*node, v, Some(&cip), ksp, scope, None);
                if let Some(a) = ann.as_deref_mut() {
                    Annotations::mark(&mut a.props, i, len);
                }
                if !ok && !self.go_on() {
                    break;
                }
            }
            if !unexpected.is_empty() {
                self.fail(ip, ksp, name, || {
                    format!(
                        "Additional properties are not allowed ({})",
                        quoted_list(&unexpected)
                    )
                });
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn property_names(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::PropertyNames(node) = check else {
            return true;
        };
        {
            let Value::Object(obj) = inst else {
                return true;
            };
            let mut ok = true;
            for k in obj.keys() {
                let key = Value::String(k.clone());
                ok &= self.eval(*node, &key, ip, ksp, scope, None);
                if !ok && !self.go_on() {
                    break;
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn prefix(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Prefix(ids) = check else {
            return true;
        };
        {
            let Value::Array(items) = inst else {
                return true;
            };
            let mut ok = true;
            let len = items.len();
            for (i, (id, item)) in ids.iter().zip(items).enumerate() {
                let cip = Path {
                    parent: ip,
                    seg: Seg::Index(i),
                };
                let csp = Path {
                    parent: ksp,
                    seg: Seg::Index(i),
                };
                ok &= self.eval(*id, item, Some(&cip), Some(&csp), scope, None);
                if let Some(a) = ann.as_deref_mut() {
                    Annotations::mark(&mut a.items, i, len);
                }
                if !ok && !self.go_on() {
                    break;
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn items(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Items { start, node } = check else {
            return true;
        };
        {
            let Value::Array(items) = inst else {
                return true;
            };
            let mut ok = true;
            let len = items.len();
            for (i, item) in items.iter().enumerate().skip(*start) {
                let cip = Path {
                    parent: ip,
                    seg: Seg::Index(i),
                };
                ok &= self.eval(*node, item, Some(&cip), ksp, scope, None);
                if let Some(a) = ann.as_deref_mut() {
                    Annotations::mark(&mut a.items, i, len);
                }
                if !ok && !self.go_on() {
                    break;
                }
            }
            ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn contains(
        &mut self,
        check: &'v Check,
        inst: &Value,
        ip: P<'_>,
        sp: P<'_>,
        ksp: P<'_>,
        scope: Option<&DynScope<'_>>,
        mut ann: Option<&mut Annotations>,
        name: &'static str,
    ) -> bool {
        let _ = (&sp, &scope, &mut ann, name);
        let Check::Contains { node, min, max } = check else {
            return true;
        };
        {
            let Value::Array(items) = inst else {
                return true;
            };
            let len = items.len();
            let mut count = 0u64;
            for (i, item) in items.iter().enumerate() {
                let cip = Path {
                    parent: ip,
                    seg: Seg::Index(i),
                };
                if self.quietly(|e| e.eval(*node, item, Some(&cip), ksp, scope, None)) {
                    count += 1;
                    if let Some(a) = ann.as_deref_mut() {
                        Annotations::mark(&mut a.items, i, len);
                    }
                }
            }
            if count < *min {
                self.fail(ip, ksp, name, || {
                    if *min <= 1 {
                        "None of the items are valid under the given schema".into()
                    } else {
                        format!("Fewer than {min} items are valid under the given schema")
                    }
                });
                return false;
            }
            if let Some(max) = max {
                if count > *max {
                    self.fail(ip, ksp, "maxContains", || {
                        format!("More than {max} items are valid under the given schema")
                    });
                    return false;
                }
            }
            true
        }
    }

    fn required(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        names: &[String],
        ip: P<'_>,
        sp: P<'_>,
        keyword: &'static str,
    ) -> bool {
        let mut ok = true;
        for n in names {
            if !obj.contains_key(n) {
                ok = false;
                self.fail(ip, sp, keyword, || {
                    format!("\"{n}\" is a required property")
                });
                if !self.go_on() {
                    break;
                }
            }
        }
        ok
    }
}
