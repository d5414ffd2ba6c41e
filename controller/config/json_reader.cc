// SPDX-License-Identifier: GPL-2.0
#include "config/json_reader.h"

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "common/printable.h"

namespace xdpguard::config {

void Errors::Add(const std::string& path, const std::string& message) {
  messages_.push_back(path.empty() ? message : absl::StrCat(path, ": ", message));
}

std::optional<std::string> ControlCharacter(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f)
      return absl::StrCat("contains a control character (\\x", absl::Hex(c, absl::kZeroPad2),
                          "): no config string may hold NUL, CR, LF, escape or tab");
  }
  return std::nullopt;
}

std::string Describe(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return absl::StrCat("the boolean ", v.dump());
    case nlohmann::json::value_t::string: return absl::StrCat("the string ", Printable(v.dump(), 60));
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return absl::StrCat("the number ", v.dump());
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    default: return "an unsupported value";
  }
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path, Errors* errors)
    : value_(&value), path_(std::move(path)), errors_(errors) {
  if (!value.is_object()) {
    errors_->Add(path_.empty() ? "(top level)" : path_, absl::StrCat("expected an object, found ", Describe(value)));
    value_ = nullptr;
  }
}

ObjectReader::~ObjectReader() {
  if (!value_) return;
  for (const auto& [key, v] : value_->items()) {
    if (!seen_.count(key)) errors_->Add(PathOf(key), "unknown key (check the spelling; see docs/config.md)");
  }
}

std::string ObjectReader::PathOf(const std::string& key) const {
  return path_.empty() ? key : absl::StrCat(path_, ".", key);
}

bool ObjectReader::Has(const std::string& key) const { return value_ && value_->contains(key); }

void ObjectReader::Error(const std::string& key, const std::string& message) {
  errors_->Add(PathOf(key), message);
}

const nlohmann::json* ObjectReader::Take(const std::string& key) {
  seen_.insert(key);
  if (!value_) return nullptr;
  auto it = value_->find(key);
  return it == value_->end() ? nullptr : &*it;
}

std::optional<std::string> ObjectReader::String(const std::string& key, bool required) {
  const nlohmann::json* v = Take(key);
  if (!v) {
    if (required && value_) Error(key, "missing (a string is required)");
    return std::nullopt;
  }
  if (!v->is_string()) {
    Error(key, absl::StrCat("expected a string, found ", Describe(*v)));
    return std::nullopt;
  }
  if (std::optional<std::string> bad = ControlCharacter(v->get_ref<const std::string&>())) {
    Error(key, *bad);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<bool> ObjectReader::Bool(const std::string& key) {
  const nlohmann::json* v = Take(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Error(key, absl::StrCat("expected true or false, found ", Describe(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> ObjectReader::Int(const std::string& key, int64_t min, int64_t max, bool required) {
  const nlohmann::json* v = Take(key);
  if (!v) {
    if (required && value_) Error(key, absl::StrCat("missing (an integer in ", min, "..", max, " is required)"));
    return std::nullopt;
  }
  if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) ||
      v->get<int64_t>() < min || v->get<int64_t>() > max) {
    Error(key, absl::StrCat("expected an integer in ", min, "..", max, ", found ", Describe(*v)));
    return std::nullopt;
  }
  return v->get<int64_t>();
}

std::optional<double> ObjectReader::Number(const std::string& key, double min, double max) {
  const nlohmann::json* v = Take(key);
  if (!v) return std::nullopt;
  if (!v->is_number() || v->get<double>() < min || v->get<double>() > max) {
    Error(key, absl::StrCat("expected a number in ", min, "..", max, ", found ", Describe(*v)));
    return std::nullopt;
  }
  return v->get<double>();
}

std::optional<std::vector<std::string>> ObjectReader::Strings(const std::string& key) {
  const nlohmann::json* v = Take(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    Error(key, absl::StrCat("expected an array of strings, found ", Describe(*v)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); i++) {
    if (!(*v)[i].is_string()) {
      errors_->Add(absl::StrCat(PathOf(key), "[", i, "]"), absl::StrCat("expected a string, found ", Describe((*v)[i])));
      return std::nullopt;
    }
    if (std::optional<std::string> bad = ControlCharacter((*v)[i].get_ref<const std::string&>())) {
      errors_->Add(absl::StrCat(PathOf(key), "[", i, "]"), *bad);
      return std::nullopt;
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

std::optional<uint64_t> ObjectReader::Duration(const std::string& key, uint64_t min_s, uint64_t max_s) {
  std::optional<std::string> text = String(key);
  if (!text) return std::nullopt;
  absl::StatusOr<uint64_t> s = ParseDurationSeconds(*text);
  if (!s.ok()) {
    Error(key, std::string(s.status().message()));
    return std::nullopt;
  }
  if (*s < min_s || *s > max_s) {
    Error(key, absl::StrCat("expected a duration between ", FormatSeconds(min_s), " and ",
                            FormatSeconds(max_s), ", found \"", *text, "\""));
    return std::nullopt;
  }
  return *s;
}

const nlohmann::json* ObjectReader::Object(const std::string& key) {
  const nlohmann::json* v = Take(key);
  if (v && !v->is_object()) {
    Error(key, absl::StrCat("expected an object, found ", Describe(*v)));
    return nullptr;
  }
  return v;
}

const nlohmann::json* ObjectReader::Array(const std::string& key) {
  const nlohmann::json* v = Take(key);
  if (v && !v->is_array()) {
    Error(key, absl::StrCat("expected an array, found ", Describe(*v)));
    return nullptr;
  }
  return v;
}

}  // namespace xdpguard::config
