//! The floor of a body-inspecting proxy-wasm filter, for scripts/bench: buffers the request
//! and response bodies (as every Parapet filter does), reads each whole body once into the
//! VM, and lets it through unchanged. No parsing, no detectors, no logs, no metrics.
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root) });
}}

struct Root;
impl Context for Root {}
impl RootContext for Root {
    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Null))
    }
    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Null;
impl Context for Null {}
impl HttpContext for Null {
    fn on_http_request_body(&mut self, size: usize, end_of_stream: bool) -> Action {
        if !end_of_stream {
            return Action::Pause;
        }
        std::hint::black_box(self.get_http_request_body(0, size));
        Action::Continue
    }
    fn on_http_response_body(&mut self, size: usize, end_of_stream: bool) -> Action {
        if !end_of_stream {
            return Action::Pause;
        }
        std::hint::black_box(self.get_http_response_body(0, size));
        Action::Continue
    }
}
