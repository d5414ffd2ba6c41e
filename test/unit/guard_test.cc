// SPDX-License-Identifier: GPL-2.0
// Gateway-guard controller logic without the kernel: MAC parsing, the guard store over
// fake maps (per-interface MAC union for IPv6 gateways, rollback), event JSON.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "absl/strings/str_format.h"

#include "fake_map.h"
#include "guard/event_format.h"
#include "guard/guard_store.h"

using namespace xdpguard;
using guard::ParseMac;

namespace {

struct Maps {
  datapath::FakeMap guards{"xg_guards", sizeof(xg_guard_key), sizeof(xg_guard), 64};
  datapath::FakeMap guard_if{"xg_guard_if", sizeof(__u32), sizeof(xg_guard_if), 64};
  guard::GuardStore store{&guards, &guard_if};
};

guard::GuardEntry Entry(uint32_t ifindex, const char* gw, std::vector<const char*> macs,
                        bool drop = false) {
  guard::GuardEntry e;
  e.ifindex = ifindex;
  e.gateway = net::ParseCidr(gw)->cidr;
  e.drop = drop;
  for (const char* m : macs) e.macs.push_back({*ParseMac(m), false});
  return e;
}

}  // namespace

TEST_CASE("MAC parsing is strict") {
  CHECK(guard::FormatMac(ParseMac("00:00:5E:00:01:07")->data()) == "00:00:5e:00:01:07");
  CHECK(ParseMac("00-00-5e-00-01-07").ok());
  for (const char* bad : {"", "00:00:5e:00:01", "00:00:5e:00:01:0g", "0:0:5e:0:1:7",
                          "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "00:00:5e:00:01:07:08"}) {
    INFO(bad);
    CHECK_FALSE(ParseMac(bad).ok());
  }
}

TEST_CASE("guard store: add, list, replace, delete") {
  Maps m;
  REQUIRE(m.store.Add(Entry(3, "192.0.2.1", {"02:00:00:00:00:aa"})).ok());
  REQUIRE(m.store.Add(Entry(3, "192.0.2.1", {"02:00:00:00:00:aa", "00:00:5e:00:01:07"}, true)).ok());
  auto all = m.store.List();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);  // replaced, not duplicated
  CHECK((*all)[0].macs.size() == 2);
  CHECK((*all)[0].drop);
  CHECK(m.guard_if.size() == 0);  // no IPv6 gateway: no router-advertisement entry
  CHECK(absl::IsNotFound(m.store.Del(3, net::ParseCidr("192.0.2.9")->cidr)));
  REQUIRE(m.store.Del(3, net::ParseCidr("192.0.2.1")->cidr).ok());
  CHECK(m.guards.size() == 0);
}

TEST_CASE("guard store: bad input is refused") {
  Maps m;
  CHECK(absl::IsInvalidArgument(m.store.Add(Entry(3, "192.0.2.0/24", {"02:00:00:00:00:aa"}))));
  CHECK(absl::IsInvalidArgument(m.store.Add(Entry(3, "192.0.2.1", {}))));
  std::vector<const char*> nine(9, "02:00:00:00:00:aa");
  CHECK(absl::IsInvalidArgument(m.store.Add(Entry(3, "192.0.2.1", nine))));
}

TEST_CASE("guard store: IPv6 gateways feed the interface's router MAC union") {
  Maps m;
  REQUIRE(m.store.Add(Entry(3, "fe80::1", {"02:00:00:00:00:aa", "02:00:00:00:00:bb"})).ok());
  REQUIRE(m.store.Add(Entry(3, "2001:db8::1", {"02:00:00:00:00:bb", "02:00:00:00:00:cc"}, true)).ok());
  REQUIRE(m.store.Add(Entry(4, "fe80::1", {"02:00:00:00:00:dd"})).ok());
  xg_guard_if gi{};
  uint32_t ifindex = 3;
  REQUIRE(*m.guard_if.Lookup(&ifindex, &gi));
  CHECK(gi.has_v6 == 1);
  CHECK(gi.nmacs == 3);  // aa, bb, cc: deduplicated
  CHECK((gi.flags & XG_GUARD_DROP));
  REQUIRE(m.store.Del(3, net::ParseCidr("fe80::1")->cidr).ok());
  REQUIRE(m.store.Del(3, net::ParseCidr("2001:db8::1")->cidr).ok());
  CHECK_FALSE(*m.guard_if.Lookup(&ifindex, &gi));  // gone with the last IPv6 gateway
}

TEST_CASE("guard store: too many router MACs on one interface is refused and rolled back") {
  Maps m;
  for (int i = 0; i < 2; i++) {
    std::vector<std::string> macs;
    for (int j = 0; j < 8; j++) macs.push_back(absl::StrFormat("02:00:00:00:%02x:%02x", i, j));
    guard::GuardEntry e;
    e.ifindex = 3;
    e.gateway = net::ParseCidr(i == 0 ? "fe80::1" : "fe80::2")->cidr;
    for (auto& s : macs) e.macs.push_back({*ParseMac(s), false});
    REQUIRE(m.store.Add(e).ok());
  }
  auto third = Entry(3, "fe80::3", {"02:00:00:00:09:09"});
  absl::Status st = m.store.Add(third);
  CHECK(absl::IsFailedPrecondition(st));
  CHECK(m.guards.size() == 2);  // the third guard was not left behind
}

TEST_CASE("event JSON carries every field the operator needs") {
  xg_guard_event ev{};
  ev.ts_ns = 5'000'000'000ull;
  ev.ifindex = 3;
  ev.frames = 7;
  ev.vlan = 42;
  ev.kind = XG_GUARD_ARP_SPOOF;
  ev.family = XG_FAM_IPV4;
  ev.gateway[0] = htonl(0xc0000201);  // 192.0.2.1
  std::memcpy(ev.claimed_mac, ParseMac("02:00:00:00:00:66")->data(), 6);
  std::memcpy(ev.eth_src, ParseMac("02:00:00:00:00:66")->data(), 6);
  auto j = guard::EventToJson(ev, "eth0", {*ParseMac("02:00:00:00:00:aa")}, 6'000'000'000ull,
                              1'700'000'001'000'000'000ull);
  CHECK(j["time"] == "2023-11-14T22:13:20.000Z");  // one second before "now"
  CHECK(j["interface"] == "eth0");
  CHECK(j["vlan"] == 42);
  CHECK(j["kind"] == "arp_spoof");
  CHECK(j["gateway"] == "192.0.2.1");
  CHECK(j["claimed_mac"] == "02:00:00:00:00:66");
  CHECK(j["allowed_macs"][0] == "02:00:00:00:00:aa");
  CHECK(j["frames"] == 7);
  CHECK(j["dropped"] == false);
}

TEST_CASE("guard store: allowed MACs for an event (gateway's own, or the router union)") {
  Maps m;
  REQUIRE(m.store.Add(Entry(3, "192.0.2.1", {"02:00:00:00:00:aa", "00:00:5e:00:01:07"})).ok());
  REQUIRE(m.store.Add(Entry(3, "fe80::1", {"02:00:00:00:00:bb"})).ok());
  xg_guard_event ev{};
  ev.ifindex = 3;
  ev.family = XG_FAM_IPV4;
  ev.kind = XG_GUARD_ARP_SPOOF;
  ev.gateway[0] = htonl(0xc0000201);
  auto own = m.store.AllowedForEvent(ev);
  REQUIRE(own.ok());
  REQUIRE(own->size() == 2);
  CHECK(guard::FormatMac((*own)[1].data()) == "00:00:5e:00:01:07");
  ev.kind = XG_GUARD_ROGUE_RA;
  auto routers = m.store.AllowedForEvent(ev);
  REQUIRE(routers.ok());
  REQUIRE(routers->size() == 1);
  CHECK(guard::FormatMac((*routers)[0].data()) == "02:00:00:00:00:bb");
  ev.kind = XG_GUARD_ARP_SPOOF;
  ev.gateway[0] = htonl(0xc0000209);  // not guarded
  CHECK(m.store.AllowedForEvent(ev)->empty());
}
