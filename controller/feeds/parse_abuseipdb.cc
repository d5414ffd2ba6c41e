// SPDX-License-Identifier: GPL-2.0
// AbuseIPDB API v2 /blacklist: the JSON body {"meta":{...},"data":[{"ipAddress":...},...]}
// or the plain-text body (one address per line). A Premium pull is ~60 MB of JSON, so the
// JSON form is read with a SAX handler that keeps only the addresses, never a DOM.
#include "absl/strings/str_cat.h"
#include "feeds/body.h"
#include "feeds/parsers.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {
namespace {

using json = nlohmann::json;

// Depth 1 is the top-level object, 2 the "data" array, 3 one record.
class BlacklistSax : public nlohmann::json_sax<json> {
 public:
  explicit BlacklistSax(ParsedFeed* feed) : feed_(feed) {}

  bool saw_data() const { return saw_data_; }
  bool saw_errors() const { return saw_errors_; }
  const std::string& error() const { return error_; }

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }
  bool string(string_t& val) override {
    if (depth_ == 3 && in_data_ && key_ == "ipAddress") {
      AddEntry(val, feed_);
      record_has_ip_ = true;
    }
    return Scalar();
  }
  bool start_object(std::size_t) override {
    if (depth_ == 0 && !stack_.empty()) return Fail("the body has more than one value");
    stack_.push_back('{');
    depth_++;
    if (depth_ == 1 && !top_is_object_) top_is_object_ = true;
    if (depth_ == 3 && in_data_) record_has_ip_ = false;
    return true;
  }
  bool end_object() override {
    if (depth_ == 3 && in_data_ && !record_has_ip_) {
      feed_->invalid++;  // a record without an address
    }
    return Pop();
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0) return Fail("the body is a JSON array, expected an object with \"data\"");
    stack_.push_back('[');
    depth_++;
    if (depth_ == 2 && key_at_1_ == "data") {
      in_data_ = true;
      saw_data_ = true;
    } else if (depth_ == 2 && key_at_1_ == "errors") {
      saw_errors_ = true;
    }
    return true;
  }
  bool end_array() override {
    if (depth_ == 2) in_data_ = false;
    return Pop();
  }
  bool key(string_t& val) override {
    key_ = val;
    if (depth_ == 1) key_at_1_ = val;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    return Fail(absl::StrCat("invalid JSON at byte ", position, " (truncated?): ", ex.what()));
  }

 private:
  bool Scalar() {
    if (depth_ == 0) return Fail("the body is a bare JSON value");
    if (depth_ == 2 && key_at_1_ == "data") feed_->invalid++;  // "data":[1,2] is not a record
    return true;
  }
  bool Pop() {
    stack_.pop_back();
    depth_--;
    return true;
  }
  bool Fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  ParsedFeed* feed_;
  std::vector<char> stack_;
  int depth_ = 0;
  bool top_is_object_ = false;
  bool in_data_ = false;
  bool saw_data_ = false;
  bool saw_errors_ = false;
  bool record_has_ip_ = false;
  std::string key_, key_at_1_, error_;
};

}  // namespace

absl::StatusOr<ParsedFeed> ParseAbuseIpdb(absl::string_view body) {
  if (FirstNonBlank(body) != '{') {
    // Plain-text form: bare addresses only (AbuseIPDB never lists CIDRs or comments).
    return ParsePlain(body, PlainOptions{});
  }
  ParsedFeed feed;
  BlacklistSax sax(&feed);
  bool ok = json::sax_parse(body.begin(), body.end(), &sax);
  if (!ok) return absl::DataLossError(sax.error().empty() ? "invalid JSON" : sax.error());
  if (sax.saw_errors())
    return absl::FailedPreconditionError("the server sent an error object, not a list");
  if (!sax.saw_data())
    return absl::InvalidArgumentError("the JSON object has no \"data\" array: not a blacklist body");
  return feed;
}

}  // namespace xdpguard::feeds
