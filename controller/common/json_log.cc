// SPDX-License-Identifier: GPL-2.0
#include "common/json_log.h"

#include <chrono>
#include <ctime>

#include "nlohmann/json.hpp"
#include "spdlog/details/log_msg.h"
#include "spdlog/spdlog.h"

namespace xdpguard {
namespace {

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto since = msg.time.time_since_epoch();
    std::time_t secs = duration_cast<seconds>(since).count();
    auto micros = duration_cast<microseconds>(since).count() % 1000000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[40];
    size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof(stamp) - n, ".%06lldZ", static_cast<long long>(micros));
    nlohmann::json j = {{"time", stamp},
                        {"level", spdlog::level::to_string_view(msg.level).data()},
                        {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
                        {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    // Invalid UTF-8 from a feed or packet must not throw: replace it.
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeJsonFormatter() { return std::make_unique<JsonFormatter>(); }

}  // namespace xdpguard
