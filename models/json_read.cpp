#include "models/json_read.hpp"

#include <cmath>
#include <sstream>

namespace ccsim::json_read {
namespace {

// nlohmann's DOM builder with a depth bound and UTF-8 checks. Returning false from a callback stops
// the parser before it recurses any further.
class BoundedDomParser : public nlohmann::detail::json_sax_dom_parser<json> {
  using Base = nlohmann::detail::json_sax_dom_parser<json>;

 public:
  explicit BoundedDomParser(json& root) : Base(root, true) {}

  bool start_object(std::size_t n) { return enter() && Base::start_object(n); }
  bool end_object() {
    --depth_;
    return Base::end_object();
  }
  bool start_array(std::size_t n) { return enter() && Base::start_array(n); }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }
  bool key(string_t& s) { return text(s) && Base::key(s); }
  bool string(string_t& s) { return text(s) && Base::string(s); }

  const std::string& problem() const { return problem_; }

 private:
  bool enter() {
    if (++depth_ <= kMaxDepth) return true;
    problem_ = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return false;
  }
  bool text(const std::string& s) {
    if (valid_utf8(s)) return true;
    problem_ = "a string is not valid UTF-8";
    return false;
  }

  std::size_t depth_ = 0;
  std::string problem_;
};

template <typename Parse>
json parse_bounded(Parse&& parse, const std::string& source, const char* what) {
  json root;
  BoundedDomParser sax(root);
  try {
    if (!parse(sax)) {
      throw std::runtime_error(source + ": not valid " + what + (sax.problem().empty() ? "" : ": " + sax.problem()));
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(source + ": not valid " + what + ": " + e.what());
  }
  return root;
}

}  // namespace

json parse_json(std::string_view text, const std::string& source) {
  return parse_bounded([&](BoundedDomParser& sax) { return json::sax_parse(text.begin(), text.end(), &sax); }, source,
                       "JSON");
}

json parse_cbor(const std::uint8_t* first, const std::uint8_t* last, const std::string& source) {
  return parse_bounded(
      [&](BoundedDomParser& sax) { return json::sax_parse(first, last, &sax, json::input_format_t::cbor); }, source,
      "CBOR");
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((p[k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3f);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;  // overlong, range, surrogate
    p += extra + 1;
  }
  return true;
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::binary:
      return "a byte string";
    case json::value_t::string:
      return valid_utf8(v.get_ref<const std::string&>()) && v.get_ref<const std::string&>().size() <= 40 ? v.dump()
                                                                                                          : "a string";
    case json::value_t::number_float: {
      std::ostringstream o;
      o << v.get<double>();
      return o.str();
    }
    default:
      return v.dump();
  }
}

}  // namespace ccsim::json_read
