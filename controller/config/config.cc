// SPDX-License-Identifier: GPL-2.0
#include "config/config.h"

#include <array>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/printable.h"
#include "common/sealed_file.h"
#include "config/json_reader.h"
#include "datapath/interface_config.h"
#include "guard/mac.h"
#include "lists/rule_options.h"
#include "xdpguard_guard.h"
#include "absl/strings/numbers.h"

namespace xdpguard::config {
namespace {

using json = nlohmann::json;

constexpr uint64_t kDay = 86400;
constexpr size_t kMaxConfigBytes = 4u << 20;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char ch : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(ch)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
      return false;
  }
  return true;
}

bool ValidCountry(const std::string& cc) {
  return cc.size() == 2 && absl::ascii_isupper(static_cast<unsigned char>(cc[0])) &&
         absl::ascii_isupper(static_cast<unsigned char>(cc[1]));
}

// "scheme://user:password@host/...": credentials in the authority.
bool UrlHasUserinfo(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return false;
  start += 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start).find('@') != std::string::npos;
}

// Query parameters that carry secrets have no place in a URL (logs, proxies, status).
bool UrlHasSecretParam(const std::string& url) {
  size_t q = url.find('?');
  if (q == std::string::npos) return false;
  std::string query = absl::AsciiStrToLower(url.substr(q + 1));
  for (const char* name : {"key=", "apikey=", "api_key=", "token="}) {
    if (absl::StartsWith(query, name) || absl::StrContains(query, absl::StrCat("&", name))) return true;
  }
  return false;
}

// A JSON value as the rule model's text: integers in decimal, strings as they are for
// string fields; anything else as JSON, which the model then refuses with its own words.
std::string NumberText(const json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

// The config's face of the one rule model (lists/rule_options.h): action, "ratelimit"
// {pps, burst, bps, per}, ports, new_only and (static entries) comment, every problem
// reported at its JSON path.
// comment: where a static entry's comment goes (feeds have none: null).
// flat_limits: the rate limit's fields may also sit beside "action" ({"action":
// "ratelimit", "pps": 10}), the short form of a CrowdSec decision type's rule.
void ReadRule(ObjectReader& r, Errors* errors, bool allow_pass, lists::RuleOptions* rule,
              std::string* comment = nullptr, bool flat_limits = false) {
  lists::RuleInput in;
  in.action = r.String("action");
  bool limits_flat = false;
  if (flat_limits && !r.Has("ratelimit")) {
    for (auto [key, field] : {std::pair{"pps", &in.pps}, {"burst", &in.burst}, {"bps", &in.bps}}) {
      if (const json* v = r.Raw(key)) *field = NumberText(*v);
    }
    in.per = r.String("per");
    limits_flat = true;
  }
  if (const json* rl = r.Object("ratelimit")) {
    ObjectReader l(*rl, r.PathOf("ratelimit"), errors);
    for (auto [key, field] : {std::pair{"pps", &in.pps}, {"burst", &in.burst}, {"bps", &in.bps}}) {
      if (const json* v = l.Raw(key)) *field = NumberText(*v);
    }
    in.per = l.String("per");
    // An empty object is still a rate limit given: "per" has a default, so saying it
    // lets the model report {} as "only valid with ..." or "needs pps" like any other.
    if (!in.pps && !in.burst && !in.bps && !in.per) in.per = std::string("source");
  }
  if (const json* ports = r.Array("ports")) {
    std::vector<std::string> parts;
    for (const json& p : *ports) parts.push_back(NumberText(p));
    in.ports = absl::StrJoin(parts, ",");
  }
  in.new_only = r.Bool("new_only").value_or(false);
  if (comment) in.comment = r.String("comment");
  lists::ParsedRule parsed;
  for (const lists::RuleProblem& p : lists::ParseRule(in, allow_pass, &parsed)) {
    if (!limits_flat && (p.field == "pps" || p.field == "burst" || p.field == "bps" || p.field == "per")) {
      errors->Add(absl::StrCat(r.PathOf("ratelimit"), ".", p.field), p.message);
    } else {
      r.Error(p.field, p.message);
    }
  }
  *rule = parsed.options;
  if (comment) *comment = parsed.comment;
}

void ReadFeed(const json& value, const std::string& path, Errors* errors, feeds::FeedConfig* f) {
  ObjectReader r(value, path, errors);
  f->name = r.String("name", true).value_or("");
  if (r.Has("name") && !f->name.empty() && !ValidName(f->name))
    r.Error("name", absl::StrCat("\"", f->name, "\" is not a valid feed name (1-32 of a-z 0-9 - _)"));
  std::string format = r.String("format", true).value_or("");
  if (!format.empty()) {
    absl::StatusOr<feeds::Format> fm = feeds::ParseFormatName(format);
    if (fm.ok()) {
      f->format = *fm;
    } else {
      r.Error("format", std::string(fm.status().message()));
    }
  }
  f->url = r.String("url").value_or("");
  f->path = r.String("path").value_or("");
  if (f->url.empty() == f->path.empty()) {
    r.Error("url", "exactly one of \"url\" (http/https) and \"path\" (a local file) is required");
  } else if (!f->url.empty()) {
    if (!absl::StartsWith(f->url, "https://") && !absl::StartsWith(f->url, "http://"))
      r.Error("url", absl::StrCat("expected an http:// or https:// URL, found \"", f->url, "\""));
    if (UrlHasSecretParam(f->url))
      r.Error("url", "contains a key/token query parameter: put secrets in api_key_env or api_key_file");
    if (UrlHasUserinfo(f->url))
      r.Error("url", "contains user:password@: credentials in a URL end up in logs and status; "
                     "put secrets in api_key_env or api_key_file");
  } else if (f->path[0] != '/') {
    r.Error("path", absl::StrCat("expected an absolute path, found \"", f->path, "\""));
  }
  f->api_key_env = r.String("api_key_env").value_or("");
  f->api_key_file = r.String("api_key_file").value_or("");
  if (!f->api_key_env.empty() && !f->api_key_file.empty())
    r.Error("api_key_env", "give api_key_env or api_key_file, not both");
  bool is_abuseipdb = f->format == feeds::Format::kAbuseIpdb;
  bool is_crowdsec = f->format == feeds::Format::kCrowdsec;
  if ((!f->api_key_env.empty() || !f->api_key_file.empty()) && !is_abuseipdb && !is_crowdsec)
    r.Error(f->api_key_env.empty() ? "api_key_file" : "api_key_env",
            "only the abuseipdb and crowdsec formats send an API key");
  if (is_abuseipdb && f->api_key_env.empty() && f->api_key_file.empty() && !f->url.empty())
    r.Error("api_key_env", "missing: the AbuseIPDB API needs a key (api_key_env or api_key_file)");
  if (is_crowdsec && f->url.find('?') != std::string::npos)
    r.Error("url", "expected the Local API's base URL (e.g. http://127.0.0.1:8080) without a query: "
                   "xdpguard adds the stream's path and parameters");
  if (is_crowdsec && f->api_key_env.empty() && f->api_key_file.empty() && !f->url.empty())
    r.Error("api_key_file", "missing: a CrowdSec bouncer needs its key (`cscli bouncers add NAME`) in api_key_file or api_key_env");
  if (const json* t = r.Object("types")) {
    if (!is_crowdsec) r.Error("types", "only valid with format \"crowdsec\"");
    for (const auto& [type, spec] : t->items()) {
      const std::string path = absl::StrCat(r.PathOf("types"), ".", type);
      if (!ValidName(absl::AsciiStrToLower(type))) {
        errors->Add(path, absl::StrCat("\"", type, "\" is not a decision type (1-32 of a-z 0-9 - _)"));
        continue;
      }
      if (!spec.is_object()) {
        errors->Add(path, "expected a rule like {\"action\": \"ratelimit\", \"pps\": 10}");
        continue;
      }
      ObjectReader tr(spec, path, errors);
      lists::RuleOptions rule;
      ReadRule(tr, errors, /*allow_pass=*/false, &rule, nullptr, /*flat_limits=*/true);
      f->decision_types[type] = rule;
    }
  }

  if (const json* a = r.Object("abuseipdb")) {
    ObjectReader ar(*a, r.PathOf("abuseipdb"), errors);
    if (!is_abuseipdb) r.Error("abuseipdb", "only valid with format \"abuseipdb\"");
    if (auto v = ar.Int("confidence_minimum", 25, 100)) f->abuseipdb.confidence_minimum = static_cast<int>(*v);
    if (auto v = ar.Int("limit", 1, 10000000)) f->abuseipdb.limit = static_cast<int>(*v);
    if (auto v = ar.Int("ip_version", 4, 6)) {
      if (*v == 5) ar.Error("ip_version", "expected 4 or 6, found 5");
      else f->abuseipdb.ip_version = static_cast<int>(*v);
    }
    for (const char* key : {"only_countries", "except_countries"}) {
      std::vector<std::string> cc = ar.Strings(key).value_or(std::vector<std::string>{});
      for (const std::string& c : cc) {
        if (!ValidCountry(c)) ar.Error(key, absl::StrCat("expected ISO 3166 alpha-2 codes like \"US\", found \"", c, "\""));
      }
      (std::string(key) == "only_countries" ? f->abuseipdb.only_countries : f->abuseipdb.except_countries) = cc;
    }
    if (!f->abuseipdb.only_countries.empty() && !f->abuseipdb.except_countries.empty())
      ar.Error("only_countries", "give only_countries or except_countries, not both");
  }
  if (const json* a = r.Object("aws")) {
    ObjectReader ar(*a, r.PathOf("aws"), errors);
    if (f->format != feeds::Format::kAwsIpRanges) r.Error("aws", "only valid with format \"aws-ip-ranges\"");
    f->options.aws.services = ar.Strings("services").value_or(std::vector<std::string>{});
    f->options.aws.regions = ar.Strings("regions").value_or(std::vector<std::string>{});
    f->options.aws.network_border_groups = ar.Strings("network_border_groups").value_or(std::vector<std::string>{});
  }
  if (f->format == feeds::Format::kAwsIpRanges && f->options.aws.services.empty())
    r.Error("aws", "aws.services is required (e.g. [\"EC2\"]); \"AMAZON\" is the superset of all services and is used only when named");
  if (const json* p = r.Object("plain")) {
    ObjectReader pr(*p, r.PathOf("plain"), errors);
    if (f->format != feeds::Format::kPlain) r.Error("plain", "only valid with format \"plain\"");
    std::string layout = pr.String("layout").value_or("list");
    if (layout == "dshield") {
      f->options.plain.dshield_columns = true;
    } else if (layout != "list") {
      pr.Error("layout", absl::StrCat("expected \"list\" or \"dshield\", found \"", layout, "\""));
    }
  }

  // AbuseIPDB allows 5 blacklist pulls a day on a free key: default to every 6 hours. A
  // CrowdSec stream pull returns only what changed: every 10 s by default, down to 1 s.
  uint64_t default_interval = is_abuseipdb ? 6 * 3600 : is_crowdsec ? 10 : 3600;
  f->interval_s = r.Duration("interval", is_crowdsec ? 1 : 60, 7 * kDay).value_or(default_interval);

  ReadRule(r, errors, /*allow_pass=*/false, &f->rule);

  f->limits.max_entries = static_cast<size_t>(r.Int("max_entries", 1, 100000000).value_or(1000000));
  f->limits.min_prefix_v4 = static_cast<int>(r.Int("min_prefix_v4", 1, 32).value_or(net::kMinPrefixV4));
  f->limits.min_prefix_v6 = static_cast<int>(r.Int("min_prefix_v6", 1, 128).value_or(net::kMinPrefixV6));
  f->max_shrink = r.Number("max_shrink", 0.0, 1.0).value_or(0.5);
  f->max_bytes = static_cast<uint64_t>(r.Int("max_bytes", 1024, int64_t{4} << 30).value_or(64 << 20));
  f->ca_file = r.String("ca_file").value_or("");
  if (!f->ca_file.empty() && f->ca_file[0] != '/')
    r.Error("ca_file", absl::StrCat("expected an absolute path, found \"", f->ca_file, "\""));
  f->timeout_s = r.Duration("timeout", 1, 3600).value_or(60);
  f->connect_timeout_s = r.Duration("connect_timeout", 1, 600).value_or(10);
}

// A CIDR from the config: strict syntax, the prefix floor, host bits refused (a config
// under version control should say what it means).
std::optional<net::Cidr> ReadCidr(const json& v, const std::string& path, Errors* errors) {
  if (!v.is_string()) {
    errors->Add(path, absl::StrCat("expected a CIDR string, found ", Describe(v)));
    return std::nullopt;
  }
  absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(v.get<std::string>());
  if (!c.ok()) {
    errors->Add(path, std::string(c.status().message()));
    return std::nullopt;
  }
  if (c->host_bits_masked) {
    errors->Add(path, absl::StrCat("\"", v.get<std::string>(), "\" has host bits set (did you mean ",
                                   c->cidr.ToString(), "?)"));
    return std::nullopt;
  }
  if (!net::CheckPrefixFloor(c->cidr, false).ok()) {
    errors->Add(path, absl::StrCat("refusing ", c->cidr.ToString(), ": shorter than /",
                                   c->cidr.family == net::Family::kIPv4 ? net::kMinPrefixV4 : net::kMinPrefixV6,
                                   ", it covers too much of the Internet"));
    return std::nullopt;
  }
  return c->cidr;
}

void ReadInterfaces(const json& list, Errors* errors, Config* cfg) {
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); i++) {
    std::string path = absl::StrCat("interfaces[", i, "]");
    ObjectReader r(list[i], path, errors);
    InterfaceConfig ic;
    ic.name = r.String("name", true).value_or("");
    if (r.Has("name") && (ic.name.empty() || ic.name.size() > 15 || ic.name.find('/') != std::string::npos))
      r.Error("name", absl::StrCat("\"", ic.name, "\" is not an interface name (1-15 characters)"));
    else if (!ic.name.empty() && !names.insert(ic.name).second)
      r.Error("name", absl::StrCat("interface \"", ic.name, "\" is listed twice"));
    if (auto m = r.String("mode")) {
      absl::StatusOr<datapath::AttachMode> mode = datapath::ParseAttachMode(*m);
      if (mode.ok()) ic.mode = *mode;
      else r.Error("mode", std::string(mode.status().message()));
    }
    ic.monitor = r.Bool("monitor").value_or(false);
    if (auto f = r.String("flows")) {
      absl::StatusOr<uint8_t> mode = datapath::ParseFlowMode(*f);
      if (mode.ok()) ic.flow_mode = *mode;
      else r.Error("flows", std::string(mode.status().message()));
    }
    for (const char* key : {"drop_sample", "pass_sample"}) {
      std::optional<int64_t> n = r.Int(key, 1, 1024);
      if (!n) continue;
      absl::StatusOr<uint8_t> shift = datapath::SampleRateToShift(static_cast<uint32_t>(*n), key);
      if (!shift.ok()) {
        r.Error(key, std::string(shift.status().message()));
        continue;
      }
      (std::string(key) == "drop_sample" ? ic.drop_sample_shift : ic.pass_sample_shift) = *shift;
    }
    cfg->interfaces.push_back(ic);
  }
}

void ReadMapSizes(const json& value, Errors* errors, datapath::MapSizes* sizes) {
  ObjectReader r(value, "maps", errors);
  struct {
    const char* key;
    uint32_t* field;
  } fields[] = {{"block_v4_entries", &sizes->block_v4}, {"block_v6_entries", &sizes->block_v6},
                {"allow_v4_entries", &sizes->allow_v4}, {"allow_v6_entries", &sizes->allow_v6},
                {"rule_stats_entries", &sizes->rule_stats}, {"bucket_entries", &sizes->buckets},
                {"flow_entries", &sizes->flows}};
  for (auto& f : fields) {
    if (auto n = r.Int(f.key, 1, 100000000)) *f.field = static_cast<uint32_t>(*n);
  }
}

void ReadStaticLists(ObjectReader& top, Errors* errors, Config* cfg) {
  if (const json* allow = top.Array("allowlist")) {
    for (size_t i = 0; i < allow->size(); i++) {
      if (auto c = ReadCidr((*allow)[i], absl::StrCat("allowlist[", i, "]"), errors)) cfg->allowlist.push_back(*c);
    }
  }
  if (const json* block = top.Array("blocklist")) {
    std::set<net::Cidr> seen;
    for (size_t i = 0; i < block->size(); i++) {
      std::string path = absl::StrCat("blocklist[", i, "]");
      StaticBlockEntry e;
      // A bare CIDR string is shorthand for {"cidr": ...} with the default rule.
      if ((*block)[i].is_string()) {
        if (auto c = ReadCidr((*block)[i], path, errors)) {
          e.cidr = *c;
          if (!seen.insert(*c).second) errors->Add(path, absl::StrCat(c->ToString(), " is listed twice"));
        }
        cfg->blocklist.push_back(e);
        continue;
      }
      ObjectReader r((*block)[i], path, errors);
      const json* cidr = r.Has("cidr") ? &(*block)[i]["cidr"] : nullptr;
      (void)r.String("cidr", true);  // marks the key known; type errors come from ReadCidr
      if (cidr && cidr->is_string()) {
        if (auto c = ReadCidr(*cidr, r.PathOf("cidr"), errors)) {
          e.cidr = *c;
          if (!seen.insert(*c).second) r.Error("cidr", absl::StrCat(c->ToString(), " is listed twice"));
        }
      }
      ReadRule(r, errors, /*allow_pass=*/true, &e.rule, &e.comment);
      cfg->blocklist.push_back(e);
    }
  }
}

void ReadGuards(const json& list, Errors* errors, Config* cfg) {
  for (size_t i = 0; i < list.size(); i++) {
    std::string path = absl::StrCat("guards[", i, "]");
    ObjectReader r(list[i], path, errors);
    GuardConfig g;
    g.interface = r.String("interface", true).value_or("");
    if (auto gw = r.String("gateway", true)) {
      absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(*gw);
      if (!c.ok() || c->cidr.prefixlen != c->cidr.MaxPrefixLen() || gw->find('/') != std::string::npos)
        r.Error("gateway", absl::StrCat("expected an IPv4 or IPv6 address, found \"", *gw, "\""));
      else g.gateway = c->cidr;
    }
    g.macs = r.Strings("macs").value_or(std::vector<std::string>{});
    for (const std::string& m : g.macs) {
      if (!guard::ParseMac(m).ok()) r.Error("macs", absl::StrCat("\"", m, "\" is not a MAC address (aa:bb:cc:dd:ee:ff)"));
    }
    if (g.macs.size() > XG_GUARD_MAX_MACS)
      r.Error("macs", absl::StrCat("at most ", XG_GUARD_MAX_MACS, " MACs per gateway"));
    g.drop = r.Bool("drop").value_or(false);
    cfg->guards.push_back(g);
  }
}

// "127.0.0.1:9469" or "[::1]:9469".
// The listen address's host, when s is a valid "host:port" / "[v6]:port".
std::optional<net::Cidr> ListenHost(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = s.substr(0, colon), port = s.substr(colon + 1);
  int p = 0;
  if (port.empty() || port.size() > 5 || !absl::SimpleAtoi(port, &p) || p < 1 || p > 65535) return std::nullopt;
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(host);
  if (!c.ok() || host.find('/') != std::string::npos) return std::nullopt;
  return c->cidr;
}

bool IsLoopback(const net::Cidr& host) {
  if (host.family == net::Family::kIPv4) return host.addr[0] == 127;
  static const std::array<uint8_t, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return host.addr == kV6Loopback;
}

void ReadServiceSections(ObjectReader& top, Errors* errors, Config* cfg) {
  if (const json* m = top.Object("metrics")) {
    ObjectReader r(*m, "metrics", errors);
    cfg->metrics.enabled = r.Bool("enabled").value_or(true);
    cfg->metrics.listen = r.String("listen").value_or(cfg->metrics.listen);
    std::optional<net::Cidr> host = ListenHost(cfg->metrics.listen);
    if (host && !IsLoopback(*host))
      cfg->warnings.push_back(absl::StrCat(
          "metrics.listen ", cfg->metrics.listen, " is not a loopback address: whoever reaches it "
          "reads the lists' sizes, hit counts and feed health (keep it on 127.0.0.1 or firewall it)"));
    if (!host)
      r.Error("listen", absl::StrCat("expected ADDRESS:PORT such as \"127.0.0.1:9469\" or \"[::1]:9469\", found \"",
                                     cfg->metrics.listen, "\""));
  }
  if (const json* l = top.Object("log")) {
    ObjectReader r(*l, "log", errors);
    std::string format = r.String("format").value_or("json");
    if (format != "json" && format != "text")
      r.Error("format", absl::StrCat("expected \"json\" or \"text\", found \"", format, "\""));
    cfg->log.json = format == "json";
    cfg->log.level = r.String("level").value_or("info");
    if (cfg->log.level != "debug" && cfg->log.level != "info" && cfg->log.level != "warn" && cfg->log.level != "error")
      r.Error("level", absl::StrCat("expected debug, info, warn or error, found \"", cfg->log.level, "\""));
  }
}

}  // namespace

absl::StatusOr<Config> ParseConfig(const std::string& text, const std::string& source) {
  // JSON lets a key repeat and the parser keeps the last one: a second "pin_dir" lower in
  // a long file would silently win. The parse callback sees every key of every object
  // (one set of keys per open object) and records the repeats.
  std::vector<std::set<std::string>> open_objects;
  std::vector<std::string> duplicates;
  json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.empty() &&
        !open_objects.back().insert(parsed.get<std::string>()).second)
      duplicates.push_back(parsed.get<std::string>());
    return true;
  };
  json root = json::parse(text, watch, false);
  if (root.is_discarded()) {
    // Re-parse with exceptions only to get the position for the message.
    try {
      json again = json::parse(text);  // throws here, with the position
      (void)again;
    } catch (const json::exception& e) {
      // parse_error (syntax) or out_of_range (a number too large for any type, 1e400):
      // both are the file's fault, never a reason to abort.
      return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON: ", e.what()));
    }
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  }
  if (!duplicates.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& d : duplicates) quoted.push_back(absl::StrCat("\"", Printable(d), "\""));
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": key ", absl::StrJoin(quoted, ", "),
        " given twice in one object (JSON keeps only the last one; say it once)"));
  }
  Config cfg;
  cfg.source = source;
  cfg.raw = root;
  Errors errors;
  {
    ObjectReader r(root, "", &errors);
    cfg.state_dir = r.String("state_dir").value_or(kDefaultStateDir);
    if (cfg.state_dir.empty() || cfg.state_dir[0] != '/')
      r.Error("state_dir", absl::StrCat("expected an absolute path, found \"", cfg.state_dir, "\""));
    cfg.pin_dir = r.String("pin_dir").value_or("");
    if (!cfg.pin_dir.empty() && cfg.pin_dir.rfind("/sys/fs/bpf/", 0) != 0)
      r.Error("pin_dir", absl::StrCat("expected a directory under /sys/fs/bpf/, found \"", cfg.pin_dir, "\""));
    else if (absl::StrContains(absl::StrCat(cfg.pin_dir, "/"), "/../") || absl::StrContains(absl::StrCat(cfg.pin_dir, "/"), "/./"))
      r.Error("pin_dir", absl::StrCat("\"", cfg.pin_dir, "\" has a . or .. component: name the directory itself"));
    if (const json* maps = r.Object("maps")) ReadMapSizes(*maps, &errors, &cfg.map_sizes);
    if (const json* ifs = r.Array("interfaces")) ReadInterfaces(*ifs, &errors, &cfg);
    ReadStaticLists(r, &errors, &cfg);
    if (const json* guards = r.Array("guards")) ReadGuards(*guards, &errors, &cfg);
    ReadServiceSections(r, &errors, &cfg);
    if (const json* p = r.Object("protect")) {
      ObjectReader pr(*p, "protect", &errors);
      cfg.protect.block_private = pr.Bool("block_private").value_or(false);
      std::vector<std::string> nb = pr.Strings("never_block").value_or(std::vector<std::string>{});
      for (size_t i = 0; i < nb.size(); i++) {
        absl::StatusOr<net::ParsedCidr> c = net::ParseCidr(nb[i]);
        if (!c.ok()) {
          errors.Add(absl::StrCat("protect.never_block[", i, "]"), std::string(c.status().message()));
        } else {
          cfg.protect.never_block.push_back(c->cidr);
        }
      }
    }
    if (const json* feeds = r.Array("feeds")) {
      std::set<std::string> names;
      for (size_t i = 0; i < feeds->size(); i++) {
        std::string path = absl::StrCat("feeds[", i, "]");
        feeds::FeedConfig f;
        ReadFeed((*feeds)[i], path, &errors, &f);
        if (!f.name.empty() && !names.insert(f.name).second)
          errors.Add(path + ".name", absl::StrCat("duplicate feed name \"", f.name, "\""));
        cfg.feeds.push_back(std::move(f));
      }
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", errors.messages().size(),
                                                   errors.messages().size() == 1 ? " error" : " errors",
                                                   ":\n  ", absl::StrJoin(errors.messages(), "\n  ")));
  }
  return cfg;
}

absl::StatusOr<Config> LoadConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path, kMaxConfigBytes);
  // An oversized file is a bad config (exit 2), like any other content the reader refuses.
  if (absl::IsResourceExhausted(text.status())) return absl::InvalidArgumentError(text.status().message());
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path);
}

bool Config::SectionChanged(const Config& other, const std::string& key) const {
  auto value = [&key](const nlohmann::json& j) { return j.is_object() && j.contains(key) ? j[key] : nlohmann::json(); };
  return value(raw) != value(other.raw);
}

}  // namespace xdpguard::config
