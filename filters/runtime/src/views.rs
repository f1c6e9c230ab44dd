//! One parse per body for the filters of a bundle.
//!
//! Each filter reads the body through its own host call and parses it into a view. In a bundle
//! (one module, one VM per worker, see [`crate::bundle`]) the filters of a chain run one after
//! the other on the same bytes: Envoy hands the finished request body to each filter in turn
//! within one event. Parsing a 2 KB chat request or a 1 KB answer costs each filter 6–8 µs in
//! wasm; with sharing on, the first filter's view is kept (owning its texts, with the body
//! bytes it came from) and a later filter whose body is byte-for-byte the same, under the same
//! API and limits, gets that view instead of parsing again. A filter that rewrote the body
//! changes the bytes, so the filters after it parse the new body.
//!
//! A view is shared within one request only (its `x-request-id`): a later request with the
//! same bytes parses again, as it would in separate modules. Same bytes give the same view, so
//! this is not for correctness: it keeps a load that repeats one request from measuring a
//! chain that parses once per worker instead of once per request.
//!
//! Off by default: a module with one filter would only pay for the copies.
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;
use std::thread::LocalKey;

use parapet_core::{parse_request, parse_response, Api, FormatError, Limits};
use parapet_core::{RequestView, ResponseView};

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    static REQUEST: Slot<RequestView<'static>> = const { RefCell::new(None) };
    static RESPONSE: Slot<ResponseView<'static>> = const { RefCell::new(None) };
}

/// Turns sharing on for this thread (a bundle's VM).
pub fn share() {
    ENABLED.set(true);
}

/// A view kept with the bytes and settings it was parsed from.
pub struct Kept<V> {
    request: Option<String>,
    api: Api,
    limits: Limits,
    body: Vec<u8>,
    view: V,
}

/// A view of the body: borrowed from it, or shared with the filters before.
pub enum View<'a, V: 'static, B> {
    Own(B),
    Shared(Rc<Kept<V>>, PhantomData<&'a ()>),
}

pub type Request<'a> = View<'a, RequestView<'static>, RequestView<'a>>;
pub type Response<'a> = View<'a, ResponseView<'static>, ResponseView<'a>>;

impl<'a> Deref for Request<'a> {
    type Target = RequestView<'a>;
    fn deref(&self) -> &RequestView<'a> {
        match self {
            View::Own(v) => v,
            View::Shared(kept, _) => &kept.view,
        }
    }
}

impl<'a> Deref for Response<'a> {
    type Target = ResponseView<'a>;
    fn deref(&self) -> &ResponseView<'a> {
        match self {
            View::Own(v) => v,
            View::Shared(kept, _) => &kept.view,
        }
    }
}

/// [`parse_request`], or the view a filter before this one made of the same bytes in the same
/// request (`request`: its id).
pub fn request<'a>(
    request: Option<&str>,
    api: Api,
    body: &'a [u8],
    limits: &Limits,
) -> Result<Request<'a>, FormatError> {
    view(
        &REQUEST,
        request,
        api,
        body,
        limits,
        parse_request,
        RequestView::into_owned,
    )
}

/// [`parse_response`], or the view a filter before this one made of the same bytes in the same
/// request (`request`: its id).
pub fn response<'a>(
    request: Option<&str>,
    api: Api,
    body: &'a [u8],
    limits: &Limits,
) -> Result<Response<'a>, FormatError> {
    view(
        &RESPONSE,
        request,
        api,
        body,
        limits,
        parse_response,
        ResponseView::into_owned,
    )
}

type Slot<V> = RefCell<Option<Rc<Kept<V>>>>;

/// `parse(body)`, kept in `slot` (owning its texts) when sharing is on, or the view already
/// there when it was made of the same bytes, API and limits in the same request.
fn view<'a, V: 'static, B>(
    slot: &'static LocalKey<Slot<V>>,
    request: Option<&str>,
    api: Api,
    body: &'a [u8],
    limits: &Limits,
    parse: fn(Api, &'a [u8], &Limits) -> Result<B, FormatError>,
    into_owned: fn(B) -> V,
) -> Result<View<'a, V, B>, FormatError> {
    if !ENABLED.get() {
        return parse(api, body, limits).map(View::Own);
    }
    if let Some(kept) = slot.with_borrow(|k| {
        k.as_ref()
            .filter(|k| k.matches(request, api, body, limits))
            .cloned()
    }) {
        return Ok(View::Shared(kept, PhantomData));
    }
    let kept = Rc::new(Kept {
        request: request.map(str::to_string),
        api,
        limits: *limits,
        body: body.to_vec(),
        view: into_owned(parse(api, body, limits)?),
    });
    slot.set(Some(kept.clone()));
    Ok(View::Shared(kept, PhantomData))
}

impl<V> Kept<V> {
    fn matches(&self, request: Option<&str>, api: Api, body: &[u8], limits: &Limits) -> bool {
        self.request.as_deref() == request
            && self.api == api
            && self.limits == *limits
            && self.body == body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::detect;

    const R1: Option<&str> = Some("r1");

    fn chat(text: &str) -> Vec<u8> {
        format!(r#"{{"model":"m","messages":[{{"role":"user","content":"{text}"}}]}}"#).into_bytes()
    }

    #[test]
    fn shared_views_equal_fresh_ones_and_other_bytes_or_limits_are_parsed_again() {
        let api = detect("/v1/chat/completions", None);
        let limits = Limits::default();
        let (a, b) = (chat("hello \\u00e9"), chat("other"));
        let fresh_a = parse_request(api, &a, &limits).unwrap();
        let fresh_b = parse_request(api, &b, &limits).unwrap();
        share();
        let copy = a.clone();
        let first = request(R1, api, &a, &limits).unwrap();
        let again = request(R1, api, &copy, &limits).unwrap();
        assert_eq!(*first, fresh_a);
        assert_eq!(*again, fresh_a);
        assert!(same(&first, &again), "the second filter parsed again");
        let other = request(R1, api, &b, &limits).unwrap();
        assert_eq!(*other, fresh_b);
        assert!(!same(&first, &other));
        let strict = Limits {
            max_depth: 3,
            ..limits
        };
        let stricter = request(R1, api, &b, &strict).unwrap();
        assert!(!same(&other, &stricter));
        // Errors are the parser's own, and are not kept.
        assert!(request(R1, api, b"{not json", &limits).is_err());
        assert!(same(&stricter, &request(R1, api, &b, &strict).unwrap()));
        // The next request parses its own, even with the very same bytes.
        let next = request(Some("r2"), api, &b, &strict).unwrap();
        assert_eq!(*next, fresh_b);
        assert!(!same(&stricter, &next));
        assert!(same(&next, &request(Some("r2"), api, &b, &strict).unwrap()));
    }

    #[test]
    fn responses_are_shared_the_same_way() {
        let api = detect("/v1/chat/completions", None);
        let limits = Limits::default();
        let body = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"#;
        share();
        let copy = body.to_vec();
        let first = response(R1, api, body, &limits).unwrap();
        let again = response(R1, api, &copy, &limits).unwrap();
        assert_eq!(*again, parse_response(api, body, &limits).unwrap());
        let (View::Shared(x, _), View::Shared(y, _)) = (&first, &again) else {
            panic!("not shared");
        };
        assert!(Rc::ptr_eq(x, y));
        let View::Shared(z, _) = response(None, api, body, &limits).unwrap() else {
            panic!("not shared");
        };
        assert!(
            !Rc::ptr_eq(x, &z),
            "another request got this request's view"
        );
    }

    fn same(a: &Request, b: &Request) -> bool {
        matches!((a, b), (View::Shared(x, _), View::Shared(y, _)) if Rc::ptr_eq(x, y))
    }
}
