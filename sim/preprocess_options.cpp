#include "sim/preprocess_options.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include <CLI/CLI.hpp>

namespace ccsim::cli {
namespace {

// A number or a fraction A/B ("1/255" is how ToTensor() is usually written down).
float parse_scale(const std::string& text) {
  const auto fail = [&text] {
    return std::invalid_argument("--input-scale '" + text + "': expected a number or a fraction such as 1/255");
  };
  const auto number = [&fail](const std::string& s) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) throw fail();
    return v;
  };
  const auto slash = text.find('/');
  const double v = slash == std::string::npos ? number(text) : number(text.substr(0, slash)) / number(text.substr(slash + 1));
  if (!std::isfinite(v) || v == 0.0) throw std::invalid_argument("--input-scale '" + text + "': must be finite and non-zero");
  return static_cast<float>(v);
}

std::string list(const std::vector<float>& v) {
  std::ostringstream os;
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  return os.str();
}

}  // namespace

void PreprocessFlags::add_to(CLI::App* cmd, const std::string& what) {
  cmd->add_option_function<std::string>(
         "--input-scale", [this](const std::string& s) { scale = parse_scale(s); },
         "data-set pixels are multiplied by this first, e.g. 1/255 for torchvision's ToTensor() (" + what + ")")
      ->type_name("S");
  cmd->add_option("--input-mean", mean, "per-channel mean subtracted after scaling, as Normalize(mean, std) (" + what + ")")
      ->delimiter(',')
      ->type_name("M[,M...]");
  cmd->add_option("--input-std", std, "per-channel std divided by after the mean (" + what + ")")
      ->delimiter(',')
      ->type_name("S[,S...]");
}

std::string PreprocessFlags::flags_text() const {
  std::ostringstream os;
  if (scale) os << "--input-scale " << *scale;
  if (!mean.empty()) os << (scale ? " " : "") << "--input-mean " << list(mean);
  if (!std.empty()) os << (scale || !mean.empty() ? " " : "") << "--input-std " << list(std);
  return os.str();
}

std::string describe(const model::Preprocess& p) {
  if (p.is_identity()) return "x = pixel (no preprocessing)";
  std::ostringstream os;
  os << "x = ";
  if (!p.mean.empty()) os << "(";
  os << "pixel";
  if (p.scale != 1.0f) os << " * " << p.scale;
  if (!p.mean.empty()) os << " - " << (p.mean.size() == 1 ? list(p.mean) : "[" + list(p.mean) + "]") << ")";
  if (!p.std.empty()) os << " / " << (p.std.size() == 1 ? list(p.std) : "[" + list(p.std) + "]");
  return os.str();
}

void apply_preprocess(const PreprocessFlags& flags, model::Network& net, const std::string& model_path,
                      bool reads_dataset, std::ostream& notes) {
  if (!flags.given()) {
    if (reads_dataset && net.preprocess.is_identity()) {
      notes << "ccsim: note: " << model_path << " carries no input preprocessing, so data-set pixels go in as raw "
            << "values 0..255; if it was trained on ToTensor() inputs pass --input-scale 1/255 (and --input-mean/"
            << "--input-std for Normalize)\n";
    }
    return;
  }
  model::Preprocess p;
  p.scale = flags.scale.value_or(1.0f);
  p.mean = flags.mean;
  p.std = flags.std;
  try {
    model::validate(p, net.input.c);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(flags.flags_text() + ": " + e.what());
  }
  const bool same = net.preprocess.scale == p.scale && net.preprocess.mean == p.mean && net.preprocess.std == p.std;
  if (!net.preprocess.is_identity() && !same) {  // the same preprocessing again needs no note
    notes << "ccsim: note: " << flags.flags_text() << " replaces the preprocessing " << model_path << " carries ("
          << describe(net.preprocess) << ")\n";
  }
  net.preprocess = std::move(p);
}

void refuse_preprocess_flags(const PreprocessFlags& flags, const std::string& packed_path, const model::Preprocess& stored) {
  if (!flags.given()) return;
  throw std::invalid_argument(packed_path + ": a packed file keeps the preprocessing it was calibrated with (" +
                              describe(stored) + "); " + flags.flags_text() + " goes to `ccsim pack`");
}

}  // namespace ccsim::cli
