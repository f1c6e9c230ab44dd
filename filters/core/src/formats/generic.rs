//! Generic mode for unknown JSON: every string value is a segment.

use crate::api::Api;
use crate::json::NodeRef;
use crate::view::{At, Collector, RequestView, ResponseView, Role, SegmentKind};

pub(crate) fn request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    view.stream = root.get("stream").as_bool().unwrap_or(false);
    c.all_strings(root, At::top(Role::User), SegmentKind::Other, "");
    view.segments = c.segments;
    view
}

pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    c.all_strings(root, At::top(Role::Assistant), SegmentKind::Other, "");
    view.segments = c.segments;
    view
}
