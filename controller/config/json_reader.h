// SPDX-License-Identifier: GPL-2.0
// Strict reading of a JSON config object: every error names the JSON path
// (feeds[2].url), what was found and what was expected, and keys nobody asked for are
// errors too (a typo must not silently fall back to a default). Errors are collected so
// one run of `xdpguard check` reports them all.
#ifndef XDPGUARD_CONFIG_JSON_READER_H_
#define XDPGUARD_CONFIG_JSON_READER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace xdpguard::config {

class Errors {
 public:
  void Add(const std::string& path, const std::string& message);
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

// Why s has no place in a config (a NUL would cut a path or an interface name short, CR/LF
// would split a header or a log line, escapes reach terminals); nothing when it is clean.
std::optional<std::string> ControlCharacter(const std::string& s);

// JSON type name for messages: "a string", "a number", ...
std::string Describe(const nlohmann::json& value);

class ObjectReader {
 public:
  // value must be an object, else an error is recorded and every getter returns nothing.
  ObjectReader(const nlohmann::json& value, std::string path, Errors* errors);
  ~ObjectReader();  // records unknown keys

  const std::string& path() const { return path_; }
  std::string PathOf(const std::string& key) const;
  bool Has(const std::string& key) const;

  std::optional<std::string> String(const std::string& key, bool required = false);
  std::optional<bool> Bool(const std::string& key);
  // Integer in [min, max].
  std::optional<int64_t> Int(const std::string& key, int64_t min, int64_t max, bool required = false);
  std::optional<double> Number(const std::string& key, double min, double max);
  std::optional<std::vector<std::string>> Strings(const std::string& key);
  // Duration string ("90s", "6h") in [min_s, max_s] seconds.
  std::optional<uint64_t> Duration(const std::string& key, uint64_t min_s, uint64_t max_s);
  // The raw value for a nested reader (marks the key as known); nullptr if absent/wrong type.
  const nlohmann::json* Object(const std::string& key);
  // The raw value of any type (marks the key as known); nullptr if absent.
  const nlohmann::json* Raw(const std::string& key) { return Take(key); }
  const nlohmann::json* Array(const std::string& key);

  void Error(const std::string& key, const std::string& message);

 private:
  const nlohmann::json* Take(const std::string& key);
  const nlohmann::json* value_;
  std::string path_;
  Errors* errors_;
  std::set<std::string> seen_;
};

}  // namespace xdpguard::config

#endif  // XDPGUARD_CONFIG_JSON_READER_H_
