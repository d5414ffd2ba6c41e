// SPDX-License-Identifier: GPL-2.0
#include "cli/args.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace xdpguard::cli {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv, const FlagSpec& spec) {
  Args out;
  bool only_positionals = false;
  for (size_t i = 0; i < argv.size(); i++) {
    const std::string& a = argv[i];
    if (only_positionals || a.size() < 3 || a.compare(0, 2, "--") != 0) {
      if (a == "--") {
        only_positionals = true;
        continue;
      }
      if (!only_positionals && a.size() > 1 && a[0] == '-' && a != "-")
        return absl::InvalidArgumentError(absl::StrCat("unknown option '", a, "'"));
      out.positionals_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (spec.booleans.count(name)) {
      if (inline_value)
        return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      out.flags_[name].push_back("");
    } else if (spec.with_values.count(name)) {
      // A second value would silently replace the first (--ports 80 --ports 443 kept 443).
      if (out.flags_.count(name) && !spec.repeatable.count(name))
        return absl::InvalidArgumentError(absl::StrCat("--", name, " given twice: give it once"));
      if (inline_value) {
        out.flags_[name].push_back(*inline_value);
      } else if (i + 1 < argv.size()) {
        out.flags_[name].push_back(argv[++i]);
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '--", name, "'"));
    }
  }
  return out;
}

std::optional<std::string> Args::Value(const std::string& flag) const {
  auto it = flags_.find(flag);
  if (it == flags_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::Values(const std::string& flag) const {
  auto it = flags_.find(flag);
  return it == flags_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<uint32_t> ParseCount(const std::string& flag, const std::string& text,
                                    uint32_t min, uint32_t max) {
  uint64_t v = 0;
  bool digits = !text.empty() && text.size() <= 10;
  for (char c : text) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!digits || !absl::SimpleAtoi(text, &v) || v < min || v > max)
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be a whole number from ",
                                                   min, " to ", max, ", got '", text, "'"));
  return static_cast<uint32_t>(v);
}

}  // namespace xdpguard::cli
