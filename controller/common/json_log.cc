// SPDX-License-Identifier: GPL-2.0
#include "common/json_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "nlohmann/json.hpp"
#include "spdlog/details/log_msg.h"
#include "spdlog/spdlog.h"

namespace xdpguard {
namespace {

// syslog(3) priorities of spdlog's levels.
char Priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return '2';
    case spdlog::level::err:
      return '3';
    case spdlog::level::warn:
      return '4';
    case spdlog::level::info:
      return '6';
    default:
      return '7';
  }
}

class JsonFormatter : public spdlog::formatter {
 public:
  explicit JsonFormatter(bool priority_prefix) : priority_prefix_(priority_prefix) {}
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
    if (priority_prefix_) line = std::string("<") + Priority(msg.level) + ">" + line;
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(priority_prefix_);
  }

 private:
  bool priority_prefix_;
};

}  // namespace

bool StderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

std::unique_ptr<spdlog::formatter> MakeJsonFormatter() {
  return std::make_unique<JsonFormatter>(StderrIsJournal());
}

}  // namespace xdpguard
