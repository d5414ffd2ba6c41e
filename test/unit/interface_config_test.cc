// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>

#include "datapath/interface_config.h"

using namespace xdpguard::datapath;

TEST_CASE("flow modes and sample rates") {
  CHECK(*ParseFlowMode("off") == XG_FLOWS_OFF);
  CHECK(*ParseFlowMode("matched") == XG_FLOWS_MATCHED);
  CHECK(*ParseFlowMode("all") == XG_FLOWS_ALL);
  CHECK_FALSE(ParseFlowMode("some").ok());
  CHECK(FlowModeName(XG_FLOWS_ALL) == "all");
  CHECK(*SampleRateToShift(1) == 0);
  CHECK(*SampleRateToShift(16) == 4);
  CHECK(*SampleRateToShift(1024) == 10);
  CHECK_FALSE(SampleRateToShift(3).ok());
  CHECK_FALSE(SampleRateToShift(2048).ok());
}

TEST_CASE("defaults encode to an all-zero array slot and settings round-trip") {
  xg_if_config zero = EncodeSettings(InterfaceSettings{});
  CHECK(zero.flags == 0);
  CHECK(zero.flow_mode == 0);
  CHECK(zero.drop_sample_code == 0);
  CHECK(zero.pass_sample_code == 0);
  InterfaceSettings d = DecodeSettings(xg_if_config{});
  CHECK_FALSE(d.monitor);
  CHECK(d.flow_mode == XG_FLOWS_MATCHED);
  CHECK(d.drop_sample() == 16);
  InterfaceSettings s;
  s.monitor = true;
  s.flow_mode = XG_FLOWS_ALL;
  s.drop_sample_shift = 0;
  s.pass_sample_shift = 0;
  InterfaceSettings back = DecodeSettings(EncodeSettings(s));
  CHECK(back.monitor);
  CHECK(back.flow_mode == XG_FLOWS_ALL);
  CHECK(back.drop_sample() == 1);
  CHECK(back.pass_sample() == 1);
  CHECK(d.pass_sample() == 8);
}
