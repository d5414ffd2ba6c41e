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
  xg_if_config d = DefaultInterfaceConfig();
  CHECK(d.flow_mode == XG_FLOWS_MATCHED);
  CHECK(d.drop_sample_shift == XG_DEFAULT_DROP_SAMPLE_SHIFT);
  CHECK(d.flags == 0);
}
