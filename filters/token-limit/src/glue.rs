//! Proxy-wasm contexts: the runtime's engine ([`Plugin`], [`Exchange`]) does the common work;
//! this adds what token limiting needs at the edges and the runtime has no hook for yet:
//! rate-limit headers on every response, `stream_options.include_usage` injection and
//! stripping, settling requests whose response never reached `on_response` (upstream errors,
//! terminated or aborted streams), shard-key preparation and cleanup on a tick.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use parapet_core::{framing_for, request_stream_usage, Framing, Limits};
use parapet_runtime::engine::{Exchange, Flow, Plugin};
use parapet_runtime::host::{Host, HttpHost, Level};
use parapet_runtime::metrics;
use parapet_runtime::proxy::WasmHost;
use parapet_runtime::{Filter, Mode};
use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, BufferType, ContextType, MapType};

use crate::filter::{now_ms, with_ticket, HostStore, Ticket, TokenLimit};
use crate::usage_chunk::UsageChunkStripper;

fn action(flow: Flow) -> Action {
    match flow {
        Flow::Continue => Action::Continue,
        Flow::Pause => Action::Pause,
    }
}

/// Root context: configuration, shard preparation, cleanup ticks.
pub struct Root {
    plugin: Option<Rc<Plugin<TokenLimit>>>,
}

impl Root {
    pub fn new() -> Self {
        Root { plugin: None }
    }
}

impl Default for Root {
    fn default() -> Self {
        Self::new()
    }
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let raw = hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
            .ok()
            .flatten();
        let plugin =
            match Plugin::<TokenLimit>::configure(raw.as_deref(), env!("CARGO_PKG_VERSION")) {
                Ok(p) => p,
                Err(e) => {
                    WasmHost.log(
                        Level::Error,
                        &format!("parapet {}: configuration rejected: {e}", TokenLimit::NAME),
                    );
                    return false;
                }
            };
        for ledger in plugin.filter.ledgers() {
            if let Err(e) = ledger.prepare(&HostStore(&WasmHost)) {
                WasmHost.log(
                    Level::Warn,
                    &format!("parapet token-limit: shared data: {e}"),
                );
            }
        }
        let _ = hostcalls::set_tick_period(Duration::from_millis(
            plugin.filter.cfg.cleanup_interval_ms,
        ));
        WasmHost.log(
            Level::Info,
            &format!(
                "parapet {} {}: configured (mode {})",
                TokenLimit::NAME,
                env!("CARGO_PKG_VERSION"),
                plugin.common.mode.as_str()
            ),
        );
        self.plugin = Some(Rc::new(plugin));
        true
    }

    fn on_tick(&mut self) {
        let Some(p) = &self.plugin else { return };
        let now = now_ms(&WasmHost);
        for ledger in p.filter.ledgers() {
            match ledger.cleanup(&HostStore(&WasmHost), now) {
                Ok(n) if n > 0 => WasmHost.increment_counter(
                    &metrics::name(TokenLimit::NAME, "identities_expired_total", &[]),
                    n as u64,
                ),
                Ok(_) => {}
                Err(e) => {
                    WasmHost.log(Level::Warn, &format!("parapet token-limit: cleanup: {e}"));
                    WasmHost.increment_counter(
                        &metrics::name(TokenLimit::NAME, "errors_total", &[("kind", "cleanup")]),
                        1,
                    );
                }
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        let ticket = Rc::new(RefCell::new(Ticket::default()));
        let exchange = with_ticket(&ticket, Exchange::<TokenLimit>::new);
        Some(Box::new(Http {
            plugin: self.plugin.clone(),
            exchange,
            ticket,
            stripper: None,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

/// One HTTP stream.
pub struct Http {
    plugin: Option<Rc<Plugin<TokenLimit>>>,
    exchange: Exchange<TokenLimit>,
    ticket: Rc<RefCell<Ticket>>,
    stripper: Option<UsageChunkStripper>,
}

impl Context for Http {}

impl Http {
    /// Adds `stream_options.include_usage` to an OpenAI stream request that lacks it, so the
    /// response carries exact usage; remembers to strip the extra chunk.
    fn inject_include_usage(&mut self, p: &Plugin<TokenLimit>, body_size: usize) {
        let info = self.exchange.info();
        if !p.filter.cfg.include_usage || p.common.mode != Mode::Enforce || !info.streaming {
            return;
        }
        if !self.ticket.borrow().inspected || self.ticket.borrow().refused {
            return;
        }
        let Some(body) = WasmHost.request_body(body_size) else {
            return;
        };
        let limits = Limits {
            max_bytes: p.common.max_body_bytes,
            ..Limits::default()
        };
        if let Ok(Some(new_body)) = request_stream_usage(info.api, &body, &limits) {
            WasmHost.replace_request_body(body.len(), &new_body);
            self.ticket.borrow_mut().strip_usage_chunk = true;
            WasmHost.increment_counter(
                &metrics::name(TokenLimit::NAME, "include_usage_added_total", &[]),
                1,
            );
        }
    }

    fn add_rate_limit_headers(&self) {
        for (name, value) in self.ticket.borrow().headers.pairs() {
            let _ = hostcalls::set_map_value(MapType::HttpResponseHeaders, name, Some(&value));
        }
    }

    fn settle_as(&self, p: &Plugin<TokenLimit>, used: parapet_tokens::budget::Amounts, how: &str) {
        let mut t = self.ticket.borrow_mut();
        if t.settled || !t.inspected {
            return;
        }
        if let Err(e) = p.filter.settle(&WasmHost, &mut t, used, how) {
            WasmHost.log(Level::Warn, &format!("parapet token-limit: settle: {e}"));
        }
    }
}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _n: usize, end_of_stream: bool) -> Action {
        match &self.plugin {
            Some(p) => action(
                self.exchange
                    .on_request_headers(p, &WasmHost, end_of_stream),
            ),
            None => Action::Continue,
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(p) = self.plugin.clone() else {
            return Action::Continue;
        };
        let flow = self
            .exchange
            .on_request_body(&p, &WasmHost, body_size, end_of_stream);
        if flow == Flow::Continue && end_of_stream {
            self.inject_include_usage(&p, body_size);
        }
        action(flow)
    }

    fn on_http_request_trailers(&mut self, _n: usize) -> Action {
        // Trailers end a request whose body never said end of stream: decide it now.
        let Some(p) = self.plugin.clone() else {
            return Action::Continue;
        };
        let before = self.ticket.borrow().inspected;
        let flow = self.exchange.on_request_trailers(&p, &WasmHost);
        if flow == Flow::Continue && !before && self.ticket.borrow().inspected {
            let size = WasmHost.request_body(usize::MAX).map_or(0, |b| b.len());
            self.inject_include_usage(&p, size);
        }
        action(flow)
    }

    fn on_http_response_headers(&mut self, _n: usize, end_of_stream: bool) -> Action {
        let Some(p) = self.plugin.clone() else {
            return Action::Continue;
        };
        let headers = WasmHost.response_headers();
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let status = get(":status")
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0);
        let refused = self.ticket.borrow().refused;
        if !refused && !(200..300).contains(&status) {
            // The upstream failed: nothing was generated, give the tokens back.
            self.settle_as(
                &p,
                parapet_tokens::budget::Amounts::default(),
                "upstream_error",
            );
        }
        if self.ticket.borrow().inspected {
            self.add_rate_limit_headers();
        }
        let ct = get("content-type").unwrap_or_default();
        if self.ticket.borrow().strip_usage_chunk
            && framing_for(&ct, self.exchange.info().api) == Framing::Sse
        {
            self.stripper = Some(UsageChunkStripper::new());
        }
        action(
            self.exchange
                .on_response_headers(&p, &WasmHost, end_of_stream),
        )
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(p) = self.plugin.clone() else {
            return Action::Continue;
        };
        let flow = self
            .exchange
            .on_response_body(&p, &WasmHost, body_size, end_of_stream);
        if let Some(s) = &mut self.stripper {
            let current = hostcalls::get_buffer(BufferType::HttpResponseBody, 0, usize::MAX)
                .ok()
                .flatten()
                .unwrap_or_default();
            let out = s.push(&current, end_of_stream);
            if out != current {
                WasmHost.replace_response_body(current.len(), &out);
            }
        }
        action(flow)
    }

    fn on_log(&mut self) {
        let Some(p) = self.plugin.clone() else { return };
        // No usage reached `on_response` (stream terminated or cut, error envelope with 2xx,
        // client gone): charge the estimate.
        let used = TokenLimit::estimated_usage(&self.ticket.borrow());
        let unsettled = {
            let t = self.ticket.borrow();
            t.inspected && !t.settled
        };
        if unsettled {
            WasmHost.increment_counter(
                &metrics::name(TokenLimit::NAME, "usage_missing_total", &[]),
                1,
            );
            self.settle_as(&p, used, "estimate");
        }
    }
}
