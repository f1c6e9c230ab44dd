"""Writes the Envoy configs of the benchmark into OUT_DIR (run by scripts/bench).

front-parapet.yaml: envoy-configs/parapet.yaml (the full chain, run from the bundle
    dist/parapet.wasm in one VM) with the benchmark's ports, no access log, and token-limit's
    budget raised so the load is never rate-limited.
front-parapet-nocache.yaml: the same with policy's decision cache off (decision_cache_entries 0).
front-modules.yaml: the same chain from the six per-filter modules (dist/<filter>.wasm), each in
    its own VM: what the bundle is compared with.
front-baseline.yaml: the very same listener, route and cluster with only the router filter.
upstream.yaml: a fast upstream (a second Envoy, direct_response): an OpenAI JSON answer, or
    the 200-event SSE stream when the request carries `x-bench-answer: sse`.

front-only-<filter>.yaml: the chain's listener with one Parapet filter, from its own module
    (names printed on stdout).
front-minus-<filter>.yaml: the full chain without that filter.
front-only-null.yaml: the same with only NULL_WASM (bench/null-filter: buffers and reads the
    bodies, nothing else), the floor any body-inspecting wasm filter pays.
front-null-chain.yaml: one NULL_WASM per filter of the chain, all in one VM like the chain's
    filters: the floor any chain of that many body-inspecting wasm filters pays.

Usage: envoy_configs.py REPO_ROOT OUT_DIR FRONT_PORT ADMIN_PORT UPSTREAM_PORT UPSTREAM_ADMIN_PORT NULL_WASM
"""
import copy
import json
import os
import sys

import yaml

root, out, front, admin, up, up_admin = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
null_wasm = sys.argv[7]
cfg = yaml.safe_load(open(os.path.join(root, "envoy-configs/parapet.yaml")))
cfg["admin"]["address"]["socket_address"]["port_value"] = admin
listener = cfg["static_resources"]["listeners"][0]
listener["address"]["socket_address"]["port_value"] = front
hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
hcm.pop("access_log", None)
for f in hcm["http_filters"]:
    tc = f.get("typed_config", {})
    conf = tc.get("config")
    if not conf:
        continue
    code = conf["vm_config"]["code"]["local"]
    # scripts/bench snapshots dist/ into PARAPET_BENCH_DIST (a rebuild during the run changes nothing).
    dist = os.environ.get("PARAPET_BENCH_DIST")
    code["filename"] = os.path.join(dist, os.path.basename(code["filename"])) if dist else os.path.join(root, code["filename"])
    if conf.get("name") == "token-limit":
        c = json.loads(conf["configuration"]["value"])
        c["tokens_per_minute"] = 1_000_000_000
        conf["configuration"]["value"] = json.dumps(c)
cluster = cfg["static_resources"]["clusters"][0]
ep = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
ep["address"]["socket_address"]["port_value"] = up
yaml.safe_dump(cfg, open(os.path.join(out, "front-parapet.yaml"), "w"), sort_keys=False)

# The same chain with policy's decision cache off: wrk repeats one request, so with the cache
# every decision after the first is a hit; this config shows what evaluating each one costs.
nocache = copy.deepcopy(cfg)
for f in nocache["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"]:
    conf = f.get("typed_config", {}).get("config")
    if conf and conf.get("name") == "policy":
        c = json.loads(conf["configuration"]["value"])
        c["decision_cache_entries"] = 0
        conf["configuration"]["value"] = json.dumps(c)
yaml.safe_dump(nocache, open(os.path.join(out, "front-parapet-nocache.yaml"), "w"), sort_keys=False)


def standalone(f):
    """The filter entry `f` run from its own module (dist/<filter>.wasm) in its own VM."""
    conf = f["typed_config"]["config"]
    code = conf["vm_config"]["code"]["local"]
    code["filename"] = os.path.join(os.path.dirname(code["filename"]), conf["name"] + ".wasm")
    conf["vm_config"]["vm_id"] = "parapet_" + conf["name"].replace("-", "_")
    return f


modules = copy.deepcopy(cfg)
for f in modules["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"]:
    if f.get("typed_config", {}).get("config"):
        standalone(f)
yaml.safe_dump(modules, open(os.path.join(out, "front-modules.yaml"), "w"), sort_keys=False)

base = copy.deepcopy(cfg)
bhcm = base["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
bhcm["http_filters"] = [f for f in bhcm["http_filters"] if f["name"] == "envoy.filters.http.router"]
base.pop("stats_config", None)
yaml.safe_dump(base, open(os.path.join(out, "front-baseline.yaml"), "w"), sort_keys=False)

# front-only-<filter>.yaml: the chain's listener with one Parapet filter and the router, to
# see where the chain's cost goes (written for every filter of the chain; names on stdout).
for f in hcm["http_filters"]:
    conf = f.get("typed_config", {}).get("config")
    if not conf:
        continue
    one = copy.deepcopy(cfg)
    ohcm = one["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    ohcm["http_filters"] = [standalone(g) if g["name"] == f["name"] else g
                            for g in ohcm["http_filters"]
                            if g["name"] in (f["name"], "envoy.filters.http.router")]
    yaml.safe_dump(one, open(os.path.join(out, f"front-only-{conf['name']}.yaml"), "w"), sort_keys=False)
    minus = copy.deepcopy(cfg)
    mhcm = minus["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    mhcm["http_filters"] = [g for g in mhcm["http_filters"] if g["name"] != f["name"]]
    yaml.safe_dump(minus, open(os.path.join(out, f"front-minus-{conf['name']}.yaml"), "w"), sort_keys=False)
    print(conf["name"])

# The null filters: the chain's first wasm filter with its code, name and VM swapped for
# NULL_WASM (no configuration). front-only-null.yaml has one; front-null-chain.yaml as many
# as the chain has wasm filters, in one VM like the chain's filters (one root context each).
wasm_filters = [f for f in hcm["http_filters"] if f.get("typed_config", {}).get("config")]
donor = wasm_filters[0]


def null_filter(suffix):
    n = copy.deepcopy(donor)
    n["name"] = f"bench.null{suffix}"
    nconf = n["typed_config"]["config"]
    nconf["name"] = f"null{suffix}"
    nconf["root_id"] = f"null{suffix}"
    nconf.pop("configuration", None)
    nconf["vm_config"]["vm_id"] = "bench_null"
    nconf["vm_config"]["code"]["local"]["filename"] = null_wasm
    return n


def write_with_filters(filters, name):
    c = copy.deepcopy(cfg)
    c.pop("stats_config", None)
    chcm = c["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    chcm["http_filters"] = filters + [g for g in chcm["http_filters"] if g["name"] == "envoy.filters.http.router"]
    yaml.safe_dump(c, open(os.path.join(out, name), "w"), sort_keys=False)


write_with_filters([null_filter("")], "front-only-null.yaml")
write_with_filters([null_filter(i) for i in range(len(wasm_filters))], "front-null-chain.yaml")

bodies = os.path.join(out, "bodies")
upstream = {
    "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": up_admin}}},
    "static_resources": {"listeners": [{
        "name": "fast_upstream",
        "address": {"socket_address": {"address": "127.0.0.1", "port_value": up}},
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix": "fast_upstream",
                "route_config": {
                    "name": "answers",
                    "max_direct_response_body_size_bytes": 1048576,
                    "virtual_hosts": [{"name": "answers", "domains": ["*"], "routes": [
                        {"match": {"prefix": "/", "headers": [{"name": "x-bench-answer", "string_match": {"exact": "sse"}}]},
                         "direct_response": {"status": 200, "body": {"filename": os.path.join(bodies, "sse_200.txt")}},
                         "response_headers_to_add": [{"header": {"key": "content-type", "value": "text/event-stream"}}]},
                        {"match": {"prefix": "/"},
                         "direct_response": {"status": 200, "body": {"filename": os.path.join(bodies, "answer_1k.json")}},
                         "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"}}]},
                    ]}],
                },
                "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
            }}]}],
    }]},
}
yaml.safe_dump(upstream, open(os.path.join(out, "upstream.yaml"), "w"), sort_keys=False)
