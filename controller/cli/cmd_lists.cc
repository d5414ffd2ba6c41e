// SPDX-License-Identifier: GPL-2.0
// block and allow: the operator's manual entries. Every input is validated in full before
// anything is written (a bad line names file, line and text, and nothing is applied), and
// writes are all-or-nothing under the pin-directory lock.
#include <arpa/inet.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/rule_flags.h"
#include "cli/commands.h"
#include "session/session.h"
#include "common/duration.h"
#include "common/printable.h"
#include "datapath/counters.h"
#include "datapath/rule_counter_sets.h"
#include "lists/manual_rules.h"
#include "lists/reconciler.h"
#include "net/cidr_list.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {
namespace {

using datapath::PrefixTable;
using net::Cidr;

using lists::OriginName;

// A JSON string literal. Plain printable ASCII (nearly every value) is quoted directly, the
// rest goes through nlohmann (escapes, UTF-8 checks): the streamed listing of a million
// entries spends its time here.
std::string JsonString(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return nlohmann::json(s).dump();
  return absl::StrCat("\"", s, "\"");
}

// Parses one CIDR argument, warning about normalisation and applying the prefix floor.
absl::StatusOr<Cidr> CidrArgument(const std::string& text, bool force) {
  absl::StatusOr<net::ParsedCidr> p = net::ParseCidr(text);
  if (!p.ok()) return p.status();
  if (p->host_bits_masked)
    spdlog::warn("host bits masked: {} -> {}", text, p->cidr.ToString());
  if (p->from_mapped_v4) spdlog::info("IPv4-mapped address stored as {}", p->cidr.ToString());
  if (absl::Status s = net::CheckPrefixFloor(p->cidr, force); !s.ok()) return s;
  return p->cidr;
}

absl::StatusOr<net::CidrList> ReadList(const std::string& path, bool force) {
  net::CidrListOptions opts;
  opts.force = force;
  if (path != "-") return net::LoadCidrListFile(path, opts);
  std::ostringstream buf;
  std::string chunk(1 << 16, '\0');
  size_t total = 0;
  while (std::cin.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) ||
         std::cin.gcount() > 0) {
    total += static_cast<size_t>(std::cin.gcount());
    if (total > opts.max_bytes)
      return absl::InvalidArgumentError("stdin: input exceeds the size limit; nothing applied");
    buf.write(chunk.data(), std::cin.gcount());
  }
  return net::ParseCidrList(buf.str(), "stdin", opts);
}

std::map<Cidr, xg_counter> RuleHits(const datapath::PinnedMaps& maps) {
  std::map<Cidr, xg_counter> out;
  absl::StatusOr<std::vector<datapath::RuleCounter>> rules = datapath::ReadRuleCounters(maps);
  if (rules.ok())
    for (const auto& r : *rules) out[r.cidr] = r.counter;
  return out;
}

// --origin: manual (the default) or fail2ban (its action bans and unbans with it).
absl::StatusOr<uint16_t> OriginFlag(const Args& args) {
  const std::string v = args.Value("origin").value_or("manual");
  if (v == "manual") return lists::kOriginManual;
  if (v == "fail2ban") return lists::kOriginFail2ban;
  return absl::InvalidArgumentError(absl::StrCat("--origin: expected manual or fail2ban, got '", v, "'"));
}

// An entry that already drops everything from its prefix, whatever the packet.
bool PlainDrop(const xg_rule& r) {
  return r.action == XG_ACTION_DROP && !(r.flags & (XG_RULE_MONITOR | XG_RULE_NEW_ONLY)) &&
         r.nports == 0 && r.expires_ns == 0;
}

int BlockAdd(const Context& ctx, const Args& args) {
  if (args.positionals().size() != 2)
    return Fail(absl::InvalidArgumentError("usage: block add CIDR [--ttl D] [--monitor] ..."));
  absl::StatusOr<Cidr> cidr = CidrArgument(args.positionals()[1], args.Has("force"));
  if (!cidr.ok()) return Fail(cidr.status());
  absl::StatusOr<lists::ParsedRule> parsed = RuleFromFlags(args);
  if (!parsed.ok()) return Fail(parsed.status());
  const lists::RuleOptions* opts = &parsed->options;
  const std::string& comment = parsed->comment;

  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  PrefixTable<xg_rule> table = ws->maps->Blocklist();
  absl::StatusOr<std::optional<xg_rule>> prior = table.Get(*cidr);
  if (!prior.ok()) return Fail(prior.status());
  absl::StatusOr<uint16_t> origin = OriginFlag(args);
  if (!origin.ok()) return Fail(origin.status());
  // A ban never weakens what another source holds for the prefix: a permanent drop there
  // is kept (and survives the unban, which removes fail2ban's entries only).
  if (*origin == lists::kOriginFail2ban && *prior && (*prior)->origin != lists::kOriginFail2ban &&
      PlainDrop(**prior)) {
    std::cout << "kept " << cidr->ToString() << ": already dropped by " << OriginName((*prior)->origin)
              << "\n";
    return kExitOk;
  }
  xg_rule rule = lists::MakeManualRule(*cidr, *opts, lists::MonotonicNowNs(),
                                       lists::RealtimeNowS());
  rule.origin = *origin;
  if (absl::Status s = table.Upsert({{*cidr, rule}}); !s.ok()) return Fail(s);
  lists::CommentStore comments(ws->maps->map(XG_MAP_COMMENTS));
  if (absl::Status s = comments.Set(*cidr, comment); !s.ok())
    spdlog::warn("entry written, comment not stored: {}", std::string(s.message()));
  if (*prior && (*prior)->origin != *origin)
    spdlog::info("{} was listed by {}; it is now a {} entry", cidr->ToString(),
                 OriginName((*prior)->origin), OriginName(*origin));
  std::cout << (*prior ? "updated " : "added ") << cidr->ToString() << " ("
            << lists::DescribeRule(rule) << (opts->monitor ? ", monitor" : "")
            << (opts->ttl_seconds ? ", expires in " + FormatSeconds(opts->ttl_seconds) : "")
            << ")\n";
  return kExitOk;
}

template <typename V>
int DeleteEntry(const Context& ctx, const Args& args, bool blocklist) {
  if (args.positionals().size() != 2)
    return Fail(absl::InvalidArgumentError(blocklist ? "usage: block del CIDR [--origin manual|fail2ban]"
                                                     : "usage: allow del CIDR"));
  absl::StatusOr<net::ParsedCidr> p = net::ParseCidr(args.positionals()[1]);
  if (!p.ok()) return Fail(p.status());
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  absl::Status st;
  if constexpr (std::is_same_v<V, xg_rule>) {
    absl::StatusOr<uint16_t> origin = OriginFlag(args);
    if (!origin.ok()) return Fail(origin.status());
    if (args.Has("origin")) {
      // An unban removes the entry only while it is still that origin's: a feed, the config
      // or the operator may have listed the prefix since, and keep it.
      absl::StatusOr<std::optional<xg_rule>> cur = ws->maps->Blocklist().Get(p->cidr);
      if (!cur.ok()) return Fail(cur.status());
      if (!*cur) {
        std::cout << "not listed: " << p->cidr.ToString() << "\n";
        return kExitOk;
      }
      if ((*cur)->origin != *origin) {
        std::cout << "kept " << p->cidr.ToString() << ": listed by " << OriginName((*cur)->origin)
                  << ", not " << OriginName(*origin) << "\n";
        return kExitOk;
      }
    }
    st = ws->maps->Blocklist().Delete({p->cidr});
    if (st.ok()) {
      // Forget the comment and the hit counter, so a later entry for the same CIDR starts
      // clean. Both are absent-tolerant; failing here would not undo the delete anyway.
      (void)lists::CommentStore(ws->maps->map(XG_MAP_COMMENTS)).Erase(p->cidr);
      (void)datapath::ForgetRuleCounter(ws->maps->map(XG_MAP_RULE_STATS)->fd(), p->cidr);
    }
  } else {
    st = ws->maps->Allowlist().Delete({p->cidr});
  }
  if (!st.ok()) return Fail(st);
  std::cout << "deleted " << p->cidr.ToString() << "\n";
  return kExitOk;
}

int BlockLoad(const Context& ctx, const Args& args) {
  if (args.positionals().size() != 2)
    return Fail(absl::InvalidArgumentError("usage: block load FILE|- [--replace] ..."));
  absl::StatusOr<lists::ParsedRule> parsed = RuleFromFlags(args);
  if (!parsed.ok()) return Fail(parsed.status());
  const lists::RuleOptions* opts = &parsed->options;
  // Parse and validate everything before taking the lock or touching a map.
  absl::StatusOr<net::CidrList> list = ReadList(args.positionals()[1], args.Has("force"));
  if (!list.ok()) return Fail(list.status());
  for (const std::string& w : list->warnings) spdlog::warn("{}", w);

  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  PrefixTable<xg_rule> table = ws->maps->Blocklist();
  uint64_t now_mono = lists::MonotonicNowNs(), now_real = lists::RealtimeNowS();
  std::vector<PrefixTable<xg_rule>::Entry> entries;
  entries.reserve(list->entries.size());
  for (const auto& e : list->entries)
    entries.push_back({e.cidr, lists::MakeManualRule(e.cidr, *opts, now_mono, now_real)});
  const size_t loaded = entries.size();
  std::vector<net::CidrListEntry>().swap(list->entries);  // 28 MB at 1M, copied into entries
  size_t removed = 0;
  if (!args.Has("replace")) {
    if (absl::Status s = table.Upsert(entries); !s.ok()) return Fail(s);
  } else {
    // The file becomes the whole set of manual entries, through the one reconciler: adds
    // and updates first, deletes after, so a prefix in both the old and the new list is
    // enforced throughout. Feed and config entries are not the operator's manual ones:
    // the file may overwrite their prefixes, never delete them.
    static const lists::Owner<xg_rule> manual{
        "manual", [](const xg_rule& r) { return r.origin == lists::kOriginManual; }, {}};
    absl::StatusOr<lists::AppliedSet> before = lists::AppliedFromMaps(table, manual);
    if (!before.ok()) return Fail(before.status());
    absl::StatusOr<lists::Reconciled> r = lists::Reconcile(&table, manual, *before, std::move(entries), {});
    if (!r.ok()) return Fail(r.status());
    lists::CommentStore comments(ws->maps->map(XG_MAP_COMMENTS));
    for (const Cidr& c : r->result.removed) (void)comments.Erase(c);
    removed = r->result.deleted;
  }
  std::cout << "loaded " << loaded << " entries from " << args.positionals()[1];
  if (list->duplicates) std::cout << " (" << list->duplicates << " duplicates skipped)";
  if (args.Has("replace")) std::cout << ", removed " << removed << " manual entries not in it";
  std::cout << "\n";
  return kExitOk;
}

// block list's filters: --origin (manual, fail2ban, config, a feed's name or feed:N),
// --action (drop, pass, ratelimit; monitor = entries in monitor mode) and --cidr (entries
// that contain the prefix or lie inside it). All given ones must match.
struct ListFilter {
  std::optional<std::string> origin, action;
  std::optional<Cidr> cidr;

  bool any() const { return origin || action || cidr; }
  bool Matches(const Cidr& c, const xg_rule& r, const lists::OriginNames& names) const {
    if (origin && *origin != names.Name(r.origin) && *origin != OriginName(r.origin)) return false;
    if (action) {
      const bool monitor = r.flags & XG_RULE_MONITOR;
      if (*action == "monitor" ? !monitor : (monitor || *action != lists::ActionName(r.action))) return false;
    }
    if (cidr && !(c.family == cidr->family && (c.Contains(*cidr) || cidr->Contains(c)))) return false;
    return true;
  }
};

absl::StatusOr<ListFilter> ParseListFilter(const Args& args) {
  ListFilter f;
  f.origin = args.Value("origin");
  f.action = args.Value("action");
  if (f.action && *f.action != "drop" && *f.action != "pass" && *f.action != "ratelimit" &&
      *f.action != "monitor")
    return absl::InvalidArgumentError(
        absl::StrCat("--action: expected drop, pass, ratelimit or monitor, got '", *f.action, "'"));
  if (std::optional<std::string> c = args.Value("cidr")) {
    absl::StatusOr<net::ParsedCidr> p = net::ParseCidr(*c);
    if (!p.ok()) return absl::InvalidArgumentError(absl::StrCat("--cidr: ", p.status().message()));
    f.cidr = p->cidr;
  }
  return f;
}

int BlockList(const Context& ctx, const Args& args) {
  absl::StatusOr<ListFilter> filter = ParseListFilter(args);
  if (!filter.ok()) return Fail(filter.status());
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  absl::StatusOr<PrefixTable<xg_rule>::Sorted> entries = (*maps)->Blocklist().ListSorted();
  if (!entries.ok()) return Fail(entries.status());
  std::map<Cidr, xg_counter> hits = RuleHits(**maps);
  absl::StatusOr<std::map<Cidr, std::string>> comments =
      lists::CommentStore((*maps)->map(XG_MAP_COMMENTS)).All();
  if (!comments.ok()) return Fail(comments.status());
  uint64_t now = lists::MonotonicNowNs();
  const lists::OriginNames names = OriginNamesFor(args);
  // Streamed, one entry at a time: a million entries held as one JSON document took
  // gigabytes and many seconds.
  const bool json = args.Has("json");
  // Big writes: with stdio's 4 KiB a listing of a million entries made 60,000 system calls.
  static char out_buffer[1 << 20];
  std::setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
  std::string buf;
  if (json) std::fputs("[", stdout);
  else
    std::printf("%-43s %-9s %-12s %-10s %12s  %s\n", "CIDR", "ACTION", "ORIGIN", "EXPIRES",
                "PACKETS", "RULE / COMMENT");
  size_t n = 0;
  entries->Visit([&](const Cidr& cidr, const xg_rule& value) {
    if (filter->any() && !filter->Matches(cidr, value, names)) return;
    auto hit = hits.find(cidr);
    const xg_counter h = hit != hits.end() ? hit->second : xg_counter{};
    auto found = comments->find(cidr);
    const std::string comment = found != comments->end() ? found->second : "";
    const bool expired = lists::IsExpired(value, now);
    const bool expiring = value.expires_ns && !expired;
    const uint64_t expires_in_s = expiring ? (value.expires_ns - now) / 1000000000ull : 0;
    const std::string action = lists::ActionName(value.action);
    const std::string rule = lists::DescribeRule(value);
    if (json) {
      buf = n ? ",\n  {" : "\n  {";
      absl::StrAppend(&buf, "\"cidr\":\"", cidr.ToString(), "\",\"family\":\"",
                      cidr.family == net::Family::kIPv4 ? "ipv4" : "ipv6",
                      "\",\"action\":", JsonString(action),
                      ",\"monitor\":", (value.flags & XG_RULE_MONITOR) ? "true" : "false",
                      ",\"origin\":", JsonString(OriginName(value.origin)),
                      ",\"origin_name\":", JsonString(names.Name(value.origin)),
                      ",\"created\":", value.created_s, ",\"expired\":", expired ? "true" : "false",
                      ",\"expires_in_s\":", expiring ? absl::StrCat(expires_in_s) : "null",
                      ",\"packets\":", h.packets, ",\"bytes\":", h.bytes,
                      ",\"comment\":", JsonString(comment), ",");
      // RuleDetails' members without the braces. They are the same for every plain rule
      // (no scope, no rate limit), so those reuse one rendering instead of building it.
      static const std::string kPlainDetails = RuleDetailsJson(xg_rule{}).dump();
      const bool plain = !(value.flags & XG_RULE_NEW_ONLY) && value.nports == 0 &&
                         value.action != XG_ACTION_RATELIMIT;
      const std::string details = plain ? kPlainDetails : RuleDetailsJson(value).dump();
      absl::StrAppend(&buf, absl::string_view(details).substr(1, details.size() - 2),
                      ",\"rule\":", JsonString(rule), "}");
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      n++;
      return;
    }
    std::string shown = action + ((value.flags & XG_RULE_MONITOR) ? "*" : "");
    std::string detail = rule == action ? "" : rule;  // plain drop/pass: nothing more to say
    // Escaped for the terminal: a comment stored by an older build (or written to the map by
    // other means) could hold escape sequences that clear the screen or forge lines.
    std::string safe_comment = Printable(comment, XG_COMMENT_MAX);
    if (!detail.empty() && !safe_comment.empty()) detail += "  # ";
    detail += safe_comment;
    std::string expires = expired ? "expired" : expiring ? FormatSeconds(expires_in_s) : "never";
    std::printf("%-43s %-9s %-12s %-10s %12llu  %s\n", cidr.ToString().c_str(), shown.c_str(),
                names.Name(value.origin).c_str(), expires.c_str(),
                static_cast<unsigned long long>(h.packets), detail.c_str());
    n++;
  });
  if (json) {
    std::fputs(n ? "\n]\n" : "]\n", stdout);
    return kExitOk;
  }
  if (filter->any())
    std::printf("%zu of %zu entries match (* = monitor: counted as would-drop, passed)\n", n,
                entries->size());
  else
    std::printf("%zu entries (* = monitor: counted as would-drop, passed)\n", n);
  return kExitOk;
}

int AllowAdd(const Context& ctx, const Args& args) {
  if (args.positionals().size() != 2)
    return Fail(absl::InvalidArgumentError("usage: allow add CIDR [--force]"));
  absl::StatusOr<Cidr> cidr = CidrArgument(args.positionals()[1], args.Has("force"));
  if (!cidr.ok()) return Fail(cidr.status());
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  xg_allow value{};
  value.origin = lists::kOriginManual;
  if (absl::Status s = ws->maps->Allowlist().Upsert({{*cidr, value}}); !s.ok())
    return Fail(s);
  std::cout << "allowed " << cidr->ToString() << " (always passes, before the blocklist)\n";
  return kExitOk;
}

int AllowList(const Context& ctx, const Args& args) {
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  absl::StatusOr<PrefixTable<xg_allow>::Sorted> entries = (*maps)->Allowlist().ListSorted();
  if (!entries.ok()) return Fail(entries.status());
  const lists::OriginNames names = OriginNamesFor(args);
  nlohmann::json out = nlohmann::json::array();
  entries->Visit([&](const Cidr& cidr, const xg_allow& value) {
    out.push_back({{"cidr", cidr.ToString()}, {"origin", OriginName(value.origin)},
                   {"origin_name", names.Name(value.origin)}});
  });
  if (args.Has("json")) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& j : out)
    std::cout << j["cidr"].get<std::string>() << "  " << j["origin_name"].get<std::string>() << "\n";
  std::cout << out.size() << " entries\n";
  return kExitOk;
}

}  // namespace

// The JSON fields of a rule's limits and scope (stable names).
nlohmann::json RuleDetailsJson(const xg_rule& r) {
  nlohmann::json j = {{"new_only", (r.flags & XG_RULE_NEW_ONLY) != 0},
                      {"ports", nlohmann::json::array()}};
  for (int i = 0; i < r.nports && i < XG_MAX_PORTS; i++) j["ports"].push_back(ntohs(r.ports[i]));
  if (r.action == XG_ACTION_RATELIMIT) {
    j["ratelimit"] = {{"pps", r.rl_pps},
                      {"burst", r.rl_burst},
                      {"bps", r.rl_bps},
                      {"per", r.rl_per == XG_RL_PER_RULE ? "rule" : "source"}};
  }
  return j;
}

int RunBlock(const Context& ctx, const Argv& argv) {
  FlagSpec spec{{"monitor", "force", "replace", "json", "new-only"},
                {"action", "ttl", "comment", "pps", "burst", "bps", "per", "ports", "config", "origin",
                 "cidr"}};
  absl::StatusOr<Args> args = Args::Parse(argv, spec);
  if (!args.ok()) return Fail(args.status());
  const std::string sub = args->positionals().empty() ? "" : args->positionals()[0];
  if (sub == "add") return BlockAdd(ctx, *args);
  if (sub == "del") return DeleteEntry<xg_rule>(ctx, *args, true);
  if (sub == "list") return BlockList(ctx, *args);
  if (sub == "load") return BlockLoad(ctx, *args);
  return Fail(absl::InvalidArgumentError("usage: block add|del|list|load ..."));
}

int RunAllow(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"force", "json"}, {"config"}});
  if (!args.ok()) return Fail(args.status());
  const std::string sub = args->positionals().empty() ? "" : args->positionals()[0];
  if (sub == "add") return AllowAdd(ctx, *args);
  if (sub == "del") return DeleteEntry<xg_allow>(ctx, *args, false);
  if (sub == "list") return AllowList(ctx, *args);
  return Fail(absl::InvalidArgumentError("usage: allow add|del|list ..."));
}

}  // namespace xdpguard::cli
